export { type BlsWorkerVerifierOptions, BlsWorkerVoteVerifier } from "./bls-worker.js";
export {
  type ConsensusMessage,
  decodeConsensusMessage,
  decodeDecision,
  decodeWalEvent,
  encodeConsensusMessage,
  encodeDecision,
  encodeWalEvent,
  MAX_VALUE_BYTES,
  type WalEvent,
} from "./codec.js";
export { bitmapIndices, buildCommit, signerBitmap } from "./commit.js";
export {
  ConsensusEngine,
  type ConsensusEngineModules,
  type ConsensusEngineOptions,
  type ConsensusEngineStats,
  defaultConsensusEngineOptions,
} from "./engine.js";
export { verifyEvidence } from "./evidence.js";
export {
  type AppInfo,
  type Clock,
  type ConsensusApp,
  type ConsensusTransport,
  systemClock,
  type TimerHandle,
} from "./interface.js";
export { SIGNER_STATE_KEY, WAL_PREFIX } from "./keys.js";
export { type ConsensusOptions, defaultConsensusOptions, timeoutMs } from "./options.js";
export {
  HASH_LENGTH,
  PROPOSAL_DOMAIN_TAG,
  proposalSignBytes,
  VOTE_DOMAIN_TAG,
  voteSignBytes,
} from "./sign-bytes.js";
export { BlsVoteSigner, BlsVoteVerifier, type VoteSigner, type VoteVerifier } from "./signer.js";
export { DoubleSignGuard, type SignCheck, type SignedState, type SignRequest } from "./signer-state.js";
export {
  type ConsensusAction,
  type ConsensusEvent,
  type ConsensusSnapshot,
  ConsensusState,
  type ConsensusStateOptions,
  type ConsensusStep,
} from "./state-machine.js";
export type {
  Commit,
  Decision,
  Evidence,
  Proposal,
  Step,
  UnsignedProposal,
  UnsignedVote,
  Value,
  Vote,
  VoteType,
} from "./types.js";
export {
  MAX_TOTAL_VOTING_POWER,
  type Validator,
  type ValidatorInit,
  ValidatorSet,
  validatorAddress,
} from "./validator-set.js";
export { ConsensusWal } from "./wal.js";
