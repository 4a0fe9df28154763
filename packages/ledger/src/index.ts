/**
 * @tandem/ledger — the Tandem ledger format. Pure data, no I/O and no Node-only imports (hashing and
 * signatures come through @tandem/crypto), so chain nodes, the relay, the gateway and thin clients
 * (the browser SDK) all run these very functions.
 *
 * ## Errors
 * Every failure on data from outside is a {@link LedgerError} `{code, message, meta}` whose `code` is one
 * of {@link LedgerErrorCode} (wire values, never renamed): DECODE_TRUNCATED, DECODE_TRAILING_BYTES,
 * DECODE_NON_MINIMAL, DECODE_NON_CANONICAL, DECODE_UNKNOWN_KIND, DECODE_OUT_OF_RANGE, DECODE_INVALID_UTF8,
 * DECODE_INVALID_VALUE, ENCODE_INVALID_VALUE, CAIP_INVALID, DENOM_INVALID, TX_BAD_SIGNATURE,
 * TX_KIND_CONFLICT, TX_UNKNOWN_KIND, PROOF_INVALID, VALIDATOR_SET_INVALID, COMMIT_INVALID, BLOCK_INVALID,
 * PARAMS_INVALID, SMT_MISSING_NODE. `verify*` functions return booleans; `assert*` twins throw the code.
 *
 * ## Canonical encoding ({@link Writer} / {@link Reader})
 * - fixed-width big-endian u8/u16/u32/u64/u128; u64 fields read as `number` must be ≤ 2^53 − 1
 *   (heights, times, nonces, indices), amounts and powers are `bigint`;
 * - lengths and counts: shortest unsigned LEB128 (≤ 5 bytes, ≤ 2^32 − 1), then the field's own bound;
 * - byte strings: LEB128 length ‖ bytes; hashes (32), addresses (20), BLS keys (48) and signatures (96)
 *   are fixed-size and carry no length;
 * - strings: LEB128 length ‖ well-formed UTF-8; booleans and optional tags: exactly 0x00 or 0x01;
 * - arrays: LEB128 count ‖ elements, the count checked against the remaining input before allocating;
 * - decoding consumes the whole input (DECODE_TRAILING_BYTES otherwise), and every input a decoder accepts
 *   re-encodes to exactly the same bytes.
 *
 * ## Identifiers
 * CAIP-2 chain ids (`tandem:acme`, `tandem:home-7f3a`), CAIP-10 accounts (`tandem:acme:<40 hex>`), CAIP-19
 * assets, and denominations (a CAIP-19 id or an ICS-20-style voucher path; never a bare symbol).
 *
 * ## Transactions
 * Envelope (chain id, kind, scheme, sender, nonce, expiry height, payload, signature) with a registry of
 * payload kinds ({@link registerTxKind}); the `transfer` kind ({@link TRANSFER_KIND}); sign bytes
 * H("tandem/tx/v1" ‖ unsigned tx), tx hash H(tx), account address = first 20 bytes of
 * H(scheme id ‖ sender). {@link signTx}, {@link verifyTxSignature} (SM9 through a caller hook).
 *
 * ## Blocks
 * Headers (with `lastCommitHash` and `resultsRoot`), votes and {@link voteSignBytes}, commits (signer
 * bitmap + BLS aggregate, {@link verifyCommit}), blocks ({@link validateBlock}), validator sets.
 *
 * ## Merkle trees
 * RFC 6962 roots and inclusion proofs ({@link merkleRoot}, {@link MerkleTree}, {@link verifyMerkleProof});
 * a versioned sparse Merkle tree with membership and non-membership proofs ({@link SparseMerkleTree},
 * {@link verifySmtProof}) over a pluggable node store ({@link SmtNodeStore}).
 *
 * ## Hash suite
 * Every function that hashes takes a {@link HashFn} (or `{hash}` option): SHA-256 by default, SM3 when the
 * chain's parameters say so ({@link chainHash}, {@link hashSuite}).
 *
 * @packageDocumentation
 */

export {
  assertCommit,
  type Block,
  type BlockHeader,
  type BlsVerifier,
  bitmapIndices,
  type Commit,
  type CommitCheck,
  checkCommit,
  commitHash,
  commitSignBytes,
  commitSigners,
  decodeBlock,
  decodeCommit,
  decodeHeader,
  decodeTxResult,
  decodeVote,
  encodeBlock,
  encodeCommit,
  encodeHeader,
  encodeTxResult,
  encodeVote,
  headerHash,
  isCanonicalBitmap,
  MAX_BLOCK_BYTES,
  MAX_BLOCK_TXS,
  MAX_ROUND,
  MAX_SIGNER_BITMAP_BYTES,
  MAX_TX_RESULT_DATA,
  readBlock,
  readCommit,
  readHeader,
  readTxResult,
  readVote,
  resultsRoot,
  signerBitmap,
  TX_RESULT_OK,
  type TxResult,
  txRoot,
  txRootFromHashes,
  type VerifyCommitOptions,
  VOTE_TYPE_CODE,
  type Vote,
  type VoteData,
  type VoteType,
  validateBlock,
  verifyCommit,
  voteSignBytes,
  writeBlock,
  writeCommit,
  writeHeader,
  writeTxResult,
  writeVote,
} from "./block.js";
export {
  type AccountId,
  ADDRESS_LENGTH,
  type AssetId,
  addressToHex,
  assertTandemChainId,
  type ChainId,
  formatAccountId,
  formatAssetId,
  formatChainId,
  formatTandemAccountId,
  isAccountId,
  isAssetId,
  isChainId,
  isTandemChainId,
  MAX_CHAIN_ID_LENGTH,
  parseAccountId,
  parseAssetId,
  parseChainId,
  parseTandemAccountId,
  TANDEM_NAMESPACE,
  tandemChainId,
} from "./caip.js";
export { assertDenom, type Denom, type DenomHop, isDenom, MAX_DENOM_LENGTH, parseDenom } from "./denom.js";
export { decodeExact, isWellFormedString, MAX_VARINT, Reader, varintSize, Writer } from "./encoding.js";
export {
  isLedgerError,
  isLedgerErrorCode,
  LedgerError,
  LedgerErrorCode,
  type LedgerErrorMeta,
} from "./errors.js";
export {
  type ChainParams,
  chainHash,
  defaultHash,
  HASH_LENGTH,
  type HashFn,
  type HashName,
  hashSuite,
  isZeroHash,
} from "./hash-suite.js";
export {
  assertMerkleProof,
  auditPathLength,
  decodeMerkleProof,
  encodeMerkleProof,
  type MerkleProof,
  MerkleTree,
  merkleEmptyRoot,
  merkleInnerHash,
  merkleLeafHash,
  merkleProof,
  merkleRoot,
  merkleRootFromLeafHashes,
  merkleRootFromProof,
  readMerkleProof,
  verifyMerkleProof,
  writeMerkleProof,
} from "./merkle.js";
export { SHORT_SHA256_MAX, sha256Short } from "./sha256-short.js";
export {
  assertSmtProof,
  decodeSmtNode,
  decodeSmtProof,
  encodeSmtNode,
  encodeSmtProof,
  MemorySmtStore,
  readSmtProof,
  SMT_KEY_LENGTH,
  SMT_MAX_DEPTH,
  SMT_NODE_BYTES,
  type SmtApplyResult,
  type SmtInner,
  type SmtLeaf,
  type SmtNode,
  type SmtNodeStore,
  type SmtProof,
  type SmtUpdate,
  SparseMerkleTree,
  type SparseMerkleTreeOptions,
  smtApply,
  smtApplyHashed,
  smtGet,
  smtInnerHash,
  smtKey,
  smtLeafHash,
  smtProve,
  smtRootFromProof,
  verifySmtProof,
  writeSmtNode,
  writeSmtProof,
} from "./smt.js";
export { MAX_AMOUNT, MAX_MEMO_BYTES, TRANSFER_KIND, type TransferPayload } from "./transfer.js";
export {
  accountAddress,
  assertTxSignature,
  decodeTx,
  defaultTxKinds,
  encodeTx,
  encodeUnsignedTx,
  isTxOfKind,
  MAX_TX_BYTES,
  MAX_TX_PAYLOAD_BYTES,
  readTx,
  registerTxKind,
  type SignableTxScheme,
  type SignedTx,
  signTx,
  signTxWith,
  TX_SCHEMES,
  type TxCodecOptions,
  type TxDraft,
  type TxHashOptions,
  type TxKindDefinition,
  TxKindRegistry,
  type TxPayloadCodec,
  type TxScheme,
  type TxSchemeInfo,
  txHash,
  txSchemeInfo,
  txSenderAddress,
  txSignBytes,
  txSignBytesFromCanonical,
  type UnsignedTx,
  type VerifyTxOptions,
  verifyTxSignature,
  writeTx,
} from "./tx.js";
export {
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  createValidatorSet,
  decodeValidatorSet,
  encodeValidator,
  encodeValidatorSet,
  MAX_TOTAL_POWER,
  MAX_VALIDATORS,
  readValidator,
  readValidatorSet,
  type Validator,
  type ValidatorSet,
  validatorIndex,
  validatorProof,
  validatorSetHash,
  writeValidator,
  writeValidatorSet,
} from "./validator.js";

/** 32 fresh zero bytes: the empty sparse-Merkle root (which proves nothing) and a nil block hash. */
export function zeroHash(): Uint8Array {
  return new Uint8Array(32);
}
