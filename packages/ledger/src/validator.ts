/**
 * Validators and validator sets.
 *
 * A validator is (address 20 B, BLS12-381 public key 48 B compressed G1, voting power u64 > 0).
 * A set is canonical when sorted by address ascending with no duplicate address or public key,
 * 1…MAX_VALIDATORS members, and a total power ≤ MAX_TOTAL_POWER. A validator's index in the set is
 * its bit in commit signer bitmaps.
 *
 * Encoding: validator = address ‖ publicKey ‖ u64 power; set = LEB128 count ‖ validators (in order).
 * Set hash = RFC 6962 Merkle root over the validators' encodings, so one validator's membership can be
 * proven by an inclusion proof.
 */
import { ADDRESS_LENGTH } from "./caip.js";
import { decodeExact, type Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { defaultHash, type HashFn } from "./hash-suite.js";
import { type MerkleProof, MerkleTree, merkleRoot } from "./merkle.js";

/** BLS12-381 public key length (compressed G1). */
export const BLS_PUBLIC_KEY_LENGTH = 48;
/** BLS12-381 signature length (compressed G2). */
export const BLS_SIGNATURE_LENGTH = 96;
/** Largest validator set (the signer bitmap is then at most 1250 bytes). */
export const MAX_VALIDATORS = 10_000;
/**
 * Largest total voting power: (2^63 − 1) / 8, as in CometBFT, so the chain node's proposer-priority
 * arithmetic never overflows a signed 64-bit range. Each power is a u64 on the wire.
 */
export const MAX_TOTAL_POWER = ((1n << 63n) - 1n) / 8n;

/** One validator. */
export interface Validator {
  address: Uint8Array;
  publicKey: Uint8Array;
  power: bigint;
}

/** A canonical validator set (build it with {@link createValidatorSet} or {@link decodeValidatorSet}). */
export interface ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalPower: bigint;
}

const VALIDATOR_BYTES = ADDRESS_LENGTH + BLS_PUBLIC_KEY_LENGTH + 8;

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function keyOf(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function invalid(reason: string, meta: Record<string, unknown> = {}): LedgerError {
  return new LedgerError(LedgerErrorCode.VALIDATOR_SET_INVALID, `validator set: ${reason}`, meta);
}

/**
 * Sorts and checks validators into a canonical set: non-empty, ≤ MAX_VALIDATORS, 20-byte addresses and
 * 48-byte keys, distinct addresses and keys, power ≥ 1, total ≤ MAX_TOTAL_POWER. VALIDATOR_SET_INVALID
 * otherwise. (Proofs of possession of the BLS keys are checked by whoever admits a validator.)
 */
export function createValidatorSet(validators: readonly Validator[]): ValidatorSet {
  if (!Array.isArray(validators)) throw invalid("expected an array");
  if (validators.length === 0) throw invalid("empty");
  if (validators.length > MAX_VALIDATORS) throw invalid(`more than ${MAX_VALIDATORS} validators`);
  const copies: Validator[] = validators.map((v, i) => {
    if (typeof v !== "object" || v === null) throw invalid("validator must be an object", { index: i });
    if (!(v.address instanceof Uint8Array) || v.address.length !== ADDRESS_LENGTH) {
      throw invalid("address must be 20 bytes", { index: i });
    }
    if (!(v.publicKey instanceof Uint8Array) || v.publicKey.length !== BLS_PUBLIC_KEY_LENGTH) {
      throw invalid("publicKey must be 48 bytes", { index: i });
    }
    if (typeof v.power !== "bigint" || v.power <= 0n || v.power > MAX_TOTAL_POWER) {
      throw invalid("power must be 1..MAX_TOTAL_POWER", { index: i });
    }
    return { address: v.address.slice(), publicKey: v.publicKey.slice(), power: v.power };
  });
  copies.sort((a, b) => compare(a.address, b.address));
  return checkSorted(copies, (reason, index) => invalid(reason, { index }));
}

function checkSorted(
  validators: Validator[],
  fail: (reason: string, index: number) => LedgerError,
): ValidatorSet {
  let total = 0n;
  const keys = new Set<string>();
  for (let i = 0; i < validators.length; i++) {
    const v = validators[i] as Validator;
    if (i > 0 && compare((validators[i - 1] as Validator).address, v.address) >= 0) {
      throw fail("addresses must be strictly ascending (no duplicates)", i);
    }
    const k = keyOf(v.publicKey);
    if (keys.has(k)) throw fail("duplicate public key", i);
    keys.add(k);
    total += v.power;
    if (total > MAX_TOTAL_POWER) throw fail("total power exceeds MAX_TOTAL_POWER", i);
  }
  return Object.freeze({ validators: Object.freeze(validators), totalPower: total });
}

/** Writes one validator. */
export function writeValidator(w: Writer, v: Validator): void {
  w.fixed(v.address, ADDRESS_LENGTH, "address");
  w.fixed(v.publicKey, BLS_PUBLIC_KEY_LENGTH, "publicKey");
  if (typeof v.power !== "bigint" || v.power <= 0n) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "validator power must be > 0");
  }
  w.u64Big(v.power);
}

/** Reads one validator (power must be > 0). */
export function readValidator(r: Reader): Validator {
  const address = r.fixed(ADDRESS_LENGTH, "address");
  const publicKey = r.fixed(BLS_PUBLIC_KEY_LENGTH, "publicKey");
  const at = r.offset;
  const power = r.u64Big("power");
  if (power === 0n) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "validator power must be > 0", {
      offset: at,
      field: "power",
    });
  }
  return { address, publicKey, power };
}

/** Canonical bytes of one validator (the leaf of the set hash). */
export function encodeValidator(v: Validator): Uint8Array {
  const w = new Writer(VALIDATOR_BYTES);
  writeValidator(w, v);
  return w.finish();
}

/** Writes a validator set (it must be canonical). */
export function writeValidatorSet(w: Writer, set: ValidatorSet): void {
  const vs = set.validators;
  if (vs.length === 0 || vs.length > MAX_VALIDATORS) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "validator set size out of range");
  }
  checkSorted(
    [...vs],
    (reason, index) => new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, reason, { index }),
  );
  w.varint(vs.length);
  for (const v of vs) writeValidator(w, v);
}

/** Reads a validator set, rejecting any non-canonical one. */
export function readValidatorSet(r: Reader): ValidatorSet {
  const at = r.offset;
  const validators = r.array(MAX_VALIDATORS, VALIDATOR_BYTES, (rr) => readValidator(rr), "validators");
  if (validators.length === 0) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "validator set is empty", { offset: at });
  }
  return checkSorted(
    validators,
    (reason, index) =>
      new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, `validator set: ${reason}`, {
        offset: at,
        index,
      }),
  );
}

/** Canonical bytes of a validator set. */
export function encodeValidatorSet(set: ValidatorSet): Uint8Array {
  const w = new Writer(5 + set.validators.length * VALIDATOR_BYTES);
  writeValidatorSet(w, set);
  return w.finish();
}

/** Decodes a canonical validator set. */
export function decodeValidatorSet(bytes: Uint8Array): ValidatorSet {
  return decodeExact(bytes, readValidatorSet, "ValidatorSet");
}

/** The set hash: RFC 6962 root over the validators' encodings, in set order. */
export function validatorSetHash(set: ValidatorSet, hash: HashFn = defaultHash): Uint8Array {
  return merkleRoot(set.validators.map(encodeValidator), hash);
}

/** An inclusion proof of the validator at `index` against {@link validatorSetHash}. */
export function validatorProof(set: ValidatorSet, index: number, hash: HashFn = defaultHash): MerkleProof {
  return MerkleTree.from(set.validators.map(encodeValidator), hash).prove(index);
}

/** Index of the validator with `address`, or -1. */
export function validatorIndex(set: ValidatorSet, address: Uint8Array): number {
  let lo = 0;
  let hi = set.validators.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    const c = compare((set.validators[m] as Validator).address, address);
    if (c === 0) return m;
    if (c < 0) lo = m + 1;
    else hi = m;
  }
  return -1;
}
