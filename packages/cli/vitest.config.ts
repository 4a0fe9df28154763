import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "cli", testTimeout: 60_000 });
