export { ED25519_WORKER_SOURCE } from "./ed25519-worker-source.js";
export { MempoolErrorCode, mempoolError } from "./errors.js";
export {
  Mempool,
  type MempoolTxStatus,
  type MempoolUpdate,
  type MempoolUpdateResult,
  type ReapedTx,
  type SubmitOutcome,
  type SubmitResult,
} from "./mempool.js";
export {
  defaultMempoolOptions,
  type MempoolModules,
  type MempoolOptions,
  type MempoolStateView,
} from "./options.js";
export {
  Ed25519WorkerPool,
  INLINE_SLICE,
  TxSignatureVerifier,
  type TxSignatureVerifierOptions,
} from "./verifier.js";
