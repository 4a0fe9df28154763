import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));

function runChild(
  spec: string,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@tandem/source", "--import", "tsx", join(here, "failpoint-child.ts"), spec],
      {
        stdio: ["ignore", "pipe", "inherit"],
        cwd: join(here, "../.."),
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

describe("processKillFailpoints in a real process", () => {
  it("kills the process with SIGKILL at the nth hit, not before", async () => {
    const r = await runChild("cons.afterWalWrite:2");
    expect(r.signal).toBe("SIGKILL");
    expect(r.out).toBe("before hit 1\nbefore hit 2\n");
  }, 30_000);

  it("never fires for a failpoint that is not hit", async () => {
    const r = await runChild("exec.afterBlockSaved.beforeApply");
    expect(r.code).toBe(0);
    expect(r.out).toContain("survived");
  }, 30_000);
});
