/** Injection tokens (explicit: the services run from TypeScript sources without decorator metadata). */
export const NODE_RUNTIME = Symbol("tandem.nodeRuntime");
export const NATS_LINK = Symbol("tandem.natsLink");
export const RPC_CONTEXT = Symbol("tandem.rpcContext");
export const CHAIN_METRICS = Symbol("tandem.chainMetrics");
export const ROOT_LOGGER = Symbol("tandem.rootLogger");
