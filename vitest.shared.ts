import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/** Resolve workspace packages to their TypeScript sources, so tests never need a build first. */
export const sourceConditions = ["@tandem/source", "node", "import", "default"];

export interface ProjectOptions {
  name: string;
  /** Per-test timeout; e2e projects that start servers raise it. */
  testTimeout?: number;
  include?: string[];
}

export function tandemProject(opts: ProjectOptions): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ["@tandem/source"] } },
    test: {
      name: opts.name,
      include: opts.include ?? ["test/**/*.test.ts"],
      testTimeout: opts.testTimeout ?? 20_000,
      hookTimeout: 60_000,
    },
  });
}
