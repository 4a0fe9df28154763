/**
 * kill -9 of a real node process (LMDB on disk) at the execution and commit failpoints: the parent
 * reopens the store and finds a head that is the last block the child reported durable or the one
 * after it (never a partial block), every reported block unchanged, and the node continues the chain
 * from its WAL.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bytesToHex } from "@tandem/crypto";
import { afterAll, describe, expect, it } from "vitest";
import { ChainNode } from "../../../src/node/index.js";
import { LmdbKvStore } from "../../../src/store/index.js";
import { Testnet, testnetNodeOptions } from "../../../src/testing/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function runChild(
  path: string,
  spec: string,
): Promise<{ signal: NodeJS.Signals | null; commits: Map<number, string> }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@tandem/source", "--import", "tsx", join(here, "kill9-child.ts"), path, spec],
      { stdio: ["ignore", "pipe", "inherit"], cwd: join(here, "../../..") },
    );
    const commits = new Map<number, string>();
    let buf = "";
    child.stdout.on("data", (c: Buffer) => {
      buf += c.toString();
      const lines = buf.split("\n");
      buf = lines.pop() ?? "";
      for (const l of lines) {
        const m = /^committed (\d+) ([0-9a-f]{64})$/.exec(l);
        if (m) commits.set(Number(m[1]), m[2] as string);
      }
    });
    child.on("exit", (_code, signal) => resolve({ signal, commits }));
  });
}

describe("ChainNode under kill -9 (LMDB, separate process)", () => {
  for (const spec of [
    "exec.afterBlockSaved.beforeApply:6",
    "exec.afterApply.beforeStateSave:6",
    "exec.afterStateSave.beforeEvents:6",
    "cons.afterCommitQuorum.beforeBlockSave:6",
  ]) {
    it(`reopens whole blocks and continues after a kill at ${spec}`, async () => {
      const path = mkdtempSync(join(tmpdir(), "tandem-kill9-"));
      dirs.push(path);
      const r = await runChild(path, spec);
      expect(r.signal).toBe("SIGKILL");
      const reported = Math.max(0, ...r.commits.keys());
      expect(reported).toBeGreaterThanOrEqual(4);

      const net = await Testnet.create({ validators: 1, accounts: 2 });
      const m = net.member(0);
      const store = await LmdbKvStore.open({ path });
      const node = await ChainNode.init(
        { ...testnetNodeOptions, block: { emptyBlockWaitMs: 20 }, genesis: net.genesis },
        {
          store,
          network: net.network.join(m.id),
          verifier: net.verifier,
          ...(m.signer === undefined ? {} : { signer: m.signer }),
        },
      );
      try {
        const h = node.height;
        // Durable before reported; the killed block is either wholly there or wholly absent.
        expect(h).toBeGreaterThanOrEqual(reported);
        expect(h).toBeLessThanOrEqual(reported + 1);
        if (spec.startsWith("exec.afterStateSave")) expect(h).toBe(reported + 1);
        else expect(h).toBe(reported);
        for (const [height, hash] of r.commits)
          expect(bytesToHex(node.getCommit(height)?.blockHash ?? new Uint8Array())).toBe(hash);
        expect(node.stateMachine.height).toBe(h);
        const deadline = Date.now() + 15_000;
        while (node.height < h + 2) {
          if (Date.now() > deadline) throw new Error(`no progress after restart (height ${node.height})`);
          await new Promise((res) => setTimeout(res, 10));
        }
      } finally {
        await node.close();
        await store.close();
        await net.close();
      }
    }, 40_000);
  }
});
