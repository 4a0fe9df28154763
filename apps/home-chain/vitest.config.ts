import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "home-chain", testTimeout: 120_000 });
