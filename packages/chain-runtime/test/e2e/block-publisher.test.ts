/**
 * The JetStream block stream against a real nats-server (JetStream on) and in-process chain nodes:
 * every committed height lands exactly once, in order, msg id = height, across a NATS restart while the
 * chain keeps committing, a publisher restart, two publishers of one chain at once, and two taking
 * turns (one of which goes silent); a durable
 * consumer resumes after its last acked height.
 */

import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { ChainNode } from "@tandem/chain-core";
import { Testnet } from "@tandem/chain-core/testing";
import { bytesToHex } from "@tandem/crypto";
import { makeTempDir, NatsServer, removeDir, waitFor } from "@tandem/test-utils";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BlockPublisher,
  type BlockStreamMessage,
  blockStreamName,
  blockSubject,
  consumeBlocks,
  encodeBlockMessage,
  proposerTurn,
} from "../../src/publish/index.js";

let nats: NatsServer;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  nats = await NatsServer.start();
});

afterEach(async () => {
  // Last in, first out: publishers and consumers before their connections and nodes.
  while (cleanup.length > 0)
    await cleanup
      .pop()?.()
      .catch(() => {});
});

afterAll(async () => {
  await nats?.stop();
});

async function conn(): Promise<NatsConnection> {
  const nc = await connect({
    servers: nats.url,
    reconnectTimeWait: 100,
    maxReconnectAttempts: -1,
    pingInterval: 1000,
  });
  cleanup.push(() => nc.close());
  return nc;
}

async function chain(chainId: string): Promise<{ net: Testnet; node: ChainNode }> {
  const net = await Testnet.create({ chainId, validators: 1, accounts: 2 });
  cleanup.push(() => net.close());
  await net.startAll();
  return { net, node: net.node(0) };
}

async function publisher(nc: NatsConnection, node: ChainNode, chainId: string): Promise<BlockPublisher> {
  const p = new BlockPublisher(nc, node, chainId, { publishTimeoutMs: 1000, retryMaxMs: 500 });
  await p.start();
  cleanup.push(() => p.stop());
  return p;
}

/** Every message of the chain's stream as [msg id, body height], in stream order. */
async function streamContents(jsm: JetStreamManager, chainId: string): Promise<number[]> {
  const name = blockStreamName(chainId);
  const info = await jsm.streams.info(name);
  const heights: number[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(name, { seq });
    if (m === null) continue;
    const body = m.json<BlockStreamMessage>();
    expect(m.subject).toBe(blockSubject(chainId));
    expect(m.header.get("Nats-Msg-Id")).toBe(String(body.height));
    expect(body.chainId).toBe(chainId);
    heights.push(body.height);
  }
  return heights;
}

function expectExactlyOnce(heights: number[], atLeast: number): void {
  expect(heights.length).toBeGreaterThanOrEqual(atLeast);
  expect(heights).toEqual(Array.from({ length: heights.length }, (_, i) => i + 1));
}

async function caughtUp(p: BlockPublisher, node: ChainNode, min = 0): Promise<number> {
  const target = Math.max(node.height, min);
  await waitFor(() => p.lastPublishedHeight >= target, {
    what: `publisher at ${target} (is at ${p.lastPublishedHeight})`,
    timeoutMs: 20_000,
  });
  return target;
}

describe("names", () => {
  it("stream and subject per chain", () => {
    expect(blockStreamName("tandem:home-7f3a")).toBe("TANDEM_HOME_7F3A_BLOCKS");
    expect(blockStreamName("tandem:acme")).toBe("TANDEM_ACME_BLOCKS");
    expect(blockSubject("tandem:acme")).toBe("tandem.acme.blocks");
  });
});

describe("BlockPublisher", () => {
  it("back-fills from the store, then publishes each new block once, in order, msg id = height", async () => {
    const chainId = "tandem:pub-basic";
    const { net, node } = await chain(chainId);
    await net.waitForHeight(4);
    const nc = await conn();
    const p = await publisher(nc, node, chainId);
    const [a, b] = net.accounts;
    if (a === undefined || b === undefined) throw new Error("accounts");
    const sub = await node.submitTx(net.transfer(a, b.address, 3n));
    await waitFor(() => node.getTx(sub.hash));
    const top = await caughtUp(p, node, 10);
    const jsm = await jetstreamManager(nc);
    const heights = await streamContents(jsm, chainId);
    expectExactlyOnce(heights, top);
    expect(p.stats.duplicates).toBe(0);
    // The body is the block as the node stores it.
    const tx = node.getTx(sub.hash);
    if (tx === undefined) throw new Error("tx");
    const m = await jsm.streams.getMessage(blockStreamName(chainId), { last_by_subj: blockSubject(chainId) });
    expect(m).not.toBeNull();
    const withTx = await jsm.streams.getMessage(blockStreamName(chainId), { seq: tx.height });
    const body = withTx?.json<BlockStreamMessage>();
    expect(body?.height).toBe(tx.height);
    expect(body?.txHashes[tx.index]).toBe(bytesToHex(sub.hash));
    expect(body?.results[tx.index]?.code).toBe("OK");
    expect(body?.hash).toBe(bytesToHex(node.getCommit(tx.height)?.blockHash ?? new Uint8Array()));
    expect(body?.header.stateRoot).toMatch(/^[0-9a-f]{64}$/);
    const info = await jsm.streams.info(blockStreamName(chainId));
    expect(info.config.storage).toBe("file");
    expect(info.config.duplicate_window).toBeGreaterThanOrEqual(120_000 * 1_000_000);
  });

  it("survives NATS going away while the chain keeps committing: no height missing or duplicated", async () => {
    const chainId = "tandem:pub-restart";
    const { net, node } = await chain(chainId);
    // A server of its own, on a kept data dir, so it can stay down for a while.
    const dir = makeTempDir("nats-outage");
    cleanup.push(async () => removeDir(dir));
    let own = await NatsServer.start({ dataDir: dir });
    cleanup.push(() => own.stop());
    const nc = await connect({
      servers: own.url,
      reconnectTimeWait: 100,
      maxReconnectAttempts: -1,
      pingInterval: 1000,
    });
    cleanup.push(() => nc.close());
    const p = await publisher(nc, node, chainId);
    await caughtUp(p, node, 5);

    // Down for longer than the publish timeout: publishes fail and are retried in order.
    const before = node.height;
    await own.stop();
    await net.waitForHeight(before + 3);
    await new Promise((r) => setTimeout(r, 1500));
    own = await NatsServer.start({ dataDir: dir, port: own.port });
    await caughtUp(p, node);
    expect(p.stats.failures).toBeGreaterThan(0);
    expect(p.stats.resyncs).toBeGreaterThan(0);

    // Quick restarts, clean and kill -9: the client's buffered publishes land once.
    for (const kill of [false, true]) {
      const h = node.height;
      await own.restart({ kill });
      await net.waitForHeight(h + 3);
      await caughtUp(p, node);
    }
    const top = await caughtUp(p, node);
    const jsm = await jetstreamManager(nc);
    expectExactlyOnce(await streamContents(jsm, chainId), top);
  });

  it("a new publisher resumes after the stream's last height; two at once still give one copy each", async () => {
    const chainId = "tandem:pub-resume";
    const { net, node } = await chain(chainId);
    const nc1 = await conn();
    const p1 = await publisher(nc1, node, chainId);
    const first = await caughtUp(p1, node, 5);
    await p1.stop();
    await net.waitForHeight(first + 4);
    const nc2 = await conn();
    const p2 = await publisher(nc2, node, chainId);
    expect(p2.lastPublishedHeight).toBeGreaterThanOrEqual(first);
    await caughtUp(p2, node);
    expect(p2.stats.duplicates).toBe(0);
    // A second publisher of the same chain (another node of it, say) racing the first.
    const nc3 = await conn();
    const p3 = await publisher(nc3, node, chainId);
    await net.waitForHeight(node.height + 10);
    await caughtUp(p2, node);
    await caughtUp(p3, node);
    const top = await caughtUp(p2, node);
    // They did race, and the server refused the loser's copies (dedupe or expected last msg id).
    expect(p2.stats.duplicates + p3.stats.duplicates + p2.stats.failures + p3.stats.failures).toBeGreaterThan(
      0,
    );
    const jsm = await jetstreamManager(nc2);
    expectExactlyOnce(await streamContents(jsm, chainId), top);
  });

  it("proposerTurn: a validator's turns are the heights it proposed", async () => {
    const chainId = "tandem:pub-proposer";
    const { net, node } = await chain(chainId);
    await net.waitForHeight(2);
    const ev = node.blockEvent(2);
    if (ev === undefined) throw new Error("no block 2");
    // The only validator proposes every height; a key not in the set never has a turn.
    const [only] = node.stateMachine.validatorSet().validators;
    if (only === undefined) throw new Error("no validator");
    expect(proposerTurn(node, only.publicKey)(ev)).toBe(true);
    const other = only.publicKey.slice();
    other[5] = (other[5] ?? 0) ^ 1;
    expect(proposerTurn(node, other)(ev)).toBe(false);
  });

  it("with turns, each height is sent by one publisher; a silent one's heights come from the other after the delay", async () => {
    const chainId = "tandem:pub-turns";
    const { net, node } = await chain(chainId);
    await net.waitForHeight(2);
    // Two nodes of one chain, as the services run them: even heights are p0's turn, odd ones p1's.
    const turns = (parity: number) => (ev: { height: number }) => ev.height % 2 === parity;
    const start = async (parity: number): Promise<BlockPublisher> => {
      const p = new BlockPublisher(await conn(), node, chainId, {
        publishTimeoutMs: 1000,
        retryMaxMs: 500,
        ownTurn: turns(parity),
        backupAfterMs: 2000,
      });
      await p.start();
      cleanup.push(() => p.stop());
      return p;
    };
    const p0 = await start(0);
    const p1 = await start(1);
    await net.waitForHeight(node.height + 12);
    const top = await caughtUp(p0, node);
    await caughtUp(p1, node, top);
    // Sent so far, then the stream (which holds at least every height sent by then).
    const sent = p0.stats.published + p1.stats.published;
    const jsm = await jetstreamManager(await conn());
    const heights = await streamContents(jsm, chainId);
    expectExactlyOnce(heights, top);
    // Each left the other's heights alone (without turns both would have sent every height).
    expect(p0.stats.skipped).toBeGreaterThan(3);
    expect(p1.stats.skipped).toBeGreaterThan(3);
    expect(sent).toBeLessThan(1.5 * heights.length);
    // p1 goes silent: its heights still reach the stream, from p0 as a backup.
    await p1.stop();
    const before = p0.stats.backups;
    await net.waitForHeight(node.height + 4);
    const later = await caughtUp(p0, node);
    expect(p0.stats.backups).toBeGreaterThan(before);
    expectExactlyOnce(await streamContents(jsm, chainId), later);
  });

  it("shrinks a block that does not fit the max payload", async () => {
    const { net, node } = await chain("tandem:pub-shrink");
    const [a, b] = net.accounts;
    if (a === undefined || b === undefined) throw new Error("accounts");
    const sub = await node.submitTx(net.transfer(a, b.address, 1n));
    const tx = await waitFor(() => node.getTx(sub.hash));
    const ev = node.blockEvent(tx.height);
    if (ev === undefined) throw new Error("block");
    const parse = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as BlockStreamMessage;
    const full = encodeBlockMessage(node.chainId, ev);
    expect(parse(full).omitted).toBeUndefined();
    expect(parse(full).results[tx.index]?.events.length).toBeGreaterThan(0);
    const small = parse(encodeBlockMessage(node.chainId, ev, full.length - 1));
    expect(small.omitted).toContain("events");
    expect(small.txHashes).toEqual(parse(full).txHashes);
    const tiny = parse(encodeBlockMessage(node.chainId, ev, 10));
    expect(tiny.omitted).toEqual(["events", "resultData", "txHashes"]);
    expect(tiny.txCount).toBe(ev.txHashes.length);
    expect(tiny.header).toEqual(parse(full).header);
  });
});

describe("consumeBlocks", () => {
  it("a durable consumer gets heights in order and resumes after its last acked height", async () => {
    const chainId = "tandem:pub-consume";
    const { net, node } = await chain(chainId);
    const nc = await conn();
    const p = await publisher(nc, node, chainId);
    await caughtUp(p, node, 3);
    const js = jetstream(nc);
    const seen: number[] = [];
    let failOnce = true;
    const handler = async (b: BlockStreamMessage) => {
      // One failure: the block comes back, nothing overtakes it.
      if (b.height === 3 && failOnce) {
        failOnce = false;
        throw new Error("handler hiccup");
      }
      seen.push(b.height);
    };
    const c1 = await consumeBlocks(js, chainId, "status", handler, { retryDelayMs: 50 });
    await waitFor(() => seen.length >= 6, { what: "6 blocks consumed", timeoutMs: 20_000 });
    await c1.stop();
    const acked = c1.lastAckedHeight;
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(acked).toBe(seen[seen.length - 1]);
    expect(failOnce).toBe(false);

    // Blocks published while it was away are waiting for it.
    await net.waitForHeight(acked + 4);
    await caughtUp(p, node);
    const resumed: number[] = [];
    const c2 = await consumeBlocks(js, chainId, "status", (b) => {
      resumed.push(b.height);
    });
    cleanup.push(() => c2.stop());
    await waitFor(() => resumed.length >= 4, { what: "4 more blocks", timeoutMs: 20_000 });
    await c2.stop();
    expect(resumed[0]).toBe(acked + 1);
    expect(resumed).toEqual(Array.from({ length: resumed.length }, (_, i) => acked + 1 + i));

    // Another durable name starts from the beginning.
    const other: number[] = [];
    const c3 = await consumeBlocks(js, chainId, "relay", (b) => {
      other.push(b.height);
    });
    cleanup.push(() => c3.stop());
    await waitFor(() => other.length >= 2);
    await c3.stop();
    expect(other.slice(0, 2)).toEqual([1, 2]);
  });
});
