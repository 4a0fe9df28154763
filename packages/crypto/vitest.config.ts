import { tandemProject } from "../../vitest.shared.js";

export default tandemProject({ name: "crypto" });
