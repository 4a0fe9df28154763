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
 * --workers N (Ed25519 threads per node), --bls-workers N, --presign-rate N, --store lmdb|memory,
 * --max-block-txs N (default 5000), --propose-timeout MS (consensus round-0 propose timeout, default 3000),
 * --cpu-prof FILE (a CPU profile of the main thread over the timed window of (b)).
 *
 * Where the time goes (node --cpu-prof, 2026-11-25, after the execution/admission/SMT/hash work; 2 vCPU
 * shared with other agents' jobs, load average 4–7; window 4000, ≈1,100–1,200 tx/s; ≈1.2–1.3 ms of CPU
 * per committed tx in all threads, ≈0.8 ms of it on the main thread that runs all 4 nodes — it was
 * ≈1.8 ms and ≈1.15 ms before):
 *   main thread   23%  block execution (StateMachine.executeBlock: transfers of the built-in bank on a
 *                      fast path straight into the block overlay ≈6%, the sparse-Merkle update with
 *                      pre-hashed values ≈6%, the write batch — value hashes, store keys, one numeric-key
 *                      sort — ≈5%, results root and encoding ≈2%): ≈45 µs per tx per node (was ≈100)
 *                 19%  mempool admission of gossiped and submitted txs (tx hash, decode, nonce/limit
 *                      checks twice, sign bytes hashed from the canonical bytes and packed for the
 *                      worker, admit): ≈40 µs per tx per node
 *                 19%  garbage collection (mostly scavenges of what the pools and blocks keep for a
 *                      few seconds: decoded txs, entries, results and events, tree nodes)
 *                  6%  LMDB puts (≈12 per tx per node: latest value, value by hash, tree nodes, tx index)
 *                  3%  tx hashes of received blocks; 4% consensus engine (WAL, encodings); 2% BLS signing;
 *                  2.5% mempool update after a commit;  8% idle
 *   SHA-256 is now JavaScript for inputs ≤ 512 B (ledger sha256Short: ≈0.35 µs per block and an on-heap
 *   digest; node:crypto's ≈1.3 µs per call and C++-allocated digests were ≈12% plus much of the GC).
 *   4 Ed25519 threads: every node verifies every tx once (verdicts reused through `preVerified`).
 * So a tx still costs each node ≈230 µs of CPU besides its signature (≈200 µs of it on the shared main
 * thread), against ≈85 µs for the signature: measured 1,100–1,200 tx/s, 25–32% of a bound taken
 * under the same load (11–19% when the bound's 3 s happen to be quiet: it then reads ≈6,000). 60% needs
 * the non-signature work of a node under ≈50 µs per tx, or the nodes on cores of their own (the bound's
 * premise: the main thread running 4 nodes is the limit, at ≈95% busy). Each height also costs a fixed
 * ≈0.2 s of CPU (BLS: 7 pairings per node, signatures, WAL, fsync), so small blocks cost more per tx.
 * Latency is queueing: p50 ≈ window ÷ throughput: window 4000 → p50 ≈ 3.3 s; window 1000 (blocks of
 * ≈500) → p50 ≈ 1.1 s at ≈700 tx/s.
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
    layout: arg("layout", "threads") === "single" ? "single" : "threads",
    ...(process.argv.includes("--cpu-prof") ? { cpuProfile: arg("cpu-prof", "") } : {}),
    ...(process.argv.includes("--propose-timeout")
      ? { proposeTimeoutMs: Number(arg("propose-timeout", "3000")) }
      : {}),
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
