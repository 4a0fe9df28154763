/**
 * The local Tandem system: NATS (JetStream) and Redis from the Debian binaries on their own loopback
 * ports and data dirs, 4 enterprise validators and 1 home node as separate processes (the real
 * services), a trickle of demo transfers on both chains over NATS, and a relay-style check in bullmq
 * that verifies every committed block's commit from the JetStream stream as a light client. A live
 * status table shows heights and peers; Ctrl-C stops everything it started, by pid. State lives in
 * .devnet/ and a second run continues the chains (`--reset` starts over).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { freePort, MissingBinaryError, NatsServer, RedisServer } from "@tandem/test-utils";
import { Cluster, REPO_ROOT } from "./cluster.js";
import { CommitVerifier } from "./commit-verifier.js";
import { nodeCall } from "./rpc.js";
import { DemoTraffic } from "./traffic.js";

interface Flags {
  reset: boolean;
  once: boolean;
  dir: string;
  validators: number;
  home: number;
  txRate: number;
}

const USAGE = `usage: devnet [--reset] [--once] [--dir DIR] [--validators N] [--home N] [--tx-rate N]

  --reset          wipe the devnet's state first (new keys, new chains)
  --once           run until both chains committed demo transfers and verified commits, then stop
  --dir DIR        state directory (default .devnet in the repo)
  --validators N   enterprise validators on a new devnet (default 4)
  --home N         home chain nodes on a new devnet (default 1)
  --tx-rate N      demo transfers per second per chain (default 2; 0 = none)`;

function parseFlags(argv: string[]): Flags {
  const f: Flags = {
    reset: false,
    once: false,
    dir: join(REPO_ROOT, ".devnet"),
    validators: 4,
    home: 1,
    txRate: 2,
  };
  const num = (v: string | undefined, name: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`devnet: ${name} needs a whole number (try --help)`);
      process.exit(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") continue;
    if (a === "--reset") f.reset = true;
    else if (a === "--once") f.once = true;
    else if (a === "--dir") f.dir = resolve(argv[++i] ?? "");
    else if (a === "--validators") f.validators = Math.max(1, num(argv[++i], a));
    else if (a === "--home") f.home = num(argv[++i], a);
    else if (a === "--tx-rate") f.txRate = num(argv[++i], a);
    else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`devnet: unknown option ${a} (try --help)`);
      process.exit(2);
    }
  }
  return f;
}

interface Services {
  natsPort: number;
  redisPort: number;
}

/** Ports are kept between runs so node configs stay valid. */
async function servicePorts(dir: string): Promise<Services> {
  const p = join(dir, "services.json");
  if (existsSync(p)) return JSON.parse(readFileSync(p, "utf8")) as Services;
  const s = { natsPort: await freePort(), redisPort: await freePort() };
  writeFileSync(p, `${JSON.stringify(s, null, 2)}\n`);
  return s;
}

/** Processes a previous run left behind (it was killed without its Ctrl-C path): stop them first. */
function stopLeftovers(dir: string): void {
  const p = join(dir, "pids.json");
  if (!existsSync(p)) return;
  const pids = JSON.parse(readFileSync(p, "utf8")) as Record<string, number>;
  for (const [name, pid] of Object.entries(pids)) {
    try {
      process.kill(pid, 0);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(dir) || cmd.includes("tandem")) {
        console.log(`devnet: stopping ${name} (pid ${pid}) left by an earlier run`);
        process.kill(pid, "SIGKILL");
      }
    } catch {
      // gone already
    }
  }
  rmSync(p, { force: true });
}

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + " ".repeat(n - s.length);
}

async function statusRows(cluster: Cluster, nc: NatsConnection): Promise<string[][]> {
  return Promise.all(
    cluster.layout.nodes.map(async (n) => {
      const pid = cluster.pids()[n.name];
      try {
        const s = await nodeCall(nc, n.chainId, n.name, "getStatus", {}, 1500);
        return [
          n.chainId,
          n.name,
          String(pid ?? "-"),
          String(s.height),
          s.headHash.slice(0, 12),
          String(s.peers),
          s.mode,
          String(s.mempool.size),
        ];
      } catch {
        return [
          n.chainId,
          n.name,
          String(pid ?? "-"),
          "?",
          "",
          "",
          pid === undefined ? "stopped" : "no answer",
          "",
        ];
      }
    }),
  );
}

function renderTable(rows: string[][], extra: string[]): string {
  const head = ["chain", "node", "pid", "height", "head", "peers", "mode", "mempool"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i] ?? 0)).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line), ...extra].join("\n");
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.reset && existsSync(flags.dir)) rmSync(flags.dir, { recursive: true, force: true });
  mkdirSync(flags.dir, { recursive: true });
  stopLeftovers(flags.dir);

  let nats: NatsServer | undefined;
  let redis: RedisServer | undefined;
  let cluster: Cluster | undefined;
  let nc: NatsConnection | undefined;
  let traffic: DemoTraffic | undefined;
  let verifier: CommitVerifier | undefined;
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (ticker !== undefined) clearInterval(ticker);
    console.log("\ndevnet: stopping node processes, nats-server and redis-server…");
    traffic?.stop();
    await verifier?.close().catch(() => {});
    await nc?.close().catch(() => {});
    await cluster?.stopAll(10_000);
    await Promise.allSettled([nats?.stop(), redis?.stop()]);
    rmSync(join(flags.dir, "pids.json"), { force: true });
    console.log("devnet: stopped.");
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  const ports = await servicePorts(flags.dir);
  try {
    nats = await NatsServer.start({ dataDir: join(flags.dir, "nats"), port: ports.natsPort });
    redis = await RedisServer.start({
      dataDir: join(flags.dir, "redis"),
      port: ports.redisPort,
      persistent: true,
    });
  } catch (err) {
    if (err instanceof MissingBinaryError) {
      console.error(`devnet: ${err.message}`);
      console.error("devnet: install them with: sudo apt-get install -y nats-server redis-server");
      process.exit(1);
    }
    throw err;
  }
  cluster = await Cluster.open({
    dir: join(flags.dir, "chains"),
    natsServers: [nats.url],
    enterpriseValidators: flags.validators,
    homeNodes: flags.home,
  });
  console.log(
    `Tandem devnet (${cluster.reused ? "continuing the chains in" : "new chains in"} ${flags.dir})`,
  );
  console.log(`  nats-server (JetStream)  pid ${nats.pid}  ${nats.url}  data ${join(flags.dir, "nats")}`);
  console.log(`  redis-server             pid ${redis.pid}  ${redis.url}  data ${join(flags.dir, "redis")}`);
  for (const c of cluster.layout.chains)
    console.log(`  chain ${c.chainId} (${c.profile}, ${c.hashSuite}); genesis ${c.genesisPath}`);
  console.log(`starting ${cluster.layout.nodes.length} node processes…`);
  try {
    await cluster.startAll();
  } catch (err) {
    console.error(`devnet: ${(err as Error).message}`);
    await stopAll(1);
    return;
  }
  writeFileSync(join(flags.dir, "pids.json"), `${JSON.stringify(cluster.pids(), null, 2)}\n`);
  for (const n of cluster.layout.nodes) {
    const p = cluster.proc(n.name);
    console.log(
      `  ${pad(n.name, 8)} pid ${p.child?.pid}  http ${p.ready?.http}  p2p ${p.ready?.p2p[0] ?? ""}  log ${n.logPath}`,
    );
  }
  const endpoints = {
    nats: nats.url,
    redis: redis.url,
    chains: cluster.layout.chains.map((c) => c.chainId),
    dataDir: flags.dir,
  };
  writeFileSync(join(flags.dir, "endpoints.json"), `${JSON.stringify(endpoints, null, 2)}\n`);

  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 500, name: "devnet" });
  traffic = new DemoTraffic(nc, cluster.layout.chains, flags.txRate);
  verifier = await CommitVerifier.start({
    nc,
    redisHost: redis.host,
    redisPort: redis.port,
    chains: cluster.layout.chains,
  });
  traffic.start();

  const startHeights = new Map<string, number>();
  const started = Date.now();
  const tty = process.stdout.isTTY === true;
  const tick = async () => {
    if (stopping || cluster === undefined || nc === undefined) return;
    const rows = await statusRows(cluster, nc);
    const extra = cluster.layout.chains.map((c) => {
      const t = traffic?.stats(c.chainId);
      const v = verifier?.stats(c.chainId);
      return `${c.chainId}: demo transfers sent ${t?.sent ?? 0}, committed ${t?.committed ?? 0}, rejected ${t?.rejected ?? 0}; commits verified by the bullmq light-client job ${v?.verified ?? 0} (invalid ${v?.invalid ?? 0}, last height ${v?.lastHeight ?? "-"})`;
    });
    const table = renderTable(rows, [
      "",
      ...extra,
      "",
      `logs: ${join(flags.dir, "chains", "logs")}   Ctrl-C stops everything.`,
    ]);
    if (tty) process.stdout.write(`\x1b[2J\x1b[H${table}\n`);
    else console.log(`${table}\n`);
    for (const r of rows) {
      const h = Number(r[3]);
      if (Number.isFinite(h) && !startHeights.has(r[1] ?? "")) startHeights.set(r[1] ?? "", h);
    }
    if (flags.once) {
      const done = cluster.layout.chains.every((c) => {
        const heights = rows.filter((r) => r[0] === c.chainId).map((r) => Number(r[3]));
        const minH = Math.min(...heights);
        const t = traffic?.stats(c.chainId);
        const v = verifier?.stats(c.chainId);
        return (
          Number.isFinite(minH) &&
          minH >= 3 &&
          (flags.txRate === 0 || (t?.committed ?? 0) > 0) &&
          (v?.verified ?? 0) > 0
        );
      });
      if (done) {
        console.log(
          "devnet: both chains are committing, demo transfers landed, commits verified. --once: stopping.",
        );
        await stopAll(0);
      } else if (Date.now() - started > 240_000) {
        console.error("devnet: --once: the chains did not get there within 240 s");
        await stopAll(1);
      }
    }
  };
  ticker = setInterval(() => void tick().catch((e) => console.error("status:", e)), 2000);
}

main().catch((err) => {
  console.error("devnet:", err);
  process.exit(1);
});
