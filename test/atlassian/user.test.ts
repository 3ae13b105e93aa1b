import { expect, it } from "vitest";
import { Atlassian, UnexpectedErrorResponseBodyError } from "../../src/index.js";

const profile = {
	account_id: "acc-1",
	account_type: "atlassian",
	name: "Ada",
	picture: "https://p.example/a.png",
	account_status: "active",
};

const atlassian = (body: unknown) => new Atlassian("id", "secret", "https://app.example/cb", { fetch: async () => Response.json(body) });

it("getUser reads /me, extra fields kept", async () => {
	expect(await atlassian({ ...profile, email: "ada@example.com", extra: 1 }).getUser("at")).toMatchObject({ name: "Ada", extra: 1 });
});

it("refuses a profile without its required fields, or with mistyped optional ones", async () => {
	for (const body of [{ ...profile, name: undefined }, { ...profile, email: 5 }, { ...profile, extended_profile: "x" }, [profile]]) {
		await expect(atlassian(body).getUser("at")).rejects.toBeInstanceOf(UnexpectedErrorResponseBodyError);
	}
});
