/**
 * Counts the fsyncs behind each LmdbKvStore durability mode: 50 single writes, then exit.
 *   strace -f -c -e trace=fsync,fdatasync,msync node --conditions=@tandem/source --import tsx \
 *     bench/lmdb-fsync-probe.ts overlapping|sync-commit|noSync
 * Measured here: overlapping 50 fdatasync, sync-commit 50 fdatasync, noSync 0.
 */

import { makeTempDir } from "@tandem/test-utils";
import { open } from "lmdb";
import { LmdbKvStore } from "../src/store/index.js";

const mode = process.argv[2] as "overlapping" | "sync-commit" | "noSync";
const path = makeTempDir("probe");
const v = new Uint8Array(200);
const k = new TextEncoder().encode("c/signer");
if (mode === "noSync") {
  const db = open<Uint8Array, Uint8Array>({ path, encoding: "binary", keyEncoding: "binary", noSync: true });
  for (let i = 0; i < 50; i++) await db.transaction(() => db.putSync(k, v));
} else {
  const st = await LmdbKvStore.open({ path, durability: mode });
  for (let i = 0; i < 50; i++) await st.write({ put: [[k, v]] });
}
process.exit(0);
