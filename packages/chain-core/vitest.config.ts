import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "chain-core", testTimeout: 60_000 });
