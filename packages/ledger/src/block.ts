/**
 * Block headers, votes, commits and blocks, with the checks a light client makes.
 *
 * Header encoding: string chainId ‖ u64 height (≥ 1) ‖ u64 time (ms since the Unix epoch)
 *   ‖ previousHash ‖ lastCommitHash ‖ txRoot ‖ resultsRoot ‖ stateRoot ‖ validatorsHash
 *   ‖ nextValidatorsHash (32 B each) ‖ proposer (20 B address).
 *   Header hash = H(canonical header).
 *
 * Two fields beyond the list, because a light client needs them:
 * - `lastCommitHash` = H(canonical last commit), 32 zero bytes at height 1. It binds the block's
 *   `lastCommit` to the header hash; without it a peer could serve the same header with another valid
 *   commit (a different signer subset), and signer-based accounting (rewards, liveness, evidence) would
 *   depend on which copy a node saw.
 * - `resultsRoot` = RFC 6962 root over the canonical {@link TxResult} of each tx, in block order. The tx
 *   root proves that a tx was included, not that it succeeded; a thin client proves the outcome of its tx
 *   (and the relay the outcome of a packet tx) with an inclusion proof against this root.
 * `stateRoot` is the sparse-Merkle root after executing this block's txs (the "app hash").
 *
 * Vote sign bytes = H("tandem/vote/v1" ‖ string chainId ‖ u64 height ‖ u32 round ‖ u8 type ‖ blockHash),
 *   type 1 = prevote, 2 = precommit, and 32 zero bytes as the block hash of a nil vote.
 * Vote encoding: u8 type ‖ u64 height ‖ u32 round ‖ optional blockHash ‖ u16 validatorIndex ‖ 96 B signature.
 * Commit encoding: u64 height ‖ u32 round ‖ blockHash ‖ bytes signers ‖ 96 B BLS aggregate signature.
 *   `signers` is a bitmap over the validator set (validator i ↔ byte i>>3, bit 1 << (i & 7)); for a set of
 *   n validators it is exactly ⌈n/8⌉ bytes with the unused high bits zero (checked against the set).
 * Block encoding: header ‖ LEB128 count ‖ txs as bytes ‖ optional lastCommit (tag 0/1).
 */
import { type BlsPublicKeyInput, bls as cryptoBls } from "@tandem/crypto";
import { ADDRESS_LENGTH, isChainId, MAX_CHAIN_ID_LENGTH } from "./caip.js";
import { decodeExact, type Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import {
  asciiTag,
  bytesEqual,
  defaultHash,
  HASH_LENGTH,
  type HashFn,
  isZeroHash,
  ZERO_HASH,
} from "./hash-suite.js";
import { merkleRoot, merkleRootFromLeafHashes } from "./merkle.js";
import { MAX_TX_BYTES } from "./tx.js";
import { BLS_SIGNATURE_LENGTH, MAX_VALIDATORS, type Validator, type ValidatorSet } from "./validator.js";

/** Most transactions in one block. */
export const MAX_BLOCK_TXS = 100_000;
/** Largest encoded block. */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;
/** Signer bitmap length for the largest validator set. */
export const MAX_SIGNER_BITMAP_BYTES = Math.ceil(MAX_VALIDATORS / 8);
/** Largest round number (u32). */
export const MAX_ROUND = 0xffff_ffff;

/** A block header. */
export interface BlockHeader {
  chainId: string;
  height: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
  /** Hash of the previous header; 32 zero bytes at height 1. */
  previousHash: Uint8Array;
  /** H(canonical last commit); 32 zero bytes at height 1. */
  lastCommitHash: Uint8Array;
  /** RFC 6962 root over the block's canonical tx encodings. */
  txRoot: Uint8Array;
  /** RFC 6962 root over the block's canonical tx results. */
  resultsRoot: Uint8Array;
  /** Sparse-Merkle state root after this block. */
  stateRoot: Uint8Array;
  /** Hash of the validator set that signs this block's commit. */
  validatorsHash: Uint8Array;
  /** Hash of the validator set for the next height. */
  nextValidatorsHash: Uint8Array;
  /** Address of the proposing validator. */
  proposer: Uint8Array;
}

/** BLS aggregate of the precommits for one block. */
export interface Commit {
  height: number;
  round: number;
  blockHash: Uint8Array;
  /** Bitmap over the validator set of who signed. */
  signers: Uint8Array;
  /** BLS12-381 aggregate signature (96 bytes). */
  signature: Uint8Array;
}

/** A block: header, canonical tx encodings, and the commit of the previous block (null at height 1). */
export interface Block {
  header: BlockHeader;
  txs: Uint8Array[];
  lastCommit: Commit | null;
}

/** Vote types (the chain node's consensus steps). */
export type VoteType = "prevote" | "precommit";

/** Wire byte of each vote type. */
export const VOTE_TYPE_CODE: Readonly<Record<VoteType, number>> = Object.freeze({ prevote: 1, precommit: 2 });

function voteTypeCode(type: unknown): number {
  if (type === "prevote") return 1;
  if (type === "precommit") return 2;
  throw encodeInvalid("vote type must be prevote or precommit", { type: String(type) });
}

/** What a validator signs in one vote. */
export interface VoteData {
  type: VoteType;
  height: number;
  round: number;
  /** The block voted for, or null for a nil vote. */
  blockHash: Uint8Array | null;
}

/** A signed vote as gossiped between validators. */
export interface Vote extends VoteData {
  /** Index of the voter in the validator set of `height`. */
  validatorIndex: number;
  /** BLS signature over {@link voteSignBytes}. */
  signature: Uint8Array;
}

/** Outcome of one transaction, committed in the header's results root. */
export interface TxResult {
  /** "OK", or a stable error code such as "TX_BAD_NONCE". */
  code: string;
  /** Kind-specific output (≤ 4096 bytes). */
  data: Uint8Array;
}

/** Result code of a successful transaction. */
export const TX_RESULT_OK = "OK";
/** Longest tx result data. */
export const MAX_TX_RESULT_DATA = 4096;

const RESULT_CODE_RE = /^[A-Z][A-Z0-9_]{0,63}$/;
const VOTE_TAG = asciiTag("tandem/vote/v1");

function encodeInvalid(message: string, meta?: Record<string, unknown>): LedgerError {
  return new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, message, meta);
}

function readHeight(r: Reader, field: string): number {
  const at = r.offset;
  const h = r.u64(field);
  if (h < 1)
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, `${field} must be ≥ 1`, { offset: at, field });
  return h;
}

function writeHeight(w: Writer, h: number, field: string): void {
  if (!Number.isSafeInteger(h) || h < 1)
    throw encodeInvalid(`${field} must be a safe integer ≥ 1`, { field });
  w.u64(h);
}

// ---------------------------------------------------------------------------------------------- header

/** Writes a header. */
export function writeHeader(w: Writer, h: BlockHeader): void {
  if (typeof h !== "object" || h === null) throw encodeInvalid("header must be an object");
  if (!isChainId(h.chainId)) throw encodeInvalid("header.chainId is not a CAIP-2 chain id");
  w.string(h.chainId, MAX_CHAIN_ID_LENGTH, "chainId");
  writeHeight(w, h.height, "height");
  w.u64(h.time);
  w.fixed(h.previousHash, HASH_LENGTH, "previousHash");
  w.fixed(h.lastCommitHash, HASH_LENGTH, "lastCommitHash");
  w.fixed(h.txRoot, HASH_LENGTH, "txRoot");
  w.fixed(h.resultsRoot, HASH_LENGTH, "resultsRoot");
  w.fixed(h.stateRoot, HASH_LENGTH, "stateRoot");
  w.fixed(h.validatorsHash, HASH_LENGTH, "validatorsHash");
  w.fixed(h.nextValidatorsHash, HASH_LENGTH, "nextValidatorsHash");
  w.fixed(h.proposer, ADDRESS_LENGTH, "proposer");
}

/** Reads a header. */
export function readHeader(r: Reader): BlockHeader {
  const at = r.offset;
  const chainId = r.string(MAX_CHAIN_ID_LENGTH, "chainId", true);
  if (!isChainId(chainId)) {
    throw new LedgerError(LedgerErrorCode.DECODE_INVALID_VALUE, "chainId is not a CAIP-2 chain id", {
      offset: at,
      field: "chainId",
    });
  }
  const height = readHeight(r, "height");
  const time = r.u64("time");
  return {
    chainId,
    height,
    time,
    previousHash: r.fixed(HASH_LENGTH, "previousHash"),
    lastCommitHash: r.fixed(HASH_LENGTH, "lastCommitHash"),
    txRoot: r.fixed(HASH_LENGTH, "txRoot"),
    resultsRoot: r.fixed(HASH_LENGTH, "resultsRoot"),
    stateRoot: r.fixed(HASH_LENGTH, "stateRoot"),
    validatorsHash: r.fixed(HASH_LENGTH, "validatorsHash"),
    nextValidatorsHash: r.fixed(HASH_LENGTH, "nextValidatorsHash"),
    proposer: r.fixed(ADDRESS_LENGTH, "proposer"),
  };
}

/** Canonical bytes of a header. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  const w = new Writer(320);
  writeHeader(w, h);
  return w.finish();
}

/** Decodes a canonical header. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  return decodeExact(bytes, readHeader, "BlockHeader");
}

/** H(canonical header): the block hash. */
export function headerHash(h: BlockHeader, hash: HashFn = defaultHash): Uint8Array {
  return hash(encodeHeader(h));
}

// ---------------------------------------------------------------------------------------------- votes

function writeVoteData(w: Writer, v: VoteData): void {
  const type = voteTypeCode(v.type);
  writeHeight(w, v.height, "height");
  w.u32(v.round);
  w.u8(type);
  if (v.blockHash === null) w.raw(ZERO_HASH);
  else {
    if (v.blockHash instanceof Uint8Array && isZeroHash(v.blockHash)) {
      throw encodeInvalid("a nil vote has blockHash null, not zero bytes");
    }
    w.fixed(v.blockHash, HASH_LENGTH, "blockHash");
  }
}

/**
 * H("tandem/vote/v1" ‖ chainId ‖ height ‖ round ‖ type ‖ blockHash): what a validator BLS-signs.
 * A commit's aggregate signature is over the precommit sign bytes of its block.
 */
export function voteSignBytes(chainId: string, vote: VoteData, hash: HashFn = defaultHash): Uint8Array {
  if (!isChainId(chainId)) throw encodeInvalid("chainId is not a CAIP-2 chain id");
  const w = new Writer(128);
  w.raw(VOTE_TAG);
  w.string(chainId, MAX_CHAIN_ID_LENGTH, "chainId");
  writeVoteData(w, vote);
  return hash(w.view());
}

/** Writes a signed vote. */
export function writeVote(w: Writer, v: Vote): void {
  w.u8(voteTypeCode(v.type));
  writeHeight(w, v.height, "height");
  w.u32(v.round);
  w.optionalTag(v.blockHash !== null);
  if (v.blockHash !== null) w.fixed(v.blockHash, HASH_LENGTH, "blockHash");
  if (!Number.isInteger(v.validatorIndex) || v.validatorIndex < 0 || v.validatorIndex >= MAX_VALIDATORS) {
    throw encodeInvalid("validatorIndex out of range");
  }
  w.u16(v.validatorIndex);
  w.fixed(v.signature, BLS_SIGNATURE_LENGTH, "signature");
}

/** Reads a signed vote. */
export function readVote(r: Reader): Vote {
  const typeAt = r.offset;
  const type = r.u8("type");
  if (type !== 1 && type !== 2) {
    throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, "unknown vote type", { offset: typeAt, type });
  }
  const height = readHeight(r, "height");
  const round = r.u32("round");
  const hashAt = r.offset;
  const blockHash = r.optionalTag("blockHash") ? r.fixed(HASH_LENGTH, "blockHash") : null;
  if (blockHash !== null && isZeroHash(blockHash)) {
    throw new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, "nil vote must be encoded as absent", {
      offset: hashAt,
    });
  }
  const idxAt = r.offset;
  const validatorIndex = r.u16("validatorIndex");
  if (validatorIndex >= MAX_VALIDATORS) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "validatorIndex out of range", {
      offset: idxAt,
    });
  }
  const signature = r.fixed(BLS_SIGNATURE_LENGTH, "signature");
  return { type: type === 1 ? "prevote" : "precommit", height, round, blockHash, validatorIndex, signature };
}

/** Canonical bytes of a signed vote. */
export function encodeVote(v: Vote): Uint8Array {
  const w = new Writer(160);
  writeVote(w, v);
  return w.finish();
}

/** Decodes a canonical signed vote. */
export function decodeVote(bytes: Uint8Array): Vote {
  return decodeExact(bytes, readVote, "Vote");
}

// ---------------------------------------------------------------------------------------------- commits

/** Writes a commit. */
export function writeCommit(w: Writer, c: Commit): void {
  if (typeof c !== "object" || c === null) throw encodeInvalid("commit must be an object");
  writeHeight(w, c.height, "height");
  w.u32(c.round);
  w.fixed(c.blockHash, HASH_LENGTH, "blockHash");
  w.bytes(c.signers, MAX_SIGNER_BITMAP_BYTES, "signers", 1);
  w.fixed(c.signature, BLS_SIGNATURE_LENGTH, "signature");
}

/** Reads a commit (the bitmap's length against the set is checked by {@link verifyCommit}). */
export function readCommit(r: Reader): Commit {
  const height = readHeight(r, "height");
  const round = r.u32("round");
  const blockHash = r.fixed(HASH_LENGTH, "blockHash");
  const signers = r.bytes(MAX_SIGNER_BITMAP_BYTES, "signers", 1);
  const signature = r.fixed(BLS_SIGNATURE_LENGTH, "signature");
  return { height, round, blockHash, signers, signature };
}

/** Canonical bytes of a commit. */
export function encodeCommit(c: Commit): Uint8Array {
  const w = new Writer(256);
  writeCommit(w, c);
  return w.finish();
}

/**
 * Decodes a canonical commit. With `validatorCount`, the signer bitmap must also be canonical for a set
 * of that size (DECODE_NON_CANONICAL otherwise).
 */
export function decodeCommit(bytes: Uint8Array, opts: { validatorCount?: number } = {}): Commit {
  const c = decodeExact(bytes, readCommit, "Commit");
  if (opts.validatorCount !== undefined && !isCanonicalBitmap(c.signers, opts.validatorCount)) {
    throw new LedgerError(
      LedgerErrorCode.DECODE_NON_CANONICAL,
      "signer bitmap does not fit the validator set",
      {
        validatorCount: opts.validatorCount,
        bitmapLength: c.signers.length,
      },
    );
  }
  return c;
}

/** H(canonical commit). */
export function commitHash(c: Commit, hash: HashFn = defaultHash): Uint8Array {
  return hash(encodeCommit(c));
}

/** The precommit sign bytes every signer of `commit` signed. */
export function commitSignBytes(chainId: string, c: Commit, hash: HashFn = defaultHash): Uint8Array {
  return voteSignBytes(
    chainId,
    { type: "precommit", height: c.height, round: c.round, blockHash: c.blockHash },
    hash,
  );
}

/** True when `bitmap` is ⌈n/8⌉ bytes with the bits past n zero. */
export function isCanonicalBitmap(bitmap: Uint8Array, n: number): boolean {
  if (!Number.isInteger(n) || n < 1 || bitmap.length !== Math.ceil(n / 8)) return false;
  const used = n % 8;
  return used === 0 || (bitmap[bitmap.length - 1] as number) >> used === 0;
}

/** A signer bitmap for a set of `n` validators from signer indices. */
export function signerBitmap(n: number, indices: Iterable<number>): Uint8Array {
  if (!Number.isInteger(n) || n < 1 || n > MAX_VALIDATORS) throw encodeInvalid("bitmap size out of range");
  const out = new Uint8Array(Math.ceil(n / 8));
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= n)
      throw encodeInvalid("signer index out of range", { index: i });
    out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  }
  return out;
}

/** Indices of the set bits of a bitmap. */
export function bitmapIndices(bitmap: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bitmap.length * 8; i++) if (((bitmap[i >> 3] as number) >> (i & 7)) & 1) out.push(i);
  return out;
}

/** The validators whose bits are set in `commit.signers` (the bitmap must be canonical for the set). */
export function commitSigners(c: Commit, set: ValidatorSet): Validator[] {
  if (!isCanonicalBitmap(c.signers, set.validators.length)) {
    throw new LedgerError(LedgerErrorCode.COMMIT_INVALID, "signer bitmap does not fit the validator set", {
      validatorCount: set.validators.length,
      bitmapLength: c.signers.length,
    });
  }
  return bitmapIndices(c.signers).map((i) => set.validators[i] as Validator);
}

/** The subset of {@link cryptoBls} a commit check needs (inject another implementation if needed). */
export interface BlsVerifier {
  fastAggregateVerify(signature: Uint8Array, message: Uint8Array, publicKeys: readonly Uint8Array[]): boolean;
}

const preparedCache = new WeakMap<ValidatorSet, BlsPublicKeyInput[]>();

/** The set's keys as decoded BLS handles (an undecodable key stays raw bytes, and then never verifies). */
function preparedKeys(set: ValidatorSet): BlsPublicKeyInput[] {
  let keys = preparedCache.get(set);
  if (keys === undefined) {
    keys = set.validators.map((v) => {
      try {
        return cryptoBls.preparePublicKey(v.publicKey);
      } catch (e) {
        // An invalid key (RangeError) stays raw bytes; "BLS not initialised" and the like propagate.
        if (e instanceof RangeError) return v.publicKey;
        throw e;
      }
    });
    preparedCache.set(set, keys);
  }
  return keys;
}

/** Options of {@link verifyCommit}. */
export interface VerifyCommitOptions {
  /** The chain the commit belongs to (its id is inside the signed bytes). */
  chainId: string;
  /** Hash suite of that chain (default SHA-256). */
  hash?: HashFn;
  /** Expected block hash (e.g. headerHash of the header being followed). */
  blockHash?: Uint8Array;
  /** Expected height. */
  height?: number;
  /** Required signed fraction, strictly more than numerator/denominator of the total power (default 2/3). */
  threshold?: { numerator: bigint; denominator: bigint };
  /** BLS implementation (default: @tandem/crypto's `bls`, which needs `await initBls()` first). */
  bls?: BlsVerifier;
}

/** Result of {@link checkCommit}. */
export type CommitCheck =
  | { ok: true; signedPower: bigint }
  | { ok: false; reason: string; signedPower?: bigint };

/**
 * Checks a commit against the validator set that signed it: canonical bitmap, expected height and block
 * hash, signed power strictly above the threshold (default 2/3 of the total), and the BLS aggregate
 * signature over the precommit sign bytes (one pairing check). Keys must have passed proof-of-possession
 * when the validators were admitted.
 */
export function checkCommit(c: Commit, set: ValidatorSet, opts: VerifyCommitOptions): CommitCheck {
  if (typeof c !== "object" || c === null) return { ok: false, reason: "commit must be an object" };
  if (!(c.signers instanceof Uint8Array) || !(c.signature instanceof Uint8Array))
    return { ok: false, reason: "bad fields" };
  if (c.signature.length !== BLS_SIGNATURE_LENGTH) return { ok: false, reason: "signature must be 96 bytes" };
  if (!(c.blockHash instanceof Uint8Array) || c.blockHash.length !== HASH_LENGTH || isZeroHash(c.blockHash)) {
    return { ok: false, reason: "bad block hash" };
  }
  if (opts.height !== undefined && c.height !== opts.height) return { ok: false, reason: "height mismatch" };
  if (opts.blockHash !== undefined && !bytesEqual(c.blockHash, opts.blockHash)) {
    return { ok: false, reason: "block hash mismatch" };
  }
  const n = set.validators.length;
  if (!isCanonicalBitmap(c.signers, n))
    return { ok: false, reason: "signer bitmap does not fit the validator set" };
  const verifier = opts.bls ?? cryptoBls;
  // With the default BLS, keys decoded once per validator set (light clients check many commits per set).
  const prepared = verifier === cryptoBls ? preparedKeys(set) : undefined;
  const keys: BlsPublicKeyInput[] = [];
  let signed = 0n;
  for (let i = 0; i < n; i++) {
    if (((c.signers[i >> 3] as number) >> (i & 7)) & 1) {
      const v = set.validators[i] as Validator;
      keys.push(prepared === undefined ? v.publicKey : (prepared[i] as BlsPublicKeyInput));
      signed += v.power;
    }
  }
  if (keys.length === 0) return { ok: false, reason: "no signers", signedPower: 0n };
  const { numerator, denominator } = opts.threshold ?? { numerator: 2n, denominator: 3n };
  if (denominator <= 0n || numerator < 0n || numerator > denominator)
    return { ok: false, reason: "bad threshold" };
  if (signed * denominator <= set.totalPower * numerator) {
    return { ok: false, reason: "not enough voting power", signedPower: signed };
  }
  const msg = commitSignBytes(opts.chainId, c, opts.hash ?? defaultHash);
  const ok =
    prepared === undefined
      ? verifier.fastAggregateVerify(c.signature, msg, keys as Uint8Array[])
      : cryptoBls.fastAggregateVerify(c.signature, msg, keys);
  if (!ok) {
    return { ok: false, reason: "aggregate signature does not verify", signedPower: signed };
  }
  return { ok: true, signedPower: signed };
}

/** True when {@link checkCommit} passes. */
export function verifyCommit(c: Commit, set: ValidatorSet, opts: VerifyCommitOptions): boolean {
  return checkCommit(c, set, opts).ok;
}

/** Throws COMMIT_INVALID (with the reason) unless {@link checkCommit} passes; returns the signed power. */
export function assertCommit(c: Commit, set: ValidatorSet, opts: VerifyCommitOptions): bigint {
  const r = checkCommit(c, set, opts);
  if (!r.ok) {
    throw new LedgerError(LedgerErrorCode.COMMIT_INVALID, `commit rejected: ${r.reason}`, {
      reason: r.reason,
      height: typeof c?.height === "number" ? c.height : undefined,
      ...(r.signedPower === undefined ? {} : { signedPower: r.signedPower.toString() }),
      totalPower: set.totalPower.toString(),
    });
  }
  return r.signedPower;
}

// ---------------------------------------------------------------------------------------------- results

/** Writes a tx result. */
export function writeTxResult(w: Writer, res: TxResult): void {
  if (typeof res?.code !== "string" || !RESULT_CODE_RE.test(res.code)) throw encodeInvalid("bad result code");
  w.string(res.code, 64, "code");
  w.bytes(res.data, MAX_TX_RESULT_DATA, "data");
}

/** Reads a tx result. */
export function readTxResult(r: Reader): TxResult {
  const at = r.offset;
  const code = r.string(64, "code");
  if (!RESULT_CODE_RE.test(code)) {
    throw new LedgerError(LedgerErrorCode.DECODE_INVALID_VALUE, "bad result code", {
      offset: at,
      field: "code",
    });
  }
  return { code, data: r.bytes(MAX_TX_RESULT_DATA, "data") };
}

/** Canonical bytes of a tx result. */
export function encodeTxResult(res: TxResult): Uint8Array {
  const w = new Writer(80 + (res?.data?.length ?? 0));
  writeTxResult(w, res);
  return w.finish();
}

/** Decodes a canonical tx result. */
export function decodeTxResult(bytes: Uint8Array): TxResult {
  return decodeExact(bytes, readTxResult, "TxResult");
}

/** The header's results root over `results`. */
export function resultsRoot(results: readonly TxResult[], hash: HashFn = defaultHash): Uint8Array {
  return merkleRoot(results.map(encodeTxResult), hash);
}

// ---------------------------------------------------------------------------------------------- blocks

/** The header's tx root over canonical tx encodings. */
export function txRoot(txs: readonly Uint8Array[], hash: HashFn = defaultHash): Uint8Array {
  return merkleRoot(txs, hash);
}

/** The tx root from the block's tx hashes (which are the tree's leaf hashes), hashing inner nodes only. */
export function txRootFromHashes(txHashes: readonly Uint8Array[], hash: HashFn = defaultHash): Uint8Array {
  return merkleRootFromLeafHashes(txHashes, hash);
}

/** Writes a block. */
export function writeBlock(w: Writer, b: Block): void {
  if (typeof b !== "object" || b === null) throw encodeInvalid("block must be an object");
  writeHeader(w, b.header);
  if (!Array.isArray(b.txs) || b.txs.length > MAX_BLOCK_TXS) throw encodeInvalid("block.txs out of range");
  w.varint(b.txs.length);
  for (const tx of b.txs) w.bytes(tx, MAX_TX_BYTES, "tx", 1);
  w.optionalTag(b.lastCommit !== null);
  if (b.lastCommit !== null) writeCommit(w, b.lastCommit);
}

/** Reads a block. */
export function readBlock(r: Reader): Block {
  const header = readHeader(r);
  const txs = r.array(MAX_BLOCK_TXS, 2, (rr) => rr.bytes(MAX_TX_BYTES, "tx", 1), "txs");
  const lastCommit = r.optionalTag("lastCommit") ? readCommit(r) : null;
  return { header, txs, lastCommit };
}

/** Canonical bytes of a block. */
export function encodeBlock(b: Block): Uint8Array {
  const w = new Writer(1024);
  writeBlock(w, b);
  return w.finish();
}

/** Decodes a canonical block (txs stay canonical tx bytes; decode each with decodeTx). */
export function decodeBlock(bytes: Uint8Array): Block {
  if (bytes instanceof Uint8Array && bytes.length > MAX_BLOCK_BYTES) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "block too large", { length: bytes.length });
  }
  return decodeExact(bytes, readBlock, "Block");
}

/**
 * Checks that a block's parts agree with its header: tx root, last-commit hash, and the last commit's
 * height and block hash against the header's height and previous hash (a height-1 block has no last
 * commit and zero previous/last-commit hashes). BLOCK_INVALID otherwise. Does not check signatures.
 */
export function validateBlock(b: Block, hash: HashFn = defaultHash): void {
  const fail = (reason: string): never => {
    throw new LedgerError(LedgerErrorCode.BLOCK_INVALID, `block invalid: ${reason}`, {
      reason,
      height: b?.header?.height,
    });
  };
  const h = b.header;
  if (!bytesEqual(txRoot(b.txs, hash), h.txRoot)) fail("tx root mismatch");
  if (b.lastCommit === null) {
    if (h.height !== 1) fail("missing last commit");
    if (!isZeroHash(h.previousHash) || !isZeroHash(h.lastCommitHash))
      fail("height 1 must have zero parent hashes");
    return;
  }
  if (h.height === 1) fail("height 1 carries a last commit");
  if (!bytesEqual(commitHash(b.lastCommit, hash), h.lastCommitHash)) fail("last commit hash mismatch");
  if (b.lastCommit.height !== h.height - 1) fail("last commit height mismatch");
  if (!bytesEqual(b.lastCommit.blockHash, h.previousHash)) fail("last commit is not for the previous block");
}
