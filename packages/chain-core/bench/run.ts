/**
 * Chain-node benchmarks (one JSON line per figure, harness @tandem/test-utils/bench):
 *   (a) the bound: native Ed25519 verifies/s per core (node:crypto, cached KeyObject) × cores ÷ 4 validators;
 *   (b) committed transfers/s of 4 validators in ONE process (in-memory network, real Ed25519 tx
 *       signatures checked by every node's mempool on worker threads, BLS12-381 votes verified on a
 *       worker thread, LMDB on disk), its ratio to the bound, submit→commit latency, and the CPU spent
 *       per committed tx (main thread and whole process: steadier than tx/s on this shared machine);
 *   (c) restart of a node with 100,000 blocks of history: init → back in consensus.
 * Options: --seconds N (timed window of (b), default 60), --warmup N (default 5), --history N (blocks of
 * (c), default 100000), --only a,b,c,x,lmdb (default a,b,c; x = per-tx execution/admission costs of one
 * node, lmdb = LMDB durability modes), --window N (txs in flight, default 4000), --accounts N,
 * --workers N (Ed25519 threads per node), --bls-workers N, --presign-rate N, --store lmdb|memory.
 *
 * Where the time goes (node --cpu-prof, 2026-11-25, 2 vCPU shared, window 4000, ≈1000 tx/s, 1.7 ms of
 * CPU per committed tx in all threads, ≈1.0 ms of it on the main thread that runs all 4 nodes):
 *   main thread   40%  block execution (StateMachine.executeBlock: each tx over overlays, reusing the
 *                      mempool's decoded txs, hashes and signature verdicts; then one sparse-Merkle update
 *                      per block (ledger smtApply) and the write batch: ≈100 µs per tx per node)
 *                 18%  mempool admission of gossiped and submitted txs (hash, decode, nonce/limit checks,
 *                      packing for the worker, admit: ≈45 µs per tx per node)
 *                 16%  garbage collection (short-lived keys, buffers, overlay entries)
 *                 10%  storing blocks (one LMDB transaction per block: ≈6 puts per tx, plus WAL writes)
 *                  3%  block encode/decode, tx hashes and tx root;  2.4% BLS signing and aggregation;
 *                  2%  consensus engine;  6% idle
 *   4 Ed25519 threads ≈35% busy each (every node verifies every tx once; verdicts are reused by
 *                      execution through `preVerified`); 1 BLS thread verifies votes and last commits.
 * So a tx costs each node ≈250 µs of non-signature work against ≈150 µs for its signature: with both
 * cores the ceiling is ≈1,100–1,200 tx/s, 30–35% of the signature-only bound, and the measured rate is
 * 24–29% (contention from other jobs on the host moves single runs by ±30%). Reaching 60% needs the
 * non-signature work under ≈50 µs per tx per node: execution without generic overlays and with a
 * cheaper sparse-Merkle update (ledger), fewer allocations, or nodes on their own cores/machines (the
 * bound's premise). Latency is queueing: p50 ≈ window ÷ throughput (window 1000 → p50 ≈ 1.7 s at
 * ≈550 tx/s; each height also runs three validations one after another on the shared thread).
 * Restart does not depend on history: init reads the head record, the state meta and the guard
 * (7 store gets, 2 empty range reads) — ≈10 ms to consensus with 100,000 blocks.
 */
import { emitJson } from "@tandem/test-utils/bench";
import { measureBound } from "./bound.js";
import { measureExecution } from "./execute.js";
import { run as lmdbDurability } from "./lmdb-durability.js";
import { measureRestart } from "./restart.js";
import { measureThroughput } from "./throughput.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const only = new Set(arg("only", "a,b,c").split(","));

let bound: number | undefined;
if (only.has("a") || only.has("b")) bound = measureBound(emitJson).txPerSecond;

if (only.has("b")) {
  const r = await measureThroughput(emitJson, {
    seconds: Number(arg("seconds", "60")),
    warmupSeconds: Number(arg("warmup", "5")),
    accounts: Number(arg("accounts", "2000")),
    window: Number(arg("window", "4000")),
    workersPerNode: Number(arg("workers", "1")),
    maxBlockTxs: Number(arg("max-block-txs", "5000")),
    store: arg("store", "lmdb") === "memory" ? "memory" : "lmdb",
    blsWorkers: Number(arg("bls-workers", "1")),
    presignRate: Number(arg("presign-rate", "3000")),
  });
  if (bound !== undefined) {
    emitJson({
      bench: "chain-node",
      name: "committed transfers/s ÷ bound",
      value: Math.round((r.committedPerSecond / bound) * 1000) / 10,
      unit: "%",
      target: 60,
    });
  }
}

if (only.has("c")) await measureRestart(emitJson, Number(arg("history", "100000")));
if (only.has("x")) await measureExecution(emitJson);
if (only.has("lmdb")) await lmdbDurability(emitJson);
