/**
 * kill -9 of a real process in the middle of LMDB batch writes: after each kill the store holds a
 * prefix of whole batches (never part of one), and every batch whose write had resolved (printed
 * "committed n") is there.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir, removeDir, waitFor } from "@tandem/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { LmdbKvStore } from "../../../src/store/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const BATCH_KEYS = 400;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

function startWriter(path: string): { child: ChildProcess; committed: () => number } {
  const child = spawn(
    process.execPath,
    ["--conditions=@tandem/source", "--import", "tsx", join(here, "lmdb-writer.ts"), path],
    { stdio: ["ignore", "pipe", "inherit"], cwd: join(here, "../../..") },
  );
  let last = -1;
  let buf = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines) {
      const m = /^committed (\d+)$/.exec(l);
      if (m) last = Number(m[1]);
    }
  });
  return { child, committed: () => last };
}

describe("LmdbKvStore under kill -9 during writes", () => {
  it("keeps whole batches only, and every batch that was reported committed", async () => {
    const path = makeTempDir("lmdb-crash");
    dirs.push(path);
    let previousMax = -1;
    for (let round = 0; round < 3; round++) {
      const { child, committed } = startWriter(path);
      const target = previousMax + 5 + Math.floor(Math.random() * 20);
      await waitFor(() => committed() >= target, {
        timeoutMs: 30_000,
        what: `writer to commit batch ${target}`,
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const reported = committed();

      const st = await LmdbKvStore.open({ path });
      const counts = new Map<number, number>();
      for (const { key } of st.getRange({
        gte: new TextEncoder().encode("b"),
        lt: new TextEncoder().encode("c"),
      })) {
        const n = Number(new TextDecoder().decode(key).slice(1, 9));
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      const lastRaw = st.get(new TextEncoder().encode("last")) as Uint8Array;
      const lastBatch = new DataView(lastRaw.buffer, lastRaw.byteOffset).getUint32(0);
      await st.close();

      const present = [...counts.keys()].sort((a, b) => a - b);
      // All or nothing per batch.
      for (const n of present) expect(counts.get(n), `batch ${n}`).toBe(BATCH_KEYS);
      // A prefix 0..lastBatch, consistent with the "last" key written in the same batch.
      expect(present).toEqual([...Array(lastBatch + 1).keys()]);
      // Durable: everything reported committed survived (the in-flight batch may or may not have).
      expect(lastBatch).toBeGreaterThanOrEqual(reported);
      expect(lastBatch).toBeLessThanOrEqual(reported + 1);
      previousMax = lastBatch;
    }
  }, 120_000);
});
