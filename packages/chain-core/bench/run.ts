/**
 * Chain-node benchmarks (one JSON line per figure, harness @tandem/test-utils/bench):
 *   (a) the bound: native Ed25519 verifies/s per core × cores ÷ 4 validators;
 *   (b) committed transfers/s of 4 validators in one process, ratio to the bound, submit→commit latency;
 *   (c) restart of a node with a long history: init → back in consensus.
 * Options: --seconds N (timed window of (b), default 60), --warmup N (default 5), --history N (blocks of
 * (c), default 100000), --only a,b,c,x,lmdb (default a,b,c; x = per-tx execution/admission costs of one
 * node, lmdb = LMDB durability modes), --window N, --accounts N, --workers N (ed25519 threads per node), --bls-workers N,
 * --store lmdb|memory.
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
