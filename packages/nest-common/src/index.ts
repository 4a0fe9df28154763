export {
  type ChainService,
  describeError,
  main,
  type RunChainServiceOptions,
  runChainService,
} from "./bootstrap.js";
export {
  BlockStreamService,
  ChainServiceModule,
  type ChainServiceModuleOptions,
} from "./chain-service.module.js";
export { HealthController } from "./health.js";
export { chainLogger, createLogger, REDACTED_KEYS } from "./logging.js";
export { ChainMetrics, MetricsController } from "./metrics.js";
export { NatsLink } from "./nats-link.js";
export { isMalformedRequest, PlainJsonDeserializer, PlainJsonSerializer } from "./nats-transport.js";
export { createRpcController } from "./rpc.controller.js";
