import type { UserWorkspaceConfig } from "vitest/config";
import { tandemProject } from "../../vitest.shared.js";

const base = tandemProject({ name: "nest-common", testTimeout: 60_000 });

// Vitest hands ssr.resolve.conditions to its workers as `node --conditions`. The shared "import" condition
// then applies to CJS require() too: express's router gets is-promise's ESM build (a namespace object, not
// a function) and every HTTP route answers 500. Vite adds import/require/default by itself, so drop them.
const config: UserWorkspaceConfig = {
  ...base,
  ssr: { ...base.ssr, resolve: { ...base.ssr?.resolve, conditions: ["@tandem/source", "node"] } },
};

export default config;
