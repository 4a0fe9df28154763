import { defineConfig } from "vitest/config";

// One run over every package and app; each project's own vitest.config.ts names it and its files.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "infra/*"],
  },
});
