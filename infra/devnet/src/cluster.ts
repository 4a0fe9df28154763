/**
 * A local multi-process Tandem system: N enterprise validators and M home nodes, each its own
 * `node` process running the real service (apps/*-chain) on LMDB in its own data dir, peering over
 * libp2p TCP on loopback, serving NATS RPC. The layout (keys, genesis files, configs, ports, funded
 * accounts) is written once under `dir` and reused by later runs, so a restarted devnet continues its
 * chains. Used by the devnet command, the process e2e tests and the service bench.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildGenesisFile,
  generateNodeKey,
  type NodeConfigInput,
  nodePublicInfo,
  type Profile,
  parseGenesis,
  writeNodeKeyFile,
} from "@tandem/chain-runtime";
import { bytesToHex, ed25519, hexToBytes } from "@tandem/crypto";
import {
  accountAddress,
  encodeTx,
  type HashName,
  hashSuite,
  signTx,
  type TransferPayload,
} from "@tandem/ledger";
import { freePort } from "@tandem/test-utils";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

const APP_MAIN: Record<Profile, string> = {
  enterprise: join(REPO_ROOT, "apps/enterprise-chain/src/main.ts"),
  home: join(REPO_ROOT, "apps/home-chain/src/main.ts"),
};

export interface ClusterAccount {
  readonly secretKey: string;
  readonly publicKey: string;
  readonly address: string;
}

export interface ClusterChain {
  readonly chainId: string;
  readonly profile: Profile;
  readonly hashSuite: HashName;
  readonly denom: string;
  readonly genesisPath: string;
  readonly accounts: readonly ClusterAccount[];
}

export interface ClusterNodeLayout {
  readonly name: string;
  readonly chainId: string;
  readonly profile: Profile;
  readonly dir: string;
  readonly configPath: string;
  readonly keyPath: string;
  readonly logPath: string;
  readonly p2pPort: number;
  readonly httpPort: number;
  readonly peerId: string;
}

export interface ClusterLayout {
  readonly version: 1;
  readonly chains: readonly ClusterChain[];
  readonly nodes: readonly ClusterNodeLayout[];
}

export interface ClusterOptions {
  /** Where keys, genesis, configs, data and logs live (reused when it holds a layout). */
  dir: string;
  /** NATS servers the nodes use (the devnet's own nats-server). */
  natsServers: readonly string[];
  enterpriseValidators?: number;
  homeNodes?: number;
  enterpriseChainId?: string;
  /** Funded accounts per chain. */
  accounts?: number;
  /** Consensus/block tuning written into every node's config. */
  tuning?: NodeConfigInput["tuning"];
  logLevel?: "info" | "debug" | "warn";
  /** Peer ids every node lets in besides its chain's validators (e.g. a test's probe peer). */
  extraAllowlist?: readonly string[];
}

/** A running (or stopped) node process. */
export interface ClusterProcess {
  readonly layout: ClusterNodeLayout;
  child: ChildProcess | undefined;
  exited: Promise<number | null> | undefined;
  /** What the service printed when ready. */
  ready: { http: string; p2p: string[] } | undefined;
  starts: number;
}

function loadLayout(dir: string): ClusterLayout | undefined {
  const p = join(dir, "cluster.json");
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, "utf8")) as ClusterLayout;
}

function newAccount(hash: HashName): ClusterAccount {
  const { secretKey, publicKey } = ed25519.keygen(new Uint8Array(randomBytes(32)));
  return {
    secretKey: bytesToHex(secretKey),
    publicKey: bytesToHex(publicKey),
    address: bytesToHex(accountAddress("ed25519", publicKey, hashSuite(hash))),
  };
}

async function createLayout(o: ClusterOptions): Promise<ClusterLayout> {
  const dir = resolve(o.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const chains: ClusterChain[] = [];
  const nodes: ClusterNodeLayout[] = [];
  const specs: Array<{
    profile: Profile;
    chainId: string;
    hashSuite: HashName;
    count: number;
    prefix: string;
  }> = [
    {
      profile: "enterprise",
      chainId: o.enterpriseChainId ?? "tandem:acme",
      hashSuite: "sha256",
      count: o.enterpriseValidators ?? 4,
      prefix: "acme",
    },
  ];
  const homeCount = o.homeNodes ?? 1;
  if (homeCount > 0) {
    // A home chain's id carries a random tag, as a hub would pick at first boot; SM3 as its hash suite.
    specs.push({
      profile: "home",
      chainId: `tandem:home-${randomBytes(2).toString("hex")}`,
      hashSuite: "sm3",
      count: homeCount,
      prefix: "home",
    });
  }
  for (const s of specs) {
    const chainDir = join(dir, s.prefix);
    mkdirSync(chainDir, { recursive: true, mode: 0o700 });
    const denom = `${s.chainId}/native:credit`;
    const accounts = Array.from({ length: o.accounts ?? 16 }, () => newAccount(s.hashSuite));
    const members: Array<{
      name: string;
      keyPath: string;
      info: ReturnType<typeof nodePublicInfo>;
      p2pPort: number;
      httpPort: number;
    }> = [];
    for (let i = 0; i < s.count; i++) {
      const name = `${s.prefix}-${i}`;
      const nodeDir = join(chainDir, name);
      mkdirSync(nodeDir, { recursive: true, mode: 0o700 });
      const key = await generateNodeKey();
      const keyPath = join(nodeDir, "key.json");
      await writeNodeKeyFile(keyPath, key, { overwrite: true });
      members.push({
        name,
        keyPath,
        info: nodePublicInfo(key),
        p2pPort: await freePort(),
        httpPort: await freePort(),
      });
    }
    const genesisPath = join(chainDir, "genesis.json");
    const genesis = buildGenesisFile({
      chainId: s.chainId,
      hashSuite: s.hashSuite,
      validators: members.map((m) => ({ ...m.info, name: m.name })),
      denoms: [denom],
      balances: accounts.map((a) => ({ address: a.address, denom, amount: 10n ** 18n })),
    });
    await parseGenesis(genesis, genesisPath); // the cluster never writes a genesis a node would refuse
    await writeFile(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`);
    chains.push({
      chainId: s.chainId,
      profile: s.profile,
      hashSuite: s.hashSuite,
      denom,
      genesisPath,
      accounts,
    });
    for (const m of members) {
      const nodeDir = join(chainDir, m.name);
      const configPath = join(nodeDir, "node.json");
      const logPath = join(dir, "logs", `${m.name}.log`);
      const config: NodeConfigInput = {
        profile: s.profile,
        name: m.name,
        dataDir: join(nodeDir, "data"),
        keyFile: m.keyPath,
        genesisFile: genesisPath,
        p2p: {
          listen: [`/ip4/127.0.0.1/tcp/${m.p2pPort}`],
          bootstrap: members
            .filter((x) => x !== m)
            .map((x) => `/ip4/127.0.0.1/tcp/${x.p2pPort}/p2p/${x.info.peerId}`),
          // Loopback devnet: seeds instead of mDNS, even for the home chain.
          mdns: false,
          ...(o.extraAllowlist === undefined ? {} : { allowlist: [...o.extraAllowlist] }),
        },
        nats: { servers: [...o.natsServers] },
        http: { host: "127.0.0.1", port: m.httpPort },
        log: { level: o.logLevel ?? "info", file: logPath },
        tuning: o.tuning ?? {},
      };
      await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);
      nodes.push({
        name: m.name,
        chainId: s.chainId,
        profile: s.profile,
        dir: nodeDir,
        configPath,
        keyPath: m.keyPath,
        logPath,
        p2pPort: m.p2pPort,
        httpPort: m.httpPort,
        peerId: m.info.peerId,
      });
    }
  }
  const layout: ClusterLayout = { version: 1, chains, nodes };
  writeFileSync(join(dir, "cluster.json"), `${JSON.stringify(layout, null, 2)}\n`, { mode: 0o600 });
  return layout;
}

/** Rewrites every node config's NATS servers (a devnet whose NATS port changed between runs). */
function pointConfigsAt(layout: ClusterLayout, natsServers: readonly string[]): void {
  for (const n of layout.nodes) {
    const cfg = JSON.parse(readFileSync(n.configPath, "utf8")) as NodeConfigInput;
    cfg.nats = { ...(cfg.nats ?? {}), servers: [...natsServers] };
    writeFileSync(n.configPath, `${JSON.stringify(cfg, null, 2)}\n`);
  }
}

export class Cluster {
  readonly processes = new Map<string, ClusterProcess>();

  private constructor(
    readonly dir: string,
    readonly layout: ClusterLayout,
    readonly reused: boolean,
  ) {
    for (const n of layout.nodes)
      this.processes.set(n.name, {
        layout: n,
        child: undefined,
        exited: undefined,
        ready: undefined,
        starts: 0,
      });
  }

  /** Opens the layout under `opts.dir`, creating it on first use. */
  static async open(opts: ClusterOptions): Promise<Cluster> {
    const dir = resolve(opts.dir);
    const existing = loadLayout(dir);
    const layout = existing ?? (await createLayout(opts));
    if (existing !== undefined) pointConfigsAt(existing, opts.natsServers);
    mkdirSync(join(dir, "logs"), { recursive: true });
    return new Cluster(dir, layout, existing !== undefined);
  }

  chain(profile: Profile): ClusterChain {
    const c = this.layout.chains.find((x) => x.profile === profile);
    if (c === undefined) throw new Error(`no ${profile} chain in this cluster`);
    return c;
  }

  nodesOf(chainId: string): ClusterNodeLayout[] {
    return this.layout.nodes.filter((n) => n.chainId === chainId);
  }

  proc(name: string): ClusterProcess {
    const p = this.processes.get(name);
    if (p === undefined) throw new Error(`no node ${name}`);
    return p;
  }

  isRunning(name: string): boolean {
    const p = this.proc(name);
    return p.child !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  }

  /** Spawns a node's service and waits for its ready line (or its exit, which rejects). */
  async start(
    name: string,
    opts: { timeoutMs?: number; execArgv?: readonly string[]; env?: Record<string, string> } = {},
  ): Promise<ClusterProcess> {
    const p = this.proc(name);
    if (this.isRunning(name)) return p;
    const n = p.layout;
    const err = createWriteStream(`${n.logPath}.stderr`, { flags: "a" });
    const child = spawn(
      process.execPath,
      ["--conditions=@tandem/source", "--import", "tsx", APP_MAIN[n.profile], "--config", n.configPath],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
        // tsx compiles the services with the repo tsconfig (legacy decorators for Nest).
        env: {
          ...process.env,
          NODE_ENV: "production",
          TSX_TSCONFIG_PATH: join(REPO_ROOT, "tsconfig.json"),
          ...opts.env,
        },
      },
    );
    p.child = child;
    p.ready = undefined;
    p.starts++;
    child.stderr?.pipe(err);
    p.exited = new Promise((res) => child.once("exit", (code) => res(code)));
    const timeoutMs = opts.timeoutMs ?? 180_000;
    await new Promise<void>((res, rej) => {
      let buf = "";
      const timer = setTimeout(
        () => rej(new Error(`${name} not ready after ${timeoutMs} ms; see ${n.logPath}(.stderr)`)),
        timeoutMs,
      );
      child.stdout?.on("data", (d: Buffer) => {
        buf += d.toString("utf8");
        for (;;) {
          const nl = buf.indexOf("\n");
          if (nl < 0) break;
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const msg = JSON.parse(line) as { ready?: boolean; http: string; p2p: string[] };
            if (msg.ready === true) {
              p.ready = { http: msg.http, p2p: msg.p2p };
              clearTimeout(timer);
              res();
            }
          } catch {
            // not the ready line
          }
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        rej(
          new Error(
            `${name} exited before it was ready (code ${code}, signal ${signal}); see ${n.logPath}.stderr`,
          ),
        );
      });
    });
    return p;
  }

  async startAll(
    names: readonly string[] = this.layout.nodes.map((n) => n.name),
    env?: (name: string) => Record<string, string>,
  ): Promise<void> {
    await Promise.all(names.map((n) => this.start(n, env === undefined ? {} : { env: env(n) })));
  }

  /** `kill -9`: no shutdown path runs. */
  async kill(name: string): Promise<void> {
    const p = this.proc(name);
    if (!this.isRunning(name)) return;
    p.child?.kill("SIGKILL");
    await p.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code (null when killed). */
  async stop(name: string, graceMs = 15_000): Promise<number | null> {
    const p = this.proc(name);
    if (!this.isRunning(name)) return p.child?.exitCode ?? null;
    p.child?.kill("SIGTERM");
    const timer = setTimeout(() => p.child?.kill("SIGKILL"), graceMs);
    const code = await p.exited;
    clearTimeout(timer);
    return code ?? null;
  }

  async stopAll(graceMs?: number): Promise<void> {
    await Promise.all([...this.processes.keys()].map((n) => this.stop(n, graceMs)));
  }

  pids(): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = {};
    for (const [name, p] of this.processes) out[name] = this.isRunning(name) ? p.child?.pid : undefined;
    return out;
  }
}

/** A signed transfer of `amount` of the chain's denom from `from` to `to` (20-byte hex address). */
export function transferTx(
  chain: ClusterChain,
  from: ClusterAccount,
  to: string,
  amount: bigint,
  nonce: number,
  memo = "",
): Uint8Array {
  const tx = signTx(
    {
      chainId: chain.chainId,
      kind: "transfer",
      nonce,
      expiryHeight: 0,
      payload: { to: hexToBytes(to), amount, denom: chain.denom, memo } satisfies TransferPayload,
    },
    hexToBytes(from.secretKey),
    "ed25519",
    { hash: hashSuite(chain.hashSuite) },
  );
  return encodeTx(tx);
}
