/**
 * @tandem/cli — the `tandem` operator command line. The commands are exported as functions (parsed
 * options in, an output sink for what they print) for scripts and tests; `main(argv)` runs the CLI.
 */
export {
  ACCOUNT_KEY_FILE_TYPE,
  type AccountKey,
  accountKeyAddress,
  encodeAccountKeyFile,
  generateAccountKey,
  parseAccountKeyFile,
  readAccountKeyFile,
  writeAccountKeyFile,
} from "./account-key.js";
export { type AccountInfo, accountCreate, accountShow } from "./commands/account.js";
export { type GenesisCreateOptions, type GenesisSummary, genesisCreate } from "./commands/genesis.js";
export { type KeysCreateOptions, keysCreate, keysShow, type NodeKeyInfo } from "./commands/keys.js";
export {
  type NodeInitOptions,
  type NodeInitResult,
  nodeInit,
  nodeStart,
  type RunChainService,
} from "./commands/node.js";
export { type ChainStatusRow, type StatusOptions, status } from "./commands/status.js";
export { type TransferOptions, type TransferResult, transfer } from "./commands/transfer.js";
export { CliError, CliErrorCode, formatError } from "./errors.js";
export { buildProgram, main } from "./main.js";
export { MemoryOutput, type Output, processOutput } from "./output.js";
