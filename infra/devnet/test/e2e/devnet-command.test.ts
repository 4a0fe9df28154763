/**
 * The README's run command, as a user runs it (minus setup): `devnet --once` brings up NATS, Redis,
 * 4 enterprise validators and a home node as processes, sees both chains commit demo transfers and the
 * bullmq job verify their commits, then stops everything by pid. A second run continues the same chains.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/cluster.js";

const dir = mkdtempSync(join(tmpdir(), "tandem-devnet-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runDevnet(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@tandem/source",
        "--import",
        "tsx",
        join(REPO_ROOT, "infra/devnet/src/main.ts"),
        ...args,
      ],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, TSX_TSCONFIG_PATH: join(REPO_ROOT, "tsconfig.json") },
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.on("exit", (code) => resolve({ code, out }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("devnet --once", () => {
  it("runs both chains as processes, then continues them on a second run; stops every process it started", async () => {
    const first = await runDevnet(["--once", "--dir", dir]);
    expect(first.out).toContain("new chains in");
    expect(first.out).toContain("both chains are committing");
    expect(first.code).toBe(0);
    const pids = [...first.out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBeGreaterThanOrEqual(7); // nats, redis, 5 nodes
    for (const pid of pids) expect(alive(pid)).toBe(false);

    const layout = JSON.parse(readFileSync(join(dir, "chains", "cluster.json"), "utf8")) as {
      chains: Array<{ chainId: string }>;
    };
    const second = await runDevnet(["--once", "--dir", dir]);
    expect(second.out).toContain("continuing the chains in");
    expect(second.out).toContain("both chains are committing");
    expect(second.code).toBe(0);
    // Same chains (ids are random per devnet), and heights went on from where the first run stopped.
    for (const c of layout.chains) expect(second.out).toContain(c.chainId);
    const firstTop = Math.max(
      ...[...first.out.matchAll(/tandem:acme\s+acme-0\s+\d+\s+(\d+)/g)].map((m) => Number(m[1])),
    );
    const secondTop = Math.max(
      ...[...second.out.matchAll(/tandem:acme\s+acme-0\s+\d+\s+(\d+)/g)].map((m) => Number(m[1])),
    );
    expect(secondTop).toBeGreaterThan(firstTop);
  }, 600_000);
});
