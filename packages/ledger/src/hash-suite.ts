/**
 * Hash suite: a chain parameter. SHA-256 by default, SM3 for deployments bound to the Chinese commercial
 * algorithms. Every ledger function that hashes takes a {@link HashFn} (default SHA-256), so nothing
 * below the chain node decides the suite.
 */
import { type HashFn, type HashName, hashFn } from "@tandem/crypto";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { sha256Short } from "./sha256-short.js";

export type { HashFn, HashName };

/** Every hash the ledger uses is 32 bytes (SHA-256 and SM3 both). */
export const HASH_LENGTH = 32;

/** The default hash: SHA-256 (short inputs in JavaScript, longer ones through node:crypto). */
export const defaultHash: HashFn = sha256Short;

/** The hash function of a suite name; PARAMS_INVALID for an unknown name. */
export function hashSuite(name: HashName): HashFn {
  if (name !== "sha256" && name !== "sm3") {
    throw new LedgerError(LedgerErrorCode.PARAMS_INVALID, `unknown hash suite ${String(name)}`, {
      suite: String(name),
    });
  }
  return name === "sha256" ? sha256Short : hashFn(name);
}

/** Per-chain parameters that fix how ledger bytes are hashed. */
export interface ChainParams {
  /** CAIP-2 chain id, e.g. `tandem:acme`. */
  chainId: string;
  /** Hash suite name (default "sha256"). */
  hashSuite?: HashName;
}

/** The hash function of a chain's parameters. */
export function chainHash(params: Pick<ChainParams, "hashSuite">): HashFn {
  return hashSuite(params.hashSuite ?? "sha256");
}

/** 32 zero bytes: the empty sparse-Merkle subtree, and never a valid root. Shared: never mutate it. */
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);

/** True when all 32 bytes are zero. */
export function isZeroHash(h: Uint8Array): boolean {
  if (h.length !== HASH_LENGTH) return false;
  for (let i = 0; i < HASH_LENGTH; i++) if (h[i] !== 0) return false;
  return true;
}

/** Equality of two byte strings (public data; not constant-time). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** ASCII bytes of a constant tag. */
export function asciiTag(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
