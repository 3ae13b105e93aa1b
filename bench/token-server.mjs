// A minimal token endpoint in its own process, so the server does not share the benchmark's event loop.
import { createServer } from "node:http";

const body = JSON.stringify({
	access_token: "bench-access-token",
	token_type: "Bearer",
	expires_in: 3600,
	refresh_token: "bench-refresh-token",
	scope: "read:me offline_access",
});
const server = createServer((request, response) => {
	request.resume();
	request.on("end", () => {
		response.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
		response.end(body);
	});
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
	process.stdout.write(`${server.address().port}\n`);
});
process.on("disconnect", () => process.exit(0));
