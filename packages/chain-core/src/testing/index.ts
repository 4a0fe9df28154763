/**
 * Test helpers of chain-core (simulator, cheap test signer). Not exported from the package root:
 * import them from "src/testing/index.js" inside this package.
 */
export * from "./sim/index.js";
export { TestVoteSigner, testVoteVerifier } from "./test-signer.js";
