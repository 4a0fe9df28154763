export {
  detectMisbehaviour,
  followHeaders,
  freeze,
  LightClientErrorCode,
  type LightVerification,
  type Misbehaviour,
  trustHeader,
  verifyAdjacent,
} from "./follow.js";
export type { CommitHeader, LightBlock, TrustedState } from "./types.js";
export {
  assertCommit,
  CommitErrorCode,
  type CommitVerification,
  type CommitVerifyContext,
  verifyCommit,
} from "./verify-commit.js";
