/**
 * Child process of lmdb-crash.test.ts: writes numbered batches to an LmdbKvStore forever and prints
 * "committed <n>" after each write resolved. The parent kills it with SIGKILL at a random moment.
 * Batch n puts BATCH_KEYS keys "b<n>/<j>" and "last" = n; it resumes after the last durable batch.
 */
import { LmdbKvStore } from "../../../src/store/index.js";

export const BATCH_KEYS = 400;

const path = process.argv[2];
if (path === undefined) throw new Error("usage: lmdb-writer.ts <path>");
const enc = new TextEncoder();
const store = await LmdbKvStore.open({ path });
const last = store.get(enc.encode("last"));
let n = last === undefined ? 0 : new DataView(last.buffer, last.byteOffset).getUint32(0) + 1;
const value = new Uint8Array(256);
for (;;) {
  const num = new Uint8Array(4);
  new DataView(num.buffer).setUint32(0, n);
  const put: [Uint8Array, Uint8Array][] = [[enc.encode("last"), num]];
  value.fill(n & 0xff);
  for (let j = 0; j < BATCH_KEYS; j++)
    put.push([enc.encode(`b${String(n).padStart(8, "0")}/${String(j).padStart(4, "0")}`), value]);
  await store.write({ put });
  process.stdout.write(`committed ${n}\n`);
  n++;
}
