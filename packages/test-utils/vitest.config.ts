import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "test-utils", testTimeout: 60_000 });
