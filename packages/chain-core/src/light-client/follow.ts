/**
 * Header following for light clients: adjacent (hop-by-hop) verification, where each verified header
 * hands over the validator set of the next height, and misbehaviour detection (two valid commits for
 * one height with different block hashes), which freezes the client.
 */
import { equalBytes, sha256 } from "@tandem/crypto";
import {
  type BlockHeader,
  type Commit,
  type HashFn,
  headerHash,
  type ValidatorSet,
  validatorSetHash,
} from "@tandem/ledger";
import { bitmapIndices } from "../consensus/commit.js";
import type { VoteVerifier } from "../consensus/signer.js";
import type { LightBlock, TrustedState } from "./types.js";
import { type CommitErrorCode, verifyCommit } from "./verify-commit.js";

type Verifier = Pick<VoteVerifier, "verifyAggregate">;

export const LightClientErrorCode = {
  /** The client saw misbehaviour and accepts nothing until governance clears it. */
  LIGHT_FROZEN: "LIGHT_FROZEN",
  /** The header is not the trusted height + 1 (adjacent verification only). */
  LIGHT_NOT_ADJACENT: "LIGHT_NOT_ADJACENT",
  /** The block's validator set is not the one the trusted header announced, or not the header's. */
  LIGHT_VALIDATORS_MISMATCH: "LIGHT_VALIDATORS_MISMATCH",
  /** The block's next validator set does not hash to the header's nextValidatorsHash. */
  LIGHT_NEXT_VALIDATORS_MISMATCH: "LIGHT_NEXT_VALIDATORS_MISMATCH",
  /** The header's time is not after the trusted header's. */
  LIGHT_TIME_NOT_INCREASING: "LIGHT_TIME_NOT_INCREASING",
} as const;

export type LightClientErrorCode = (typeof LightClientErrorCode)[keyof typeof LightClientErrorCode];

export type LightVerification =
  | { readonly ok: true; readonly state: TrustedState }
  | { readonly ok: false; readonly code: LightClientErrorCode | CommitErrorCode; readonly message: string };

/** Trust anchored at a header obtained out of band (genesis, or governance). */
export function trustHeader(
  header: BlockHeader,
  nextValidators: ValidatorSet,
  hash: HashFn = sha256,
): TrustedState {
  return {
    chainId: header.chainId,
    height: header.height,
    time: header.time,
    headerHash: headerHash(header, hash),
    nextValidators,
    frozen: false,
  };
}

/** Verifies `block` at trusted.height + 1 and returns the new trusted state. */
export function verifyAdjacent(
  trusted: TrustedState,
  block: LightBlock,
  verifier: Verifier,
  hash: HashFn = sha256,
): LightVerification {
  if (trusted.frozen) return { ok: false, code: "LIGHT_FROZEN", message: "light client is frozen" };
  const h = block.header;
  if (h.height !== trusted.height + 1) {
    return {
      ok: false,
      code: "LIGHT_NOT_ADJACENT",
      message: `expected height ${trusted.height + 1}, got ${h.height}`,
    };
  }
  if (h.chainId !== trusted.chainId) {
    return { ok: false, code: "COMMIT_WRONG_CHAIN", message: `header is of chain ${h.chainId}` };
  }
  if (!(h.time > trusted.time)) {
    return { ok: false, code: "LIGHT_TIME_NOT_INCREASING", message: "header time does not increase" };
  }
  const valsHash = validatorSetHash(block.validators, hash);
  if (
    !equalBytes(valsHash, h.validatorsHash) ||
    !equalBytes(valsHash, validatorSetHash(trusted.nextValidators, hash))
  ) {
    return {
      ok: false,
      code: "LIGHT_VALIDATORS_MISMATCH",
      message: "validator set differs from the one the trusted header announced",
    };
  }
  if (!equalBytes(validatorSetHash(block.nextValidators, hash), h.nextValidatorsHash)) {
    return {
      ok: false,
      code: "LIGHT_NEXT_VALIDATORS_MISMATCH",
      message: "next validator set does not match header",
    };
  }
  const blockHash = headerHash(h, hash);
  const r = verifyCommit(
    { chainId: h.chainId, height: h.height, blockHash },
    block.commit,
    block.validators,
    {
      chainId: trusted.chainId,
      verifier,
      hash,
    },
  );
  if (!r.ok) return r;
  return {
    ok: true,
    state: {
      chainId: trusted.chainId,
      height: h.height,
      time: h.time,
      headerHash: blockHash,
      nextValidators: block.nextValidators,
      frozen: false,
    },
  };
}

/** Follows a run of consecutive blocks; stops at the first that fails (with its index). */
export function followHeaders(
  trusted: TrustedState,
  blocks: readonly LightBlock[],
  verifier: Verifier,
  hash: HashFn = sha256,
):
  | { ok: true; state: TrustedState }
  | { ok: false; index: number; code: string; message: string; state: TrustedState } {
  let state = trusted;
  for (let i = 0; i < blocks.length; i++) {
    const r = verifyAdjacent(state, blocks[i] as LightBlock, verifier, hash);
    if (!r.ok) return { ok: false, index: i, code: r.code, message: r.message, state };
    state = r.state;
  }
  return { ok: true, state };
}

/** Two valid commits for one height and different blocks: a fork, provable to anyone. */
export interface Misbehaviour {
  readonly kind: "conflicting-commits";
  readonly chainId: string;
  readonly height: number;
  readonly hashA: Uint8Array;
  readonly hashB: Uint8Array;
  /**
   * Validators that signed both commits when both are of the same round (they double-signed a
   * precommit). Commits of different rounds can come from amnesia; the signers are then only suspects.
   */
  readonly doubleSigners: number[];
}

/**
 * Returns the misbehaviour when both (hash, commit) pairs verify against `validators` (the set of that
 * height) and name different blocks at the same height; undefined otherwise.
 */
export function detectMisbehaviour(
  chainId: string,
  validators: ValidatorSet,
  a: { readonly blockHash: Uint8Array; readonly commit: Commit },
  b: { readonly blockHash: Uint8Array; readonly commit: Commit },
  verifier: Verifier,
  hash: HashFn = sha256,
): Misbehaviour | undefined {
  if (a.commit.height !== b.commit.height || equalBytes(a.blockHash, b.blockHash)) return undefined;
  const height = a.commit.height;
  const ctx = { chainId, verifier, hash };
  const ra = verifyCommit({ chainId, height, blockHash: a.blockHash }, a.commit, validators, ctx);
  const rb = verifyCommit({ chainId, height, blockHash: b.blockHash }, b.commit, validators, ctx);
  if (!ra.ok || !rb.ok) return undefined;
  let doubleSigners: number[] = [];
  if (a.commit.round === b.commit.round) {
    const ia = bitmapIndices(a.commit.signers, validators.validators.length);
    const ib = bitmapIndices(b.commit.signers, validators.validators.length);
    if (ia.ok && ib.ok) {
      const sb = new Set(ib.indices);
      doubleSigners = ia.indices.filter((i) => sb.has(i));
    }
  }
  return {
    kind: "conflicting-commits",
    chainId,
    height,
    hashA: a.blockHash,
    hashB: b.blockHash,
    doubleSigners,
  };
}

/** The trusted state, frozen: once misbehaviour is proven nothing verifies until governance resets it. */
export function freeze(state: TrustedState): TrustedState {
  return { ...state, frozen: true };
}
