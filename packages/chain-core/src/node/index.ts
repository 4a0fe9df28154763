export {
  BlockStore,
  type RecordCodec,
  Repository,
  type StoredBlockInput,
} from "./block-store.js";
export { ChainApp, type ChainAppDeps, type CommittedBlock } from "./chain-app.js";
export { ChainNode } from "./chain-node.js";
export {
  type BlockWithCommit,
  decodeBlockWithCommit,
  decodeGetBlocksRequest,
  decodeGetBlocksResponse,
  decodeHead,
  decodeTxBatch,
  encodeBlockWithCommit,
  encodeGetBlocksRequest,
  encodeGetBlocksResponse,
  encodeHead,
  encodeTxBatch,
  type GenesisRecord,
  type HeadRecord,
  MAX_SYNC_BATCH,
  MAX_TX_BATCH,
  type TxLocation,
} from "./codec.js";
export { NodeErrorCode, nodeError } from "./errors.js";
export { type Listener, TypedEmitter } from "./events.js";
export type {
  AccountView,
  BalanceView,
  ChainNodeEventMap,
  ChainNodeMode,
  ChainNodePorts,
  ChainNodeStats,
  CommittedBlockEvent,
  TxLookup,
  TxResultEvent,
  TxResultView,
} from "./interface.js";
export {
  BLOCK_STORE_PREFIX,
  blockKey,
  commitKey,
  GENESIS_KEY,
  HEAD_KEY,
  hashIndexKey,
  headerKey,
  txIndexKey,
} from "./keys.js";
export {
  type BlockOptions,
  type ChainNodeOptions,
  defaultBlockOptions,
  defaultSyncOptions,
  defaultTxGossipOptions,
  type SyncOptions,
  type TxGossipOptions,
} from "./options.js";
export { BlockSync, type BlockSyncDeps } from "./sync.js";
export { TxGossip } from "./tx-gossip.js";
