/**
 * Local Tandem system. Starts NATS (JetStream) and Redis from the Debian binaries on their own loopback
 * ports with data dirs under .devnet/, runs the chain demo against them, prints a status table and keeps
 * running until Ctrl-C, which stops every process it started (by pid).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MissingBinaryError, NatsServer, RedisServer } from "@tandem/test-utils";
import { runDemo } from "./demo.js";

interface Flags {
  reset: boolean;
  once: boolean;
  dir: string;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { reset: false, once: false, dir: resolve(process.cwd(), "../../.devnet") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "--reset") flags.reset = true;
    else if (a === "--once") flags.once = true;
    else if (a === "--dir") flags.dir = resolve(argv[++i] ?? "");
    else if (a === "--help" || a === "-h") {
      console.log("usage: devnet [--reset] [--once] [--dir DIR]");
      process.exit(0);
    } else {
      console.error(`devnet: unknown option ${a} (try --help)`);
      process.exit(2);
    }
  }
  return flags;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.reset && existsSync(flags.dir)) rmSync(flags.dir, { recursive: true, force: true });
  mkdirSync(flags.dir, { recursive: true });

  let nats: NatsServer | undefined;
  let redis: RedisServer | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping: nats-server, redis-server");
    await Promise.allSettled([nats?.stop(), redis?.stop()]);
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  try {
    nats = await NatsServer.start({ dataDir: join(flags.dir, "nats") });
    redis = await RedisServer.start({ dataDir: join(flags.dir, "redis"), persistent: true });
  } catch (err) {
    if (err instanceof MissingBinaryError) {
      console.error(`devnet: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const endpoints = { nats: nats.url, redis: redis.url, dataDir: flags.dir };
  writeFileSync(join(flags.dir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);

  console.log("Tandem devnet");
  console.table([
    { service: "nats-server (JetStream)", pid: nats.pid, url: nats.url, data: join(flags.dir, "nats") },
    { service: "redis-server", pid: redis.pid, url: redis.url, data: join(flags.dir, "redis") },
  ]);

  try {
    await runDemo({ natsUrl: nats.url, redisHost: redis.host, redisPort: redis.port, log: console.log });
  } catch (err) {
    console.error("devnet: demo failed:", err);
    await stopAll(1);
    return;
  }

  if (flags.once) {
    await stopAll(0);
    return;
  }
  console.log(`\nrunning; endpoints in ${join(flags.dir, "endpoints.json")}. Ctrl-C stops everything.`);
  setInterval(() => {
    /* keep the event loop alive until a signal arrives */
  }, 60_000);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
