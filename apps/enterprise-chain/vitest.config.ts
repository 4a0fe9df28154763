import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "enterprise-chain", testTimeout: 120_000 });
