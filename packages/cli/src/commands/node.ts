/**
 * `tandem node init` writes a node's config (`<dir>/node.json`, checked by the node's own schema) after
 * checking its key and genesis files; `tandem node start` runs the chain service in the foreground.
 */
import { mkdir } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  loadNodeConfig,
  type NodeConfigInput,
  PROFILES,
  parseNodeConfig,
  profileDefaults,
  readGenesisFile,
  readNodeKeyFile,
} from "@tandem/chain-runtime";
import { CliError, CliErrorCode, invalidArgument } from "../errors.js";
import { ioError, writeNewFile } from "../files.js";
import { formatFields, type Output, printJson } from "../output.js";
import { listOption, parseIntOption } from "../parse.js";

export interface NodeInitOptions {
  profile?: string;
  dir?: string;
  key?: string;
  genesis?: string;
  listen?: string[];
  bootstrap?: string[];
  nats?: string[];
  httpPort?: string | number;
  name?: string;
  force?: boolean;
  json?: boolean;
}

export interface NodeInitResult {
  readonly configPath: string;
  readonly config: NodeConfigInput;
  readonly chainId: string;
  readonly peerId: string;
  readonly validator: boolean;
}

/** `p` as written into the config: relative to `dir` when it lives under it, else absolute. */
function configPath(dir: string, p: string): string {
  const abs = resolve(p);
  const rel = relative(dir, abs);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : abs;
}

export async function nodeInit(opts: NodeInitOptions, o: Output): Promise<NodeInitResult> {
  const profile = opts.profile;
  if (profile === undefined || !(PROFILES as readonly string[]).includes(profile)) {
    throw invalidArgument(`--profile must be one of ${PROFILES.join(", ")}`, { option: "--profile" });
  }
  for (const [opt, v] of [
    ["--dir", opts.dir],
    ["--key", opts.key],
    ["--genesis", opts.genesis],
  ] as const) {
    if (v === undefined || v === "") throw invalidArgument(`${opt} is required`, { option: opt });
  }
  const dir = resolve(opts.dir as string);
  const keyPath = resolve(opts.key as string);
  const genesisPath = resolve(opts.genesis as string);
  const key = await readNodeKeyFile(keyPath);
  const chain = await readGenesisFile(genesisPath);
  const validator = chain.validatorPeerIds.includes(key.p2p.peerId);
  const listen = listOption(opts.listen);
  const bootstrap = listOption(opts.bootstrap);
  const nats = listOption(opts.nats);
  const input: NodeConfigInput = {
    profile: profile as NodeConfigInput["profile"],
    ...(opts.name === undefined ? {} : { name: opts.name }),
    dataDir: "data",
    keyFile: configPath(dir, keyPath),
    genesisFile: configPath(dir, genesisPath),
    p2p: {
      listen: listen.length > 0 ? listen : profileDefaults[profile as NodeConfigInput["profile"]].listen,
      ...(bootstrap.length > 0 ? { bootstrap } : {}),
    },
    nats: { servers: nats.length > 0 ? nats : ["nats://127.0.0.1:4222"] },
    http: {
      host: "127.0.0.1",
      port: opts.httpPort === undefined ? 0 : parseIntOption(opts.httpPort, "--http-port", { max: 65_535 }),
    },
  };
  // The node's own schema (CONFIG_INVALID with the offending field).
  parseNodeConfig(input, { baseDir: dir, source: "the new node config" });
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw ioError(`cannot create ${dir}`, dir, e);
  });
  const path = join(dir, "node.json");
  await writeNewFile(path, `${JSON.stringify(input, null, 2)}\n`, {
    mode: 0o644,
    force: opts.force === true,
  });
  o.err(`wrote ${path}`);
  if (!validator) {
    o.err(
      `note: peer ${key.p2p.peerId} is not a validator of ${chain.genesis.chainId}; the node will follow the chain`,
    );
  }
  const result: NodeInitResult = {
    configPath: path,
    config: input,
    chainId: chain.genesis.chainId,
    peerId: key.p2p.peerId,
    validator,
  };
  if (opts.json === true) printJson(o, result);
  else {
    for (const line of formatFields([
      ["config", path],
      ["chain", chain.genesis.chainId],
      ["profile", profile],
      ["peer id", key.p2p.peerId],
      ["role", validator ? "validator" : "full node"],
      ["listen", (input.p2p?.listen ?? []).join(", ")],
      ["nats", (input.nats?.servers ?? []).join(", ")],
    ]))
      o.out(line);
    o.out("");
    o.out(`start it with: tandem node start --config ${path}`);
  }
  return result;
}

export interface NodeStartOptions {
  config?: string;
}

/** A running chain service, as @tandem/nest-common's `runChainService` returns it. */
export interface RunningService {
  /** `http://host:port` of /health and /metrics. */
  readonly httpUrl?: string;
  close(): Promise<void>;
}

export type RunChainService = (opts: {
  configPath: string;
  /** Called when the node stops on its own (the service has closed itself). */
  onFatal?: (error: unknown) => void;
}) => Promise<RunningService>;

async function loadRunChainService(): Promise<RunChainService> {
  // Loaded on demand: the other commands never pay for Nest. A variable keeps tsc from resolving it.
  const specifier = "@tandem/nest-common";
  let mod: { runChainService?: RunChainService };
  try {
    mod = (await import(specifier)) as { runChainService?: RunChainService };
  } catch (e) {
    throw new CliError(
      CliErrorCode.SERVICE_UNAVAILABLE,
      `cannot load the chain service (${specifier}): ${(e as Error).message}`,
      {},
      { cause: e },
    );
  }
  if (typeof mod.runChainService !== "function") {
    throw new CliError(CliErrorCode.SERVICE_UNAVAILABLE, `${specifier} does not export runChainService`);
  }
  return mod.runChainService;
}

/**
 * Runs the chain service until `signal` aborts (main wires SIGINT/SIGTERM to it), then closes it. The
 * config is validated first so a bad file fails fast with CONFIG_INVALID.
 */
export async function nodeStart(
  opts: NodeStartOptions,
  o: Output,
  deps: { signal: AbortSignal; runChainService?: RunChainService },
): Promise<void> {
  if (opts.config === undefined || opts.config === "") {
    throw invalidArgument("--config <node.json> is required", { option: "--config" });
  }
  const configPath = resolve(opts.config);
  const config = await loadNodeConfig(configPath, { env: process.env });
  const run = deps.runChainService ?? (await loadRunChainService());
  o.err(`starting ${config.profile} node from ${opts.config} (data in ${config.dataDir})…`);
  if (deps.signal.aborted) return;
  let fatal: ((e: unknown) => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    fatal = reject;
  });
  died.catch(() => {});
  const service = await run({ configPath, onFatal: (e) => fatal?.(e) });
  o.err(
    `node running${service.httpUrl === undefined ? "" : `; health and metrics on ${service.httpUrl}`}; Ctrl-C to stop`,
  );
  const stopped = new Promise<void>((done) => {
    if (deps.signal.aborted) done();
    else deps.signal.addEventListener("abort", () => done(), { once: true });
  });
  try {
    await Promise.race([stopped, died]);
  } catch (e) {
    throw new CliError(
      CliErrorCode.NODE_FATAL,
      `the node stopped on its own: ${e instanceof Error ? e.message : String(e)}`,
      {},
      { cause: e },
    );
  }
  o.err("stopping…");
  await service.close();
  o.err("stopped");
}
