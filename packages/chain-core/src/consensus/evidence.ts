/** Checking misbehaviour evidence: two validly signed, conflicting messages of one validator. */
import { equalBytes, sha256 } from "@tandem/crypto";
import type { HashFn } from "@tandem/ledger";
import { proposalSignBytes, voteSignBytes } from "./sign-bytes.js";
import type { VoteVerifier } from "./signer.js";
import type { Evidence } from "./types.js";
import type { ValidatorSet } from "./validator-set.js";
import { sameVoteValue } from "./vote-set.js";

/**
 * True when `evidence` proves equivocation by a member of `validators` (the set of the evidence's
 * height) on `chainId`: same signer and (height, round, type), different signed content, both
 * signatures valid. False for anything else, including malformed input.
 */
export function verifyEvidence(
  evidence: Evidence,
  chainId: string,
  validators: ValidatorSet,
  verifier: VoteVerifier,
  hash: HashFn = sha256,
): boolean {
  try {
    if (evidence.kind === "duplicate-vote") {
      const { voteA: a, voteB: b } = evidence;
      if (a.chainId !== chainId || b.chainId !== chainId) return false;
      if (a.height !== b.height || a.round !== b.round || a.type !== b.type) return false;
      if (a.validatorIndex !== b.validatorIndex) return false;
      if (sameVoteValue(a.blockHash, b.blockHash)) return false;
      const pk = validators.at(a.validatorIndex)?.publicKey;
      if (pk === undefined) return false;
      return (
        verifier.verify(a.signature, voteSignBytes(a, hash), pk) &&
        verifier.verify(b.signature, voteSignBytes(b, hash), pk)
      );
    }
    if (evidence.kind === "duplicate-proposal") {
      const { proposalA: a, proposalB: b } = evidence;
      if (a.chainId !== chainId || b.chainId !== chainId) return false;
      if (a.height !== b.height || a.round !== b.round || a.proposerIndex !== b.proposerIndex) return false;
      if (a.validRound === b.validRound && equalBytes(a.value.hash, b.value.hash)) return false;
      const pk = validators.at(a.proposerIndex)?.publicKey;
      if (pk === undefined) return false;
      const bytesA = proposalSignBytes({ ...a, valueHash: a.value.hash }, hash);
      const bytesB = proposalSignBytes({ ...b, valueHash: b.value.hash }, hash);
      return verifier.verify(a.signature, bytesA, pk) && verifier.verify(b.signature, bytesB, pk);
    }
    return false;
  } catch {
    return false;
  }
}
