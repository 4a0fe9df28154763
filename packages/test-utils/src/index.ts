export { NatsServer, type NatsServerOptions } from "./nats.js";
export {
  findBinary,
  freePort,
  killProcess,
  type ManagedProcess,
  MissingBinaryError,
  makeTempDir,
  removeDir,
  spawnServer,
  stopProcess,
  waitForPort,
} from "./process.js";
export { RedisServer, type RedisServerOptions } from "./redis.js";
export { waitFor } from "./wait.js";
