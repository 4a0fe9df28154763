/**
 * The exact bytes validators sign.
 *
 * - Votes: @tandem/ledger's `voteSignBytes`, the one definition shared with light clients and the SDK:
 *     H("tandem/vote/v1" ‖ string chainId ‖ u64 height ‖ u32 round ‖ u8 type (1 prevote, 2 precommit)
 *       ‖ 32-byte blockHash, zero bytes for nil)
 *   so a commit built here verifies with the ledger's `verifyCommit`.
 * - Proposals (consensus-only, so defined here, in the ledger's canonical encoding):
 *     H("tandem/proposal/v1" ‖ string chainId ‖ u64 height ‖ u32 round ‖ u32 (validRound + 1) ‖ 32-byte value hash)
 * `H` is the chain's hash suite (SHA-256 by default, SM3 where required); strings carry a LEB128 length.
 *
 * The validator index is not signed, so every precommit for one (chain, height, round, hash) signs the
 * same message and their BLS signatures aggregate into one commit signature. A nil vote and a block
 * vote are different messages; the domain tags keep votes and proposals apart; the chain id prevents
 * cross-chain replay.
 */
import { sha256, utf8ToBytes } from "@tandem/crypto";
import {
  type HashFn,
  isChainId,
  voteSignBytes as ledgerVoteSignBytes,
  MAX_CHAIN_ID_LENGTH,
  Writer,
} from "@tandem/ledger";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { VoteType } from "./types.js";

export const VOTE_DOMAIN_TAG = "tandem/vote/v1";
export const PROPOSAL_DOMAIN_TAG = "tandem/proposal/v1";

const PROPOSAL_TAG = utf8ToBytes(PROPOSAL_DOMAIN_TAG);
/** Block and value hashes are exactly this long (the ledger's hash length). */
export const HASH_LENGTH = 32;
export { MAX_CHAIN_ID_LENGTH };

function invalid(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.CONSENSUS_INVALID_MESSAGE, message);
}

export function checkChainId(chainId: unknown): asserts chainId is string {
  if (!isChainId(chainId)) throw invalid("chainId: expected a CAIP-2 chain id");
}

export function checkHeightRound(height: unknown, round: unknown): void {
  if (typeof height !== "number" || !Number.isSafeInteger(height) || height < 1) {
    throw invalid("height: expected an integer ≥ 1");
  }
  if (typeof round !== "number" || !Number.isInteger(round) || round < 0 || round > 0xffff_fffe) {
    throw invalid("round: expected an integer in 0..2^32-2");
  }
}

/** A block or value hash: exactly 32 bytes, not all zero (zero bytes mean nil in the vote sign bytes). */
export function checkHash(hash: unknown, label: string): asserts hash is Uint8Array {
  if (!(hash instanceof Uint8Array)) throw invalid(`${label}: expected Uint8Array`);
  if (hash.length !== HASH_LENGTH)
    throw invalid(`${label}: expected ${HASH_LENGTH} bytes, got ${hash.length}`);
  if (hash.every((b) => b === 0)) throw invalid(`${label}: the zero hash is reserved for nil`);
}

export function voteTypeCode(type: VoteType): number {
  if (type === "prevote") return 1;
  if (type === "precommit") return 2;
  throw invalid(`vote type: expected prevote or precommit, got ${String(type)}`);
}

export interface VoteSignFields {
  readonly chainId: string;
  readonly height: number;
  readonly round: number;
  readonly type: VoteType;
  readonly blockHash: Uint8Array | null;
}

/** The ledger's vote sign bytes, after checks that raise CONSENSUS_INVALID_MESSAGE. */
export function voteSignBytes(v: VoteSignFields, hash: HashFn = sha256): Uint8Array {
  checkChainId(v.chainId);
  checkHeightRound(v.height, v.round);
  voteTypeCode(v.type);
  if (v.blockHash !== null) checkHash(v.blockHash, "blockHash");
  return ledgerVoteSignBytes(
    v.chainId,
    { type: v.type, height: v.height, round: v.round, blockHash: v.blockHash },
    hash,
  );
}

export interface ProposalSignFields {
  readonly chainId: string;
  readonly height: number;
  readonly round: number;
  readonly validRound: number;
  readonly valueHash: Uint8Array;
}

export function proposalSignBytes(p: ProposalSignFields, hash: HashFn = sha256): Uint8Array {
  checkChainId(p.chainId);
  checkHeightRound(p.height, p.round);
  if (!Number.isInteger(p.validRound) || p.validRound < -1 || p.validRound >= p.round) {
    throw invalid("validRound: expected −1 or a round below the proposal's round");
  }
  checkHash(p.valueHash, "value hash");
  const w = new Writer(128);
  w.raw(PROPOSAL_TAG).string(p.chainId, MAX_CHAIN_ID_LENGTH, "chainId");
  w.u64(p.height)
    .u32(p.round)
    .u32(p.validRound + 1)
    .raw(p.valueHash);
  return hash(w.finish());
}
