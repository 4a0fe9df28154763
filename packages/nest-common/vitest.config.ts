import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "nest-common", testTimeout: 60_000 });
