/**
 * The chain services as an operator runs them: 4 enterprise validators, each its own `node` process
 * (apps/enterprise-chain) on LMDB in its own data dir, peering over libp2p TCP, serving NATS RPC and
 * publishing committed blocks to JetStream, against a real nats-server. Faults are real: kill -9 of
 * validator processes, a NATS restart under load, a peer off the allowlist, garbage gossip from an
 * allowlisted probe, malformed and badly signed txs over NATS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { blockStreamName, ChainRpcClient, verifyTxInclusion } from "@tandem/chain-runtime";
import { ed25519, hexToBytes } from "@tandem/crypto";
import { encodeTx, isLedgerError, signTx } from "@tandem/ledger";
import { chainTopic, generatePeerKey, P2PNode, peerIdOfKey } from "@tandem/p2p";
import { NatsServer } from "@tandem/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, type ClusterChain, transferTx } from "../../src/cluster.js";
import { nodeCall } from "../../src/rpc.js";

let nats: NatsServer;
let nc: NatsConnection;
let cluster: Cluster;
let chain: ClusterChain;
let rpc: ChainRpcClient;
let dir: string;
let probeKey: Uint8Array;
const nonces = new Map<string, number>();

const names = () => cluster.nodesOf(chain.chainId).map((n) => n.name);

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function height(name: string): Promise<number | undefined> {
  try {
    return (await nodeCall(nc, chain.chainId, name, "getStatus", {}, 2000)).height;
  } catch {
    return undefined;
  }
}

async function heights(list = names()): Promise<Map<string, number | undefined>> {
  return new Map(await Promise.all(list.map(async (n) => [n, await height(n)] as const)));
}

/** Waits until every listed node reached `h`. */
async function allReach(list: readonly string[], h: number, timeoutMs = 60_000): Promise<void> {
  await waitUntil(
    `${list.join(",")} at height ${h}`,
    async () => {
      const hs = await heights([...list]);
      return [...hs.values()].every((x) => x !== undefined && x >= h);
    },
    timeoutMs,
  );
}

async function blockHash(name: string, h: number): Promise<string> {
  return (await nodeCall(nc, chain.chainId, name, "getBlock", { height: h })).hash;
}

/** Waits until the block stream reached `top`, then checks it holds heights 1..last, each once, in order. */
async function expectStreamHeightsOnce(top: number): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const stream = blockStreamName(chain.chainId);
  await waitUntil(
    "stream caught up",
    async () => (await jsm.streams.info(stream)).state.last_seq >= top,
    60_000,
  );
  const info = await jsm.streams.info(stream);
  const ids: number[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    ids.push(Number(m?.header?.get("Nats-Msg-Id")));
  }
  expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
}

function nextTransfer(from = 0, to = 1, amount = 1n): Uint8Array {
  const a = chain.accounts[from];
  const b = chain.accounts[to];
  if (a === undefined || b === undefined) throw new Error("no such account");
  const nonce = nonces.get(a.address) ?? 0;
  nonces.set(a.address, nonce + 1);
  return transferTx(chain, a, b.address, amount, nonce);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tandem-services-"));
  nats = await NatsServer.start({ dataDir: join(dir, "nats") });
  probeKey = await generatePeerKey();
  cluster = await Cluster.open({
    dir: join(dir, "cluster"),
    natsServers: [nats.url],
    homeNodes: 0,
    accounts: 8,
    logLevel: "info",
    extraAllowlist: [peerIdOfKey(probeKey)],
    tuning: { timeoutProposeMs: 1500, timeoutPrevoteMs: 500, timeoutPrecommitMs: 500, emptyBlockWaitMs: 250 },
  });
  chain = cluster.chain("enterprise");
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  rpc = new ChainRpcClient(nc, chain.chainId, { timeoutMs: 5000 });
  await cluster.startAll();
}, 180_000);

afterAll(async () => {
  await cluster?.stopAll(5000);
  await nc?.close();
  await nats?.stop();
  // TANDEM_KEEP_TEST_DIR=1 keeps the nodes' logs and data for a post-mortem.
  if (dir !== undefined && process.env.TANDEM_KEEP_TEST_DIR !== "1")
    rmSync(dir, { recursive: true, force: true });
  else if (dir !== undefined) console.log(`kept ${dir}`);
}, 60_000);

describe("enterprise chain: 4 validator processes over libp2p, RPC over NATS", () => {
  it("reach consensus; a transfer submitted over NATS is committed and proven by every node; the stream holds every height once", async () => {
    await allReach(names(), 2);
    const tx = nextTransfer(0, 1, 5n);
    const sent = await rpc.submitTx(tx);
    const hash = sent.hash;
    for (const n of names()) {
      const found = await waitUntil(`tx on ${n}`, async () => {
        try {
          return await nodeCall(nc, chain.chainId, n, "getTx", { hash, proof: true });
        } catch (e) {
          if (isLedgerError(e) && e.code === "TX_NOT_FOUND") return undefined;
          throw e;
        }
      });
      expect(found.result.code).toBe("OK");
      expect(verifyTxInclusion(found, hash)).toBe(true);
    }
    // Every node publishes every block; the stream keeps one message per height, ids = heights.
    const top = Math.min(...[...(await heights()).values()].map((h) => h ?? 0));
    await expectStreamHeightsOnce(top);
  }, 120_000);

  it("kill -9 one validator: the other 3 keep committing; restarted, it syncs to the same head", async () => {
    const [victim, ...rest] = names() as [string, ...string[]];
    await cluster.kill(victim);
    const base = Math.max(...[...(await heights(rest)).values()].map((h) => h ?? 0));
    await allReach(rest, base + 3);
    await cluster.start(victim);
    const target = base + 5;
    await allReach(names(), target, 90_000);
    const hashes = await Promise.all(names().map((n) => blockHash(n, target)));
    expect(new Set(hashes).size).toBe(1);
  }, 180_000);

  it("kill -9 two validators: the chain stops without forking; restarting one resumes it", async () => {
    const [a, b, c, d] = names() as [string, string, string, string];
    await Promise.all([cluster.kill(a), cluster.kill(b)]);
    // 20 of 40 power left: no quorum. Heights freeze within a block or two.
    await new Promise((r) => setTimeout(r, 3000));
    const frozen = await heights([c, d]);
    await new Promise((r) => setTimeout(r, 5000));
    const later = await heights([c, d]);
    expect(later.get(c)).toBe(frozen.get(c));
    expect(later.get(d)).toBe(frozen.get(d));
    const top = Math.min(frozen.get(c) ?? 0, frozen.get(d) ?? 0);
    expect(await blockHash(c, top)).toBe(await blockHash(d, top));
    await cluster.start(a);
    await allReach([a, c, d], top + 3, 90_000);
    await cluster.start(b);
    await allReach(names(), top + 4, 90_000);
    const hashes = await Promise.all(names().map((n) => blockHash(n, top + 4)));
    expect(new Set(hashes).size).toBe(1);
  }, 240_000);

  it("restart NATS under load: services reconnect and the stream loses no committed height", async () => {
    const committedBefore = Math.min(...[...(await heights()).values()].map((h) => h ?? 0));
    let stop = false;
    const accepted: string[] = [];
    const load = (async () => {
      while (!stop) {
        try {
          const r = await rpc.submitTx(nextTransfer(2, 3, 1n));
          accepted.push(r.hash);
        } catch {
          // NATS is down for a moment: the client retries with a new tx later. The nonce it used
          // may or may not have reached a node, so this sender's later txs can wait on a gap; use
          // a fresh account for the check below.
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await new Promise((r) => setTimeout(r, 2000));
    await nats.restart();
    await new Promise((r) => setTimeout(r, 4000));
    stop = true;
    await load;
    // Services are back on NATS: RPC answers and the chain moved on.
    const top = await waitUntil("chain moved on after the NATS restart", async () => {
      const hs = [...(await heights()).values()];
      const min = Math.min(...hs.map((h) => h ?? 0));
      return hs.every((h) => h !== undefined) && min >= committedBefore + 3 ? min : undefined;
    });
    await expectStreamHeightsOnce(top);
    expect(accepted.length).toBeGreaterThan(0);
    // Every tx a node accepted before or after the outage is committed.
    const firstAccepted = accepted[0] as string;
    await waitUntil("an accepted tx committed", async () => {
      try {
        return (await rpc.getTx(firstAccepted)).height > 0;
      } catch {
        return undefined;
      }
    });
  }, 180_000);

  it("refuses a peer off the allowlist, drops garbage and oversized gossip, answers bad txs with codes; no process crashes", async () => {
    const target = cluster.proc(names()[0] as string);
    const addr = `/ip4/127.0.0.1/tcp/${target.layout.p2pPort}/p2p/${target.layout.peerId}`;
    // An unknown peer: the gater closes the connection after the Noise handshake proves its id.
    const stranger = await P2PNode.create({ privateKey: await generatePeerKey() });
    await stranger.start();
    await expect(stranger.connect(addr, { timeoutMs: 5000 })).rejects.toThrow();
    expect(stranger.peers()).toHaveLength(0);
    await stranger.close();

    // An allowlisted probe that speaks nonsense on the chain's topics.
    const probe = await P2PNode.create({
      privateKey: probeKey,
      gossipHeartbeatMs: 200,
      maxMessageBytes: 3 * 1024 * 1024,
      maxRpcBytes: 8 * 1024 * 1024,
    });
    await probe.start();
    await probe.connect(addr, { timeoutMs: 10_000 });
    const topics = (["txs", "votes", "blocks"] as const).map((k) => chainTopic(chain.chainId, k));
    for (const t of topics) probe.subscribe(t, () => {});
    await waitUntil(
      "probe in the mesh",
      async () => topics.every((t) => probe.topicPeers(t).length > 0) || undefined,
      20_000,
    );
    const metricsUrl = `${target.ready?.http}/metrics`;
    const dropped = async () => {
      const text = await (await fetch(metricsUrl)).text();
      const line = text.split("\n").find((l) => l.startsWith("tandem_p2p_gossip_dropped"));
      return Number(line?.split(" ").pop() ?? "0");
    };
    const before = await dropped();
    for (let i = 0; i < 5; i++) {
      for (const t of topics) {
        await probe.publish(t, new Uint8Array([0xff, i, 0x00, 0x13, 0x37])).catch(() => {});
      }
    }
    await probe.publish(topics[0] as string, new Uint8Array(2 * 1024 * 1024 + 1).fill(7)).catch(() => {});
    await waitUntil("drops counted", async () => (await dropped()) > before || undefined, 20_000);
    await probe.close();

    // Bad txs over NATS: coded errors.
    const codeOf = async (p: Promise<unknown>) => {
      try {
        await p;
        return "no error";
      } catch (e) {
        return isLedgerError(e) ? e.code : `uncoded: ${String(e)}`;
      }
    };
    expect(await codeOf(rpc.submitTx(new Uint8Array([1, 2, 3])))).toMatch(/MALFORMED|DECODE/);
    const a = chain.accounts[5];
    if (a === undefined) throw new Error("account");
    const other = ed25519.keygen();
    // A tx whose signature is not the sender's: sign with another key, then swap the sender in.
    const good = signTx(
      {
        chainId: chain.chainId,
        kind: "transfer",
        nonce: 0,
        expiryHeight: 0,
        payload: { to: hexToBytes(a.address), amount: 1n, denom: chain.denom, memo: "" },
      },
      other.secretKey,
      "ed25519",
    );
    const badSig = encodeTx({ ...good, sender: hexToBytes(a.publicKey) });
    expect(await codeOf(rpc.submitTx(badSig))).toMatch(/SIGNATURE/);
    const raw = await nc.request(`tandem.${chain.chainId.split(":")[1]}.rpc.submitTx`, "this is not json", {
      timeout: 5000,
    });
    expect((raw.json() as { ok: boolean; error: { code: string } }).error.code).toBe("RPC_BAD_REQUEST");
    // Every process is still up and the chain still commits.
    for (const n of names()) expect(cluster.isRunning(n)).toBe(true);
    const h = Math.min(...[...(await heights()).values()].map((x) => x ?? 0));
    await allReach(names(), h + 2);
  }, 180_000);
});
