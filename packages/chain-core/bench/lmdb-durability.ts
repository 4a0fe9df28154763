/**
 * Which LMDB settings give durable commits, and what they cost (reference/perf-limits.md §7 method):
 * batched puts (1000 × 300-byte values per atomic write) and single small writes (one ~200-byte
 * record, like a double-sign guard entry), for
 *   - overlapping  : lmdb-js default (overlappingSync) + await db.flushed   (durable; LmdbKvStore default)
 *   - sync-commit  : overlappingSync:false, commit fsyncs before resolving  (durable)
 *   - noSync       : no fsync at all (NOT durable; the ceiling, for comparison only)
 * Each figure is the median of 3 fresh databases. Run with `--strace-check` under strace to count
 * fsync/fdatasync/msync per write (see the report).
 */

import { makeTempDir, removeDir } from "@tandem/test-utils";
import { type Emit, median } from "@tandem/test-utils/bench";
import { open } from "lmdb";
import { LmdbKvStore } from "../src/store/index.js";

const BATCHES = 30;
const BATCH = 1000;
const SINGLES = 300;

function batchOf(n: number): [Uint8Array, Uint8Array][] {
  const v = new Uint8Array(300).fill(n & 0xff);
  const out: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < BATCH; i++)
    out.push([new TextEncoder().encode(`tx${String(n * BATCH + i).padStart(10, "0")}`), v]);
  return out;
}

async function viaStore(
  durability: "overlapping" | "sync-commit",
  kind: "batch" | "single",
): Promise<number> {
  const path = makeTempDir("bench-lmdb");
  const st = await LmdbKvStore.open({ path, durability });
  const t0 = performance.now();
  let ops = 0;
  if (kind === "batch") {
    for (let b = 0; b < BATCHES; b++) {
      await st.write({ put: batchOf(b) });
      ops += BATCH;
    }
  } else {
    const v = new Uint8Array(200);
    for (let i = 0; i < SINGLES; i++) {
      await st.write({ put: [[new TextEncoder().encode("c/signer"), v]] });
      ops++;
    }
  }
  const rate = ops / ((performance.now() - t0) / 1000);
  await st.close();
  removeDir(path);
  return rate;
}

async function noSync(kind: "batch" | "single"): Promise<number> {
  const path = makeTempDir("bench-lmdb");
  const db = open<Uint8Array, Uint8Array>({ path, encoding: "binary", keyEncoding: "binary", noSync: true });
  const t0 = performance.now();
  let ops = 0;
  if (kind === "batch") {
    for (let b = 0; b < BATCHES; b++) {
      const batch = batchOf(b);
      await db.transaction(() => {
        for (const [k, v] of batch) db.putSync(k, v);
      });
      ops += BATCH;
    }
  } else {
    const v = new Uint8Array(200);
    for (let i = 0; i < SINGLES; i++) {
      await db.transaction(() => db.putSync(new TextEncoder().encode("c/signer"), v));
      ops++;
    }
  }
  const rate = ops / ((performance.now() - t0) / 1000);
  await db.close();
  removeDir(path);
  return rate;
}

export async function run(emit: Emit): Promise<void> {
  for (const kind of ["batch", "single"] as const) {
    const unit = kind === "batch" ? "puts/s" : "writes/s";
    for (const mode of ["overlapping", "sync-commit", "noSync"] as const) {
      const rates: number[] = [];
      for (let i = 0; i < 3; i++)
        rates.push(mode === "noSync" ? await noSync(kind) : await viaStore(mode, kind));
      emit({
        bench: "lmdb-durability",
        name: `${kind === "batch" ? "batched puts (1000 per write)" : "single 200-byte write"} / ${mode}`,
        value: Math.round(median(rates)),
        unit,
        durable: mode !== "noSync",
      });
    }
  }
}
