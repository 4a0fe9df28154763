import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "devnet", testTimeout: 60_000 });
