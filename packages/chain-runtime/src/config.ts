/**
 * The typed config of one chain node service, validated at boot. A node is described by one JSON file
 * (what `tandem node init` writes), then overridden by `TANDEM_*` environment variables and command-line
 * flags. Relative paths are resolved against the config file's directory. The two services differ by
 * `profile` (defaults below), not by code.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { type ConfigIssue, RuntimeError, RuntimeErrorCode } from "./errors.js";

export const PROFILES = ["enterprise", "home"] as const;
export type Profile = (typeof PROFILES)[number];

const multiaddr = z
  .string()
  .regex(/^\/(ip4|ip6|dns|dns4|dns6)\//, "a multiaddr such as /ip4/127.0.0.1/tcp/26656");
const natsUrl = z
  .string()
  .regex(/^(nats|tls|ws|wss):\/\/[^\s]+$/, "a NATS url such as nats://127.0.0.1:4222");
const ms = z.number().int().min(1).max(600_000);

export const nodeConfigSchema = z.strictObject({
  profile: z.enum(PROFILES),
  /** A name for logs and the status table (default: the key's peer id). */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, "1–32 letters, digits, '-' or '_' (it is a NATS subject token)")
    .optional(),
  /** LMDB lives in `<dataDir>/chain`; the node's lock file in `<dataDir>/node.pid`. */
  dataDir: z.string().min(1),
  keyFile: z.string().min(1),
  genesisFile: z.string().min(1),
  /** Run without the validator key's vote signer (a full node following the chain). */
  validator: z.boolean().optional(),
  p2p: z
    .strictObject({
      listen: z.array(multiaddr).min(1).optional(),
      announce: z.array(multiaddr).optional(),
      /** Seeds: multiaddrs ending in /p2p/<peerId>. */
      bootstrap: z.array(multiaddr).optional(),
      /**
       * Peer ids allowed to connect, in addition to the genesis validators'. `open: true` lets anyone in
       * (never the enterprise default).
       */
      allowlist: z.array(z.string().min(1)).optional(),
      open: z.boolean().optional(),
      /** mDNS discovery on the LAN (home profile default). */
      mdns: z.boolean().optional(),
      maxMessageBytes: z
        .number()
        .int()
        .min(1024)
        .max(3 * 1024 * 1024)
        .optional(),
    })
    .default({}),
  nats: z
    .strictObject({
      servers: z.array(natsUrl).min(1).default(["nats://127.0.0.1:4222"]),
      /** Serve `tandem.<chain>.rpc.*`. */
      rpc: z.boolean().default(true),
      /** Publish committed blocks to the chain's JetStream stream. */
      publishBlocks: z.boolean().default(true),
    })
    .default({ servers: ["nats://127.0.0.1:4222"], rpc: true, publishBlocks: true }),
  http: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      /** 0 = any free port (printed at boot). */
      port: z.number().int().min(0).max(65_535).default(0),
    })
    .default({ host: "127.0.0.1", port: 0 }),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      /** Log file (default: stdout). */
      file: z.string().min(1).optional(),
    })
    .default({ level: "info" }),
  /** Consensus and block tuning; the profile's defaults otherwise. */
  tuning: z
    .strictObject({
      timeoutProposeMs: ms.optional(),
      timeoutPrevoteMs: ms.optional(),
      timeoutPrecommitMs: ms.optional(),
      emptyBlockWaitMs: z.number().int().min(0).max(600_000).optional(),
      maxBlockTxs: z.number().int().min(1).max(100_000).optional(),
      mempoolMaxTxs: z.number().int().min(1).max(1_000_000).optional(),
      verifyWorkers: z.number().int().min(0).max(16).optional(),
    })
    .default({}),
});

export type NodeConfigInput = z.input<typeof nodeConfigSchema>;
export type NodeConfig = z.output<typeof nodeConfigSchema>;

/** Profile defaults for whatever the config leaves out. */
export const profileDefaults: Record<
  Profile,
  {
    listen: string[];
    mdns: boolean;
    timeoutProposeMs: number;
    timeoutPrevoteMs: number;
    timeoutPrecommitMs: number;
    emptyBlockWaitMs: number;
  }
> = {
  // A consortium of servers on a WAN: room for slower links.
  enterprise: {
    listen: ["/ip4/0.0.0.0/tcp/26656"],
    mdns: false,
    timeoutProposeMs: 3000,
    timeoutPrevoteMs: 1000,
    timeoutPrecommitMs: 1000,
    emptyBlockWaitMs: 1000,
  },
  // A hub and maybe a spare or two on one LAN: short timeouts, mDNS discovery.
  home: {
    listen: ["/ip4/0.0.0.0/tcp/26756"],
    mdns: true,
    timeoutProposeMs: 1500,
    timeoutPrevoteMs: 500,
    timeoutPrecommitMs: 500,
    emptyBlockWaitMs: 2000,
  },
};

function issuesOf(e: z.ZodError): ConfigIssue[] {
  return e.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

function configError(source: string, issues: ConfigIssue[]): RuntimeError {
  const first = issues[0];
  return new RuntimeError(
    RuntimeErrorCode.CONFIG_INVALID,
    `invalid node config (${source}): ${first === undefined ? "" : `${first.path || "(root)"}: ${first.message}`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`,
    { source, issues },
  );
}

/** Validates a config object; paths are resolved against `baseDir`. */
export function parseNodeConfig(
  input: unknown,
  opts: { baseDir?: string; source?: string } = {},
): NodeConfig {
  const r = nodeConfigSchema.safeParse(input);
  if (!r.success) throw configError(opts.source ?? "config", issuesOf(r.error));
  const c = r.data;
  const base = opts.baseDir ?? process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...c,
    dataDir: abs(c.dataDir),
    keyFile: abs(c.keyFile),
    genesisFile: abs(c.genesisFile),
    log: c.log.file === undefined ? c.log : { ...c.log, file: abs(c.log.file) },
  };
}

/** Environment overrides: TANDEM_DATA_DIR, TANDEM_NATS_URL (comma-separated), TANDEM_HTTP_PORT, TANDEM_LOG_LEVEL. */
export function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (env.TANDEM_DATA_DIR) o.dataDir = env.TANDEM_DATA_DIR;
  if (env.TANDEM_NATS_URL) o.nats = { servers: env.TANDEM_NATS_URL.split(",").map((s) => s.trim()) };
  if (env.TANDEM_HTTP_PORT) o.http = { port: Number(env.TANDEM_HTTP_PORT) };
  if (env.TANDEM_LOG_LEVEL) o.log = { level: env.TANDEM_LOG_LEVEL };
  return o;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep-merges plain objects (arrays and scalars of `over` replace). */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = mergeConfig(base[k], v);
  return out;
}

/** Reads a JSON config file, applies env and explicit overrides, validates. */
export async function loadNodeConfig(
  path: string,
  opts: { env?: NodeJS.ProcessEnv; overrides?: Record<string, unknown> } = {},
): Promise<NodeConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw configError(path, [{ path: "", message: `cannot read: ${(e as Error).message}` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw configError(path, [{ path: "", message: "not JSON" }]);
  }
  const merged = mergeConfig(mergeConfig(json, envOverrides(opts.env ?? {})), opts.overrides ?? {});
  return parseNodeConfig(merged, { baseDir: dirname(resolve(path)), source: path });
}
