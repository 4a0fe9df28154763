/**
 * Key layout of chain-core's consensus records in the node's {@link KvStore}. Everything consensus
 * writes lives under the prefix "c/"; the app (block store, state) must use other prefixes.
 *
 *   c/signer                         → the double-sign guard's last signed (h, r, step, hash, bytes)
 *   c/wal/<u64 height><u32 seq>      → consensus WAL record: u32 CRC-32 ‖ encoded event
 */
import { utf8ToBytes } from "@tandem/crypto";

export const SIGNER_STATE_KEY = utf8ToBytes("c/signer");
export const WAL_PREFIX = utf8ToBytes("c/wal/");

export function walKey(height: number, seq: number): Uint8Array {
  const k = new Uint8Array(WAL_PREFIX.length + 12);
  k.set(WAL_PREFIX);
  const dv = new DataView(k.buffer);
  dv.setBigUint64(WAL_PREFIX.length, BigInt(height));
  dv.setUint32(WAL_PREFIX.length + 8, seq);
  return k;
}

export function walHeightPrefix(height: number): Uint8Array {
  return walKey(height, 0).subarray(0, WAL_PREFIX.length + 8);
}

export function parseWalKey(key: Uint8Array): { height: number; seq: number } | undefined {
  if (key.length !== WAL_PREFIX.length + 12) return undefined;
  for (let i = 0; i < WAL_PREFIX.length; i++) if (key[i] !== WAL_PREFIX[i]) return undefined;
  const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return {
    height: Number(dv.getBigUint64(WAL_PREFIX.length)),
    seq: dv.getUint32(WAL_PREFIX.length + 8),
  };
}
