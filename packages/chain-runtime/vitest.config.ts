import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "chain-runtime", testTimeout: 60_000 });
