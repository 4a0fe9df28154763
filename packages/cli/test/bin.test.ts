/** The real `tandem` bin, spawned as an operator runs it (through tsx: no build needed). */
import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const BIN = fileURLToPath(new URL("../bin/tandem.mjs", import.meta.url));
let dir: string;
let cleanup: () => Promise<void>;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, TANDEM_CLI_SOURCE: "1", TANDEM_DEBUG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await cleanup();
});

describe("bin/tandem.mjs", () => {
  it("--help, keys create and a user error, as separate processes", async () => {
    const [help, create, bad] = await Promise.all([
      run(["--help"]),
      run(["keys", "create", "--out", "v.key", "--json"]),
      run(["account", "show", "missing.key"]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tandem/);
    for (const c of ["keys", "account", "genesis", "node", "status", "transfer"])
      expect(help.stdout).toContain(c);

    expect(create.code, create.stderr).toBe(0);
    expect(JSON.parse(create.stdout).peerId).toMatch(/^12D3KooW/);
    expect((await stat(join(dir, "v.key"))).mode & 0o777).toBe(0o600);

    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(
      /^error \[ACCOUNT_KEY_INVALID\]: cannot read account key file .*missing\.key: ENOENT\n$/,
    );
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
