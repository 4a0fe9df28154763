/**
 * Commit verification against a validator set: pure, and the same function serves the node (catch-up
 * from a peer), the relay's light clients and thin devices. One aggregate BLS check per commit.
 */
import { equalBytes, sha256 } from "@tandem/crypto";
import type { Commit, HashFn, ValidatorSet } from "@tandem/ledger";
import { bitmapIndices } from "../consensus/commit.js";
import { voteSignBytes } from "../consensus/sign-bytes.js";
import type { VoteVerifier } from "../consensus/signer.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { CommitHeader } from "./types.js";

export const CommitErrorCode = {
  /** Wrong types, lengths or ranges in the header, commit or validator set. */
  COMMIT_MALFORMED: "COMMIT_MALFORMED",
  /** The header is of another chain than the one this verifier tracks. */
  COMMIT_WRONG_CHAIN: "COMMIT_WRONG_CHAIN",
  /** The commit is for another height than the header. */
  COMMIT_HEIGHT_MISMATCH: "COMMIT_HEIGHT_MISMATCH",
  /** The commit is for another block than the header. */
  COMMIT_HASH_MISMATCH: "COMMIT_HASH_MISMATCH",
  /** The signer bitmap is not exactly ceil(n/8) bytes for the n validators. */
  COMMIT_BITMAP_LENGTH: "COMMIT_BITMAP_LENGTH",
  /** A bit is set for an index beyond the validator set. */
  COMMIT_UNKNOWN_SIGNER: "COMMIT_UNKNOWN_SIGNER",
  /** The signers hold no more than 2/3 of the voting power. */
  COMMIT_INSUFFICIENT_POWER: "COMMIT_INSUFFICIENT_POWER",
  /** The aggregate signature does not verify over the signers' keys. */
  COMMIT_BAD_SIGNATURE: "COMMIT_BAD_SIGNATURE",
} as const;

export type CommitErrorCode = (typeof CommitErrorCode)[keyof typeof CommitErrorCode];

export type CommitVerification =
  | {
      readonly ok: true;
      readonly signedPower: bigint;
      readonly totalPower: bigint;
      readonly signers: number[];
    }
  | { readonly ok: false; readonly code: CommitErrorCode; readonly message: string };

export interface CommitVerifyContext {
  /** The chain this verifier tracks. */
  readonly chainId: string;
  /** Aggregate verification (BLS in production: {@link BlsVoteVerifier}). */
  readonly verifier: Pick<VoteVerifier, "verifyAggregate">;
  /** The chain's hash suite (default SHA-256). */
  readonly hash?: HashFn;
}

function fail(code: CommitErrorCode, message: string): CommitVerification {
  return { ok: false, code, message };
}

const isHeight = (h: unknown): h is number => typeof h === "number" && Number.isSafeInteger(h) && h >= 1;

/**
 * Checks that > 2/3 of `validators`' power signed a precommit for `header`'s block, in one
 * `fastAggregateVerify` over the bitmap's keys. Cheap checks (shape, chain, height, hash, bitmap,
 * power) come before the pairing, so junk costs nothing.
 */
export function verifyCommit(
  header: CommitHeader,
  commit: Commit,
  validators: ValidatorSet,
  ctx: CommitVerifyContext,
): CommitVerification {
  if (typeof header !== "object" || header === null)
    return fail("COMMIT_MALFORMED", "header: expected an object");
  if (typeof commit !== "object" || commit === null)
    return fail("COMMIT_MALFORMED", "commit: expected an object");
  if (typeof validators !== "object" || validators === null || !Array.isArray(validators.validators)) {
    return fail("COMMIT_MALFORMED", "validators: expected a validator set");
  }
  if (validators.validators.length === 0) return fail("COMMIT_MALFORMED", "validators: empty set");
  if (typeof ctx !== "object" || ctx === null || typeof ctx.chainId !== "string") {
    return fail("COMMIT_MALFORMED", "context: expected {chainId, verifier}");
  }
  if (typeof header.chainId !== "string")
    return fail("COMMIT_MALFORMED", "header.chainId: expected a string");
  if (!isHeight(header.height)) return fail("COMMIT_MALFORMED", "header.height: expected an integer ≥ 1");
  if (!(header.blockHash instanceof Uint8Array) || header.blockHash.length === 0) {
    return fail("COMMIT_MALFORMED", "header.blockHash: expected non-empty bytes");
  }
  if (!isHeight(commit.height)) return fail("COMMIT_MALFORMED", "commit.height: expected an integer ≥ 1");
  if (typeof commit.round !== "number" || !Number.isInteger(commit.round) || commit.round < 0) {
    return fail("COMMIT_MALFORMED", "commit.round: expected an integer ≥ 0");
  }
  if (!(commit.blockHash instanceof Uint8Array) || commit.blockHash.length === 0) {
    return fail("COMMIT_MALFORMED", "commit.blockHash: expected non-empty bytes");
  }
  if (!(commit.signers instanceof Uint8Array))
    return fail("COMMIT_MALFORMED", "commit.signers: expected bytes");
  if (!(commit.signature instanceof Uint8Array))
    return fail("COMMIT_MALFORMED", "commit.signature: expected bytes");

  if (header.chainId !== ctx.chainId) {
    return fail("COMMIT_WRONG_CHAIN", `header is of chain ${header.chainId}, expected ${ctx.chainId}`);
  }
  if (commit.height !== header.height) {
    return fail("COMMIT_HEIGHT_MISMATCH", `commit height ${commit.height} ≠ header height ${header.height}`);
  }
  if (!equalBytes(commit.blockHash, header.blockHash)) {
    return fail("COMMIT_HASH_MISMATCH", "commit is for another block hash");
  }
  const size = validators.validators.length;
  const bits = bitmapIndices(commit.signers, size);
  if (!bits.ok) {
    return bits.reason === "length"
      ? fail("COMMIT_BITMAP_LENGTH", `bitmap has ${commit.signers.length} bytes for ${size} validators`)
      : fail("COMMIT_UNKNOWN_SIGNER", "bitmap names a validator index beyond the set");
  }
  let totalPower = 0n;
  for (const v of validators.validators) {
    if (typeof v?.power !== "bigint" || v.power <= 0n || !(v.publicKey instanceof Uint8Array)) {
      return fail("COMMIT_MALFORMED", "validators: bad validator entry");
    }
    totalPower += v.power;
  }
  let signedPower = 0n;
  const keys: Uint8Array[] = [];
  for (const i of bits.indices) {
    const v = validators.validators[i] as ValidatorSet["validators"][number];
    signedPower += v.power;
    keys.push(v.publicKey);
  }
  if (!(3n * signedPower > 2n * totalPower)) {
    return fail(
      "COMMIT_INSUFFICIENT_POWER",
      `signers hold ${signedPower} of ${totalPower}; more than 2/3 is needed`,
    );
  }
  let message: Uint8Array;
  try {
    message = voteSignBytes(
      {
        chainId: header.chainId,
        height: commit.height,
        round: commit.round,
        type: "precommit",
        blockHash: commit.blockHash,
      },
      ctx.hash ?? sha256,
    );
  } catch (e) {
    return fail("COMMIT_MALFORMED", e instanceof Error ? e.message : "commit fields out of range");
  }
  if (!ctx.verifier.verifyAggregate(commit.signature, message, keys)) {
    return fail("COMMIT_BAD_SIGNATURE", "aggregate signature does not verify");
  }
  return { ok: true, signedPower, totalPower, signers: bits.indices };
}

/** {@link verifyCommit}, throwing COMMIT_INVALID (with `meta.reason`) instead of returning a failure. */
export function assertCommit(
  header: CommitHeader,
  commit: Commit,
  validators: ValidatorSet,
  ctx: CommitVerifyContext,
): void {
  const r = verifyCommit(header, commit, validators, ctx);
  if (!r.ok) {
    throw new ChainCoreError(ChainCoreErrorCode.COMMIT_INVALID, r.message, {
      reason: r.code,
      height: header?.height,
    });
  }
}
