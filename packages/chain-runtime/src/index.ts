/**
 * @tandem/chain-runtime: one chain node as a service, with no framework inside — key, genesis and config
 * files, the node runtime (LMDB + libp2p + chain-core), the NATS RPC method table and client, and the
 * JetStream block stream. `@tandem/nest-common` hosts it in Nest.
 */
export * from "./config.js";
export * from "./errors.js";
export * from "./genesis.js";
export * from "./keys.js";
export * from "./network/index.js";
export * from "./publish/index.js";
export * from "./rpc/index.js";
export * from "./runtime.js";
