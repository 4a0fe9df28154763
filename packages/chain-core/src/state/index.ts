export { BANK_MODULE_NAME, Bank, bankModule } from "./bank.js";
export {
  decodeBlockResults,
  decodeHeightRecord,
  encodeBlockResults,
  encodeHeightRecord,
  MAX_BLOCK_EVENTS,
  MAX_EVENT_ATTRIBUTES,
  MAX_EVENT_NAME_BYTES,
  MAX_EVENT_VALUE_BYTES,
  MAX_EVENTS,
  type StateMeta,
} from "./codec.js";
export { GovErrorCode, StateErrorCode, TxErrorCode, txError } from "./errors.js";
export {
  applyValidatorChange,
  approvedPower,
  consensusMembership,
  decodeProposal,
  defaultGovernanceOptions,
  encodeProposal,
  GOVERNANCE_MODULE_NAME,
  type GovernanceOptions,
  governanceModule,
  isSupermajority,
  VALIDATOR_APPROVE_KIND,
  VALIDATOR_PROPOSE_KIND,
  type ValidatorApproval,
  type ValidatorChange,
  type ValidatorProposal,
} from "./governance.js";
export type {
  BlockExecution,
  BlockInfo,
  BlockInput,
  ExecContext,
  ExecuteBlockOptions,
  Genesis,
  GenesisExecution,
  HeightRecord,
  StateAccess,
  StateEvent,
  StateModule,
  StateProof,
  StateTxResult,
  StoredBlockResults,
  TxContext,
  VerifiedTxSet,
} from "./interface.js";
export {
  accountKey,
  balanceKey,
  blockResultsKey,
  denomKey,
  GOV_NEXT_ID_KEY,
  GOV_PENDING_KEY,
  heightRecordKey,
  latestValueKey,
  proposalKey,
  STATE_META_KEY,
  STATE_STORE_PREFIX,
  smtNodeKey,
  stateTreeKey,
  stateValueKey,
  VALIDATOR_SET_KEY,
} from "./keys.js";
export { defaultStateMachineOptions, type StateMachineModules, type StateMachineOptions } from "./options.js";
export { GAS } from "./overlay.js";
export { KvSmtNodeStore } from "./smt-store.js";
export { mergeWriteBatches, StateMachine, verifyStateProof } from "./state-machine.js";
