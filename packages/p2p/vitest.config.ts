import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "p2p", testTimeout: 30_000 });
