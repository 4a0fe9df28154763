/**
 * Boots a chain service: config → pino → node runtime (LMDB, libp2p, consensus) → NATS link → Nest app
 * with the NATS RPC microservice (queue group per chain) and HTTP `/health` + `/metrics`. `close()`
 * stops Nest first (no new requests), then the node, then NATS. `main(profile)` is the apps' entry.
 */
import "reflect-metadata";
import type { NatsConnection } from "@nats-io/transport-node";
import type { INestApplication } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import { type MicroserviceOptions, Transport } from "@nestjs/microservices";
import {
  chainSubjectToken,
  loadNodeConfig,
  type NodeConfig,
  NodeRuntime,
  type Profile,
  RuntimeError,
  RuntimeErrorCode,
} from "@tandem/chain-runtime";
import { isLedgerError } from "@tandem/ledger";
import { Logger as PinoNestLogger } from "nestjs-pino";
import { ChainServiceModule } from "./chain-service.module.js";
import { chainLogger, createLogger } from "./logging.js";
import { NatsLink } from "./nats-link.js";
import { PlainJsonDeserializer, PlainJsonSerializer } from "./nats-transport.js";
import { startCpuProfile } from "./profiler.js";

export interface ChainService {
  readonly app: INestApplication;
  readonly runtime: NodeRuntime;
  readonly config: NodeConfig;
  /** `http://host:port` of /health and /metrics. */
  readonly httpUrl: string;
  close(): Promise<void>;
}

export interface RunChainServiceOptions {
  configPath?: string;
  config?: NodeConfig;
  overrides?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Refuse a config of another profile (each app hosts one profile). */
  profile?: Profile;
  /** Called when the node stops on its own (after the service closed itself). */
  onFatal?: (error: unknown) => void;
}

export async function runChainService(opts: RunChainServiceOptions): Promise<ChainService> {
  let config = opts.config;
  if (config === undefined) {
    if (opts.configPath === undefined) {
      throw new RuntimeError(RuntimeErrorCode.CONFIG_INVALID, "no config: pass --config <node.json>", {});
    }
    config = await loadNodeConfig(opts.configPath, {
      env: opts.env ?? process.env,
      overrides: opts.overrides ?? {},
    });
  }
  if (opts.profile !== undefined && config.profile !== opts.profile) {
    throw new RuntimeError(
      RuntimeErrorCode.CONFIG_INVALID,
      `this service runs the ${opts.profile} profile; the config says ${config.profile}`,
      { issues: [{ path: "profile", message: `expected ${opts.profile}` }] },
    );
  }
  const cfg = config;
  const log = createLogger({
    level: cfg.log.level,
    name: `${cfg.profile}-chain`,
    ...(cfg.log.file === undefined ? {} : { file: cfg.log.file }),
  });
  let service: ChainService | undefined;
  let fatalSeen = false;
  const runtime = await NodeRuntime.start(cfg, {
    logger: chainLogger(log.child({ component: "node" })),
    onFatal: (error) => {
      if (fatalSeen) return;
      fatalSeen = true;
      log.fatal({ error: String(error) }, "chain node stopped on a fatal error");
      void (service?.close() ?? Promise.resolve()).finally(() => opts.onFatal?.(error));
    },
  });
  let nats: NatsLink | undefined;
  let app: INestApplication | undefined;
  try {
    log.info({ servers: cfg.nats.servers }, "connecting to NATS (waits until a server answers)");
    nats = await NatsLink.connect(
      cfg.nats.servers,
      `${runtime.chainId}/${runtime.name}`,
      chainLogger(log.child({ component: "nats" })),
    );
    app = await NestFactory.create(ChainServiceModule.forRoot({ runtime, nats, logger: log }), {
      bufferLogs: true,
      abortOnError: false,
    });
    app.useLogger(app.get(PinoNestLogger));
    if (cfg.nats.rpc) {
      app.connectMicroservice<MicroserviceOptions>({
        transport: Transport.NATS,
        options: {
          servers: cfg.nats.servers,
          name: `${runtime.chainId}/${runtime.name}/rpc`,
          // One node of the chain answers each chain-wide request.
          queue: `tandem.${chainSubjectToken(runtime.chainId)}.rpc`,
          serializer: new PlainJsonSerializer(),
          deserializer: new PlainJsonDeserializer(),
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          waitOnFirstConnect: true,
        },
      });
    }
    await app.listen(cfg.http.port, cfg.http.host);
    await app.startAllMicroservices();
    // The RPC subscriptions are sent, not yet known to the server: a round trip makes them so, and a
    // client may call as soon as this function returns (no "no responders" just after a start).
    for (const ms of app.getMicroservices()) await ms.unwrap<NatsConnection>().flush();
  } catch (e) {
    await app?.close().catch(() => {});
    await nats?.close().catch(() => {});
    await runtime.stop();
    throw e;
  }
  const httpUrl = (await app.getUrl()).replace("[::1]", "127.0.0.1");
  let closing: Promise<void> | undefined;
  const a = app;
  const n = nats;
  service = {
    app: a,
    runtime,
    config: cfg,
    httpUrl,
    close: () => {
      closing ??= (async () => {
        await a.close().catch((e) => log.warn({ error: String(e) }, "nest close failed"));
        await runtime.stop();
        await n.close().catch(() => {});
        log.info("service stopped");
        log.flush();
      })();
      return closing;
    },
  };
  log.info(
    { chainId: runtime.chainId, name: runtime.name, http: httpUrl, p2p: runtime.p2p.multiaddrs },
    "service ready",
  );
  return service;
}

/** Formats a boot failure for humans: coded errors as `error [CODE]: message` plus their issues. */
export function describeError(e: unknown): string {
  if (isLedgerError(e)) {
    const issues = (e.meta as { issues?: Array<{ path: string; message: string }> }).issues;
    const more =
      issues === undefined ? "" : issues.map((i) => `\n  - ${i.path || "(root)"}: ${i.message}`).join("");
    return `error [${e.code}]: ${e.message}${more}`;
  }
  return `error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}

function argValue(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

/** Entry of the apps: `--config <node.json>` (or TANDEM_CONFIG); SIGINT/SIGTERM stop it cleanly. */
export async function main(profile: Profile, argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      `usage: ${profile}-chain --config <node.json>\n\nRuns one ${profile} chain node: libp2p to its peers, NATS RPC (tandem.<chain>.rpc.*),\nthe JetStream block stream, and HTTP /health and /metrics.\nEnvironment: TANDEM_CONFIG, TANDEM_DATA_DIR, TANDEM_NATS_URL, TANDEM_HTTP_PORT, TANDEM_LOG_LEVEL.\n`,
    );
    return;
  }
  const configPath = argValue(argv, "--config") ?? process.env.TANDEM_CONFIG;
  const profilePath = process.env.TANDEM_CPU_PROFILE;
  const profiler = profilePath ? await startCpuProfile(profilePath) : undefined;
  let service: ChainService;
  try {
    service = await runChainService({
      ...(configPath === undefined ? {} : { configPath }),
      profile,
      onFatal: () => {
        process.exitCode = 1;
      },
    });
  } catch (e) {
    process.stderr.write(`${describeError(e)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(
    `${JSON.stringify({ ready: true, chainId: service.runtime.chainId, name: service.runtime.name, http: service.httpUrl, p2p: service.runtime.p2p.multiaddrs })}\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void service
      .close()
      .then(() => profiler?.stop())
      .then(
        () => process.exit(process.exitCode ?? 0),
        (e) => {
          process.stderr.write(`error while stopping on ${signal}: ${String(e)}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}
