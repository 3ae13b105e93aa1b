import { runSmoke } from "./smoke.mjs";

const passed = await runSmoke();
console.log(`ok: ${passed.join(", ")}`);
