/**
 * Where a node's time per tx goes, without consensus: one state machine on LMDB executes and commits
 * blocks of signed transfers, and a mempool admits each block's txs first (signatures on its worker
 * thread; execution reuses the pool's verdicts, decoded txs and hashes, as a node does). Per tx.
 */
import { createPrivateKey, sign as nodeSign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes, hexToBytes } from "@tandem/crypto";
import { encodeTx, signTxWith, type TransferPayload, txHash, type UnsignedTx } from "@tandem/ledger";
import { type Emit, median } from "@tandem/test-utils/bench";
import { Mempool } from "../src/mempool/index.js";
import { StateMachine } from "../src/state/index.js";
import { LmdbKvStore } from "../src/store/index.js";
import { type TestKey, Testnet } from "../src/testing/index.js";

const PKCS8_ED25519 = hexToBytes("302e020100300506032b657004220420");

export async function measureExecution(
  emit: Emit,
  accounts = 4000,
  blockTxs = 2000,
  blocks = 8,
): Promise<void> {
  const net = await Testnet.create({ accounts });
  const dir = mkdtempSync(join(tmpdir(), "tandem-exec-"));
  const store = await LmdbKvStore.open({ path: dir });
  try {
    const sm = await StateMachine.init({ chainId: net.chainId }, { store });
    await sm.commit(sm.initGenesis(net.genesis));
    const keys = net.accounts.map((a: TestKey) => ({
      a,
      key: createPrivateKey({
        key: Buffer.from(concatBytes(PKCS8_ED25519, a.secretKey)),
        format: "der",
        type: "pkcs8",
      }),
    }));
    const all: Uint8Array[][] = [];
    for (let b = 0; b < blocks; b++) {
      const txs: Uint8Array[] = [];
      for (let i = 0; i < blockTxs; i++) {
        const j = b * blockTxs + i;
        const from = keys[j % keys.length] as (typeof keys)[number];
        const u: UnsignedTx<TransferPayload> = {
          chainId: net.chainId,
          kind: "transfer",
          scheme: "ed25519",
          sender: from.a.publicKey,
          nonce: Math.floor(j / keys.length),
          expiryHeight: 0,
          payload: {
            to: (net.accounts[(j + 1) % keys.length] as TestKey).address,
            amount: 1n,
            denom: net.denom,
            memo: "",
          },
        };
        txs.push(encodeTx(signTxWith(u, (sb) => new Uint8Array(nodeSign(null, sb, from.key)))));
      }
      all.push(txs);
    }
    const exec: number[] = [];
    const commit: number[] = [];
    const admit: number[] = [];
    for (let b = 0; b < blocks; b++) {
      const txs = all[b] as Uint8Array[];
      const pool = await Mempool.init(
        { chainId: net.chainId, verifyWorkers: 1, maxTxs: 100_000, maxBatch: 4096 },
        { state: sm },
      );
      const txHashes = txs.map((t) => txHash(t));
      // CPU time, not wall time (steadier on a shared machine). Admission counts the process: the
      // main thread plus the signature checks on the worker thread.
      const c0 = process.cpuUsage();
      await pool.submitMany(txs);
      const c1 = process.cpuUsage();
      const ex = sm.executeBlock(
        { height: b + 1, time: b + 1, proposer: new Uint8Array(20), txs },
        { preVerified: pool.verified, decoded: pool.decoded, txHashes },
      );
      const c2 = process.cpuUsage();
      if (ex.results.some((r) => r.code !== "OK")) throw new Error("a transfer failed");
      await sm.commit(ex);
      const c3 = process.cpuUsage();
      await pool.close();
      const us = (a: NodeJS.CpuUsage, z: NodeJS.CpuUsage): number => z.user + z.system - a.user - a.system;
      if (b > 0) {
        exec.push(us(c1, c2) / blockTxs);
        commit.push(us(c2, c3) / blockTxs);
        admit.push(us(c0, c1) / blockTxs);
      }
    }
    emit({
      bench: "chain-node",
      name: "execute a transfer (1 node, LMDB; CPU)",
      value: Math.round(median(exec)),
      unit: "µs/tx",
      accounts,
      blockTxs,
    });
    emit({
      bench: "chain-node",
      name: "commit a transfer's writes (1 node, LMDB; CPU)",
      value: Math.round(median(commit)),
      unit: "µs/tx",
    });
    emit({
      bench: "chain-node",
      name: "admit a transfer to the mempool (1 node; CPU of all threads, signature included)",
      value: Math.round(median(admit)),
      unit: "µs/tx",
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
