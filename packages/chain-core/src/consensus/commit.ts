/**
 * Building commits from precommits, and the signer bitmap. Verification lives in
 * ../light-client/verify-commit.ts (pure, shared with thin clients).
 */
import { equalBytes } from "@tandem/crypto";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { VoteVerifier } from "./signer.js";
import type { Commit, Vote } from "./types.js";
import type { ValidatorSet } from "./validator-set.js";

/** Bitmap of `size` bits with the given indices set (byte i>>3, bit i&7, least significant first). */
export function signerBitmap(indices: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(size / 8));
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`signer index ${i} out of range`);
    out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  }
  return out;
}

/** The indices set in `bitmap`, or a reason it is not a bitmap of exactly `size` bits. */
export function bitmapIndices(
  bitmap: Uint8Array,
  size: number,
): { ok: true; indices: number[] } | { ok: false; reason: "length" | "unknown-signer" } {
  if (bitmap.length !== Math.ceil(size / 8)) return { ok: false, reason: "length" };
  const indices: number[] = [];
  for (let byte = 0; byte < bitmap.length; byte++) {
    const b = bitmap[byte] as number;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if ((b & (1 << bit)) === 0) continue;
      const i = byte * 8 + bit;
      if (i >= size) return { ok: false, reason: "unknown-signer" };
      indices.push(i);
    }
  }
  return { ok: true, indices };
}

function invalid(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.CONSENSUS_INVALID_MESSAGE, message);
}

/**
 * Aggregates > 2/3 (by power) of precommits for one (height, round, block hash) into a {@link Commit}.
 * The precommits' signatures must have been verified already.
 */
export function buildCommit(
  precommits: readonly Vote[],
  validators: ValidatorSet,
  verifier: VoteVerifier,
): Commit {
  const first = precommits[0];
  if (first === undefined) throw invalid("buildCommit: no precommits");
  const hash = first.blockHash;
  if (hash === null) throw invalid("buildCommit: a commit is for a block, not nil");
  const byIndex = new Map<number, Vote>();
  let power = 0n;
  for (const v of precommits) {
    if (v.type !== "precommit" || v.height !== first.height || v.round !== first.round) {
      throw invalid("buildCommit: precommits of different height, round or type");
    }
    if (v.blockHash === null || !equalBytes(v.blockHash, hash))
      throw invalid("buildCommit: mixed block hashes");
    const val = validators.at(v.validatorIndex);
    if (val === undefined) throw invalid("buildCommit: validator index out of range");
    if (byIndex.has(v.validatorIndex)) continue;
    byIndex.set(v.validatorIndex, v);
    power += val.power;
  }
  if (!validators.isQuorum(power))
    throw invalid("buildCommit: precommits hold no more than 2/3 of the power");
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  return {
    height: first.height,
    round: first.round,
    blockHash: hash,
    signers: signerBitmap(indices, validators.size),
    signature: verifier.aggregate(indices.map((i) => (byIndex.get(i) as Vote).signature)),
  };
}
