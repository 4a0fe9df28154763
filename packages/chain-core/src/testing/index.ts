/**
 * Test helpers of chain-core (simulator, cheap test signer). Not exported from the package root:
 * import them from "src/testing/index.js" inside this package.
 */

export { type EquivocationStats, equivocatingInterceptor, silentInterceptor } from "./node/byzantine.js";
export { BufferedKvStore, buildHistory, CountingKvStore, type HistoryOptions } from "./node/history.js";
export {
  type NodeSimConfig,
  type NodeSimResult,
  NodeSimulation,
  nodeSimConfig,
} from "./node/node-simulation.js";
export {
  type TestKey,
  Testnet,
  type TestnetMember,
  type TestnetOptions,
  testBlsSecretKey,
  testKey,
  testnetNodeOptions,
  testOperatorKey,
} from "./node/testnet.js";
export * from "./sim/index.js";
export { TestVoteSigner, testVoteVerifier } from "./test-signer.js";
