// workerd entry: `workerd test` calls test(); the smoke suite runs inside the Workers runtime.
import { runSmoke } from "./smoke.mjs";

export default {
	async test() {
		const passed = await runSmoke();
		console.log(`ok: ${passed.join(", ")}`);
	},
};
