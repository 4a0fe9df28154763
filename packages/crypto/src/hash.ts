import { createHash, hash as oneShotHash } from "node:crypto";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { assertBytes } from "./bytes.js";
import { sm3Portable } from "./sm3.js";

/** Hash functions the ledger may use; SM3 for deployments bound to the Chinese commercial algorithms. */
export type HashName = "sha256" | "sm3";

export type HashFn = (data: Uint8Array) => Uint8Array;

const hasOneShot = typeof oneShotHash === "function";

function nodeHash(algorithm: string, data: Uint8Array): Uint8Array {
  if (hasOneShot) {
    const out = oneShotHash(algorithm, data, "buffer") as Buffer;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
  const out = createHash(algorithm).update(data).digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** SHA-256 through node:crypto (SHA-NI where the CPU has it). Same bytes as `sha256Portable`. */
export function sha256(data: Uint8Array): Uint8Array {
  assertBytes(data, "sha256 input");
  return nodeHash("sha256", data);
}

/** SHA-256 in pure JavaScript (@noble/hashes), for runtimes without node:crypto. */
export function sha256Portable(data: Uint8Array): Uint8Array {
  assertBytes(data, "sha256 input");
  return nobleSha256(data);
}

/** SM3 (GM/T 0004-2012) through node:crypto's OpenSSL. */
export function sm3(data: Uint8Array): Uint8Array {
  assertBytes(data, "sm3 input");
  return nodeHash("sm3", data);
}

function sm3PortableChecked(data: Uint8Array): Uint8Array {
  assertBytes(data, "sm3 input");
  return sm3Portable(data);
}

/** The hash function for a hash-suite name. */
export function hashFn(name: HashName): HashFn {
  switch (name) {
    case "sha256":
      return sha256;
    case "sm3":
      return sm3;
    default:
      throw new RangeError(`unknown hash suite: ${String(name)}`);
  }
}

/** The pure-JavaScript hash function for a hash-suite name (same bytes as `hashFn`). */
export function hashFnPortable(name: HashName): HashFn {
  switch (name) {
    case "sha256":
      return sha256Portable;
    case "sm3":
      return sm3PortableChecked;
    default:
      throw new RangeError(`unknown hash suite: ${String(name)}`);
  }
}
