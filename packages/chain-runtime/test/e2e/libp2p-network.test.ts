/**
 * The libp2p adapter of chain-core's network port, over real libp2p on TCP loopback: gossip on the
 * chain's three topics with the right sender, direct sends, block sync with its error codes; a raw
 * P2PNode sending oversized and garbage messages gets them dropped and its score lowered; and four real
 * ChainNodes (BLS consensus keys, LMDB) reach consensus, commit a transfer everywhere, and a node
 * restarted after the others moved on syncs to the same head over the sync protocol.
 */
import {
  BlsVoteSigner,
  BlsVoteVerifier,
  ChainNode,
  type ChainNodeOptions,
  decodeTxBatch,
  encodeConsensusMessage,
  encodeTxBatch,
  type Genesis,
  isChainCoreError,
  LmdbKvStore,
  type Logger,
  type NetworkTopic,
  type PeerNetworkHandlers,
  type Proposal,
  type Vote,
} from "@tandem/chain-core";
import { testKey, testnetNodeOptions } from "@tandem/chain-core/testing";
import { bls, equalBytes, randomBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import { encodeTx, signTx, type TransferPayload } from "@tandem/ledger";
import { chainTopic, generatePeerKey, P2PNode, type P2POptions, peerIdOfKey } from "@tandem/p2p";
import { freePort, makeTempDir, removeDir, waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { Libp2pPeerNetwork, type Libp2pPeerNetworkOptions } from "../../src/network/index.js";

const CHAIN = "tandem:p2pnet";
const LIMIT = 64 * 1024;
const TOPICS: readonly NetworkTopic[] = ["txs", "votes", "blocks"];

/** Loopback settings: fast redial and peer exchange, a fast gossipsub heartbeat, no inbound rate limit. */
const fastP2P = {
  listen: ["/ip4/127.0.0.1/tcp/0"],
  inboundConnectionThreshold: 10_000,
  dialIntervalMs: 100,
  maxDialBackoffMs: 400,
  peerExchangeIntervalMs: 300,
  gossipHeartbeatMs: 100,
} satisfies Partial<P2POptions>;

/** Things to close after each test, closed in reverse order of opening. */
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await Promise.resolve(fn()).catch(() => {});
});

async function startP2P(opts: Partial<P2POptions> = {}): Promise<P2PNode> {
  const p2p = await P2PNode.create({
    ...fastP2P,
    privateKey: opts.privateKey ?? (await generatePeerKey()),
    ...opts,
  });
  cleanup.push(() => p2p.close());
  await p2p.start();
  return p2p;
}

async function adapter(
  p2p: P2PNode,
  opts: Partial<Libp2pPeerNetworkOptions> = {},
): Promise<Libp2pPeerNetwork> {
  const net = await Libp2pPeerNetwork.create(p2p, { chainId: CHAIN, maxMessageBytes: LIMIT, ...opts });
  cleanup.push(() => net.close());
  return net;
}

interface Got {
  from: string;
  topic: NetworkTopic;
  data: Uint8Array;
}

/** Handlers that record messages and serve getBlocks through `serve`. */
function recorder(serve: PeerNetworkHandlers["onGetBlocks"] = () => []): {
  got: Got[];
  handlers: PeerNetworkHandlers;
} {
  const got: Got[] = [];
  return {
    got,
    handlers: { onMessage: (from, topic, data) => void got.push({ from, topic, data }), onGetBlocks: serve },
  };
}

async function waitForMesh(nodes: P2PNode[], topics: readonly string[]): Promise<void> {
  await waitFor(
    () =>
      nodes.every((n) =>
        nodes.every(
          (m) =>
            m === n ||
            (n.peers().includes(m.peerId) && topics.every((t) => n.topicPeers(t).includes(m.peerId))),
        ),
      ),
    { timeoutMs: 15_000, what: "a full mesh subscribed to the chain's topics" },
  );
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

const hash32 = (seed: number): Uint8Array => sha256(utf8ToBytes(`hash/${seed}`));

function vote(height: number): Vote {
  return {
    chainId: CHAIN,
    height,
    round: 0,
    type: "prevote",
    blockHash: hash32(height),
    validatorIndex: 0,
    signature: randomBytes(96),
  };
}

function proposal(height: number, chainId = CHAIN): Proposal {
  return {
    chainId,
    height,
    round: 0,
    validRound: -1,
    value: { hash: hash32(height), bytes: randomBytes(2000) },
    proposerIndex: 0,
    signature: randomBytes(96),
  };
}

describe("Libp2pPeerNetwork", () => {
  it("gossips per topic (`from` = the relaying neighbour), sends directly, serves getBlocks", async () => {
    // A star: B, C (and later D) accept only A, so who relays what is deterministic.
    const a = await startP2P();
    const leaf = () => startP2P({ bootstrap: a.multiaddrs, allowlist: [a.peerId] });
    const b = await leaf();
    const c = await leaf();
    const [na, nb, nc] = [await adapter(a, { requestTimeoutMs: 500 }), await adapter(b), await adapter(c)];
    const blocks = [randomBytes(300), randomBytes(400), randomBytes(500)];
    const ra = recorder();
    const rb = recorder((_from, fromHeight, max) =>
      fromHeight === 999 ? new Promise<never>(() => {}) : blocks.slice(fromHeight - 1, fromHeight - 1 + max),
    );
    const rc = recorder();
    na.attach(ra.handlers);
    nb.attach(rb.handlers);
    nc.attach(rc.handlers);
    expect(na.topics.votes).toBe(chainTopic(CHAIN, "votes"));
    const topics = Object.values(na.topics);
    await waitForMesh([a, b], topics);
    await waitForMesh([a, c], topics);
    expect([...na.peers()].sort()).toEqual([b.peerId, c.peerId].sort());
    expect(nb.peers()).toEqual([a.peerId]);

    // One message per topic from A: B and C get each one once, from A, byte for byte.
    const sent: Record<NetworkTopic, Uint8Array> = {
      txs: encodeTxBatch([randomBytes(150), randomBytes(150)]),
      votes: encodeConsensusMessage({ kind: "vote", vote: vote(3) }),
      blocks: encodeConsensusMessage({ kind: "proposal", proposal: proposal(3) }),
    };
    for (const t of TOPICS) na.publish(t, sent[t]);
    for (const r of [rb, rc]) {
      await waitFor(() => r.got.length === 3, { what: "three gossip messages" });
      for (const g of r.got) {
        expect(g.from).toBe(a.peerId);
        expect(g.data).toEqual(sent[g.topic]);
      }
      expect(r.got.map((g) => g.topic).sort()).toEqual(["blocks", "txs", "votes"]);
    }
    expect(ra.got).toEqual([]); // not back to the publisher
    await waitFor(() => na.stats.published === 3);

    // From a leaf: A gets it from B, C gets it relayed by A (`from` is the neighbour, not the author).
    const fromB = encodeConsensusMessage({ kind: "proposal", proposal: proposal(4) });
    nb.publish("blocks", fromB);
    await waitFor(() => ra.got.length === 1 && rc.got.length === 4, { what: "B's proposal at A and C" });
    expect(ra.got[0]).toEqual({ from: b.peerId, topic: "blocks", data: fromB });
    expect(rc.got[3]).toEqual({ from: a.peerId, topic: "blocks", data: fromB });

    // A tx batch over the limit is split into batches that fit; every tx arrives.
    const txs = Array.from({ length: 100 }, () => randomBytes(1000));
    na.publish("txs", encodeTxBatch(txs));
    await waitFor(() => rc.got.length === 6, { what: "the split tx batches" });
    const batches = rc.got.slice(4);
    expect(batches.every((g) => g.topic === "txs" && g.data.length <= LIMIT)).toBe(true);
    expect(batches.flatMap((g) => decodeTxBatch(g.data))).toEqual(txs);

    // A direct send reaches only its target, with the true sender.
    const status = encodeConsensusMessage({ kind: "status", height: 9, round: 2 });
    na.send(c.peerId, "votes", status);
    await waitFor(() => rc.got.length === 7, { what: "the direct message" });
    expect(rc.got[6]).toEqual({ from: a.peerId, topic: "votes", data: status });
    na.send(c.peerId, "votes", status); // identical bytes again: unlike gossip, not deduplicated
    await waitFor(() => rc.got.length === 8, { what: "the repeated direct message" });
    expect(rb.got.length).toBe(5); // 3 + the 2 split batches, no direct message

    // Status is the same 13 bytes from every node at (height, round): each neighbour gets it directly
    // (over gossip, C's copy would be a duplicate of A's and A would never learn C's status).
    const st = encodeConsensusMessage({ kind: "status", height: 11, round: 0 });
    na.publish("votes", st);
    nc.publish("votes", st);
    const statusFrom = (r: { got: Got[] }) => r.got.filter((g) => equalBytes(g.data, st)).map((g) => g.from);
    await waitFor(
      () => statusFrom(ra).length === 1 && statusFrom(rb).length === 1 && statusFrom(rc).length === 1,
    );
    expect(statusFrom(ra)).toEqual([c.peerId]);
    expect(statusFrom(rb)).toEqual([a.peerId]);
    expect(statusFrom(rc)).toEqual([a.peerId]);

    // A re-broadcast (identical bytes: a gossipsub duplicate) reaches a peer that joined since, directly.
    const v8 = encodeConsensusMessage({ kind: "vote", vote: vote(8) });
    na.publish("votes", v8);
    const has = (r: { got: Got[] }) => r.got.filter((g) => equalBytes(g.data, v8)).length;
    await waitFor(() => has(rb) === 1 && has(rc) === 1, { what: "v8 at B and C" });
    const d = await leaf();
    const nd = await adapter(d);
    const rd = recorder();
    nd.attach(rd.handlers);
    await waitForMesh([a, d], topics);
    na.publish("votes", v8);
    await waitFor(() => rd.got.length === 1, { what: "the re-broadcast at the late joiner" });
    expect(rd.got[0]).toEqual({ from: a.peerId, topic: "votes", data: v8 });
    const published = na.stats.published;
    na.publish("votes", v8); // a late joiner gets a re-broadcast once

    // getBlocks round trip: B's handler sees A as the requester; the answer comes back in order.
    expect(await na.getBlocks(b.peerId, 2, 5)).toEqual(blocks.slice(1));
    expect(await na.getBlocks(b.peerId, 50, 5)).toEqual([]);
    expect(na.stats.published).toBe(published); // the third copy of v8 went nowhere
    expect(rd.got.length).toBe(1);
    expect(has(rb) + has(rc)).toBe(2);
    await nd.close();
    await d.close();

    // A handler that never answers: NETWORK_TIMEOUT after A's 500 ms.
    const t0 = Date.now();
    const slow = await rejection(na.getBlocks(b.peerId, 999, 1));
    expect(isChainCoreError(slow) && slow.code).toBe("NETWORK_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(3000);

    // An unknown peer, a peer that refuses us, a peer that went away: NETWORK_UNREACHABLE.
    const stranger = peerIdOfKey(await generatePeerKey());
    const unknown = await rejection(na.getBlocks(stranger, 1, 1));
    expect(isChainCoreError(unknown) && unknown.code).toBe("NETWORK_UNREACHABLE");
    const refused = await rejection(nb.getBlocks(c.peerId, 1, 1));
    expect(isChainCoreError(refused) && refused.code).toBe("NETWORK_UNREACHABLE");
    await nc.close();
    await c.close();
    await waitFor(() => !na.peers().includes(c.peerId), { what: "C to disconnect" });
    const gone = await rejection(na.getBlocks(c.peerId, 1, 1));
    expect(isChainCoreError(gone) && gone.code).toBe("NETWORK_UNREACHABLE");

    // Detached: nothing is delivered (and counted as dropped); a closed adapter rejects getBlocks.
    nb.detach();
    const before = nb.stats.dropped;
    const seen = rb.got.length;
    na.publish("votes", encodeConsensusMessage({ kind: "vote", vote: vote(4) }));
    await waitFor(() => nb.stats.dropped === before + 1, { what: "the drop while detached" });
    expect(rb.got.length).toBe(seen);
    await na.close();
    const closed = await rejection(na.getBlocks(b.peerId, 1, 1));
    expect(isChainCoreError(closed) && closed.code).toBe("NETWORK_UNREACHABLE");
  });

  it("drops oversized and malformed messages from a raw peer, lowers its score, keeps running", async () => {
    const errors: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m) => void errors.push(m),
    };
    const receiver = await startP2P({ rejectPenalty: 10 });
    const raw = await startP2P({ bootstrap: receiver.multiaddrs, maxMessageBytes: 256 * 1024 });
    const net = await adapter(receiver, { logger });
    const r = recorder(() => {
      throw new Error("not reached");
    });
    // A handler that throws on one kind of message must not break anything.
    net.attach({
      ...r.handlers,
      onMessage: (from, topic, data) => {
        r.handlers.onMessage(from, topic, data);
        if (topic === "blocks") throw new Error("handler bug");
      },
    });
    const topics = Object.values(net.topics);
    for (const t of topics) raw.subscribe(t, () => {});
    // The raw peer also serves the sync protocol, with garbage.
    await raw.handle(net.syncProtocol, () => Uint8Array.of(0, 0, 0, 9, 1, 2));
    await waitForMesh([receiver, raw], topics);

    await raw.publish(net.topics.txs, encodeTxBatch([randomBytes(LIMIT)])); // oversized (otherwise valid)
    await raw.publish(net.topics.votes, randomBytes(300)); // garbage
    const misplaced = encodeConsensusMessage({ kind: "vote", vote: vote(5) });
    await raw.publish(net.topics.blocks, misplaced); // a vote on the blocks topic
    await raw.publish(
      net.topics.blocks,
      encodeConsensusMessage({ kind: "proposal", proposal: proposal(5, "tandem:other") }),
    );
    await raw.publish(net.topics.txs, encodeTxBatch([])); // empty batch
    // A garbage direct message: dropped as malformed (no gossip score on this path).
    await raw.request(receiver.peerId, net.directProtocol, Uint8Array.of(2, 0xde, 0xad));
    await raw.request(receiver.peerId, net.directProtocol, Uint8Array.of(77, 1));
    const good = encodeConsensusMessage({ kind: "status", height: 4, round: 0 });
    await raw.publish(net.topics.votes, good);
    const goodBlock = encodeConsensusMessage({ kind: "proposal", proposal: proposal(6) });
    await raw.publish(net.topics.blocks, goodBlock);

    await waitFor(() => r.got.length === 2, { what: "the two valid messages" });
    await waitFor(() => net.stats.dropped === 7, { what: "seven drops" });
    expect(net.stats).toMatchObject({ received: 9, dropped: 7, oversized: 1, malformed: 6 });
    expect(r.got.map((g) => g.data)).toEqual(expect.arrayContaining([good, goodBlock]));
    expect(r.got.every((g) => g.from === raw.peerId)).toBe(true);
    expect(errors).toEqual(["network message handler threw"]);

    // Five gossip rejections at 10 points each; gossipsub's score follows.
    expect(receiver.peerPenalty(raw.peerId)).toBeGreaterThan(49);
    await waitFor(() => receiver.peerScore(raw.peerId) < -40, { what: "the raw peer's score to drop" });

    // A response that is not a getBlocks response: SYNC_MALFORMED (untrusted bytes).
    const bad = await rejection(net.getBlocks(raw.peerId, 1, 10));
    expect(isChainCoreError(bad) && bad.code).toBe("SYNC_MALFORMED");

    // Still running: connected, and a new valid message is delivered.
    expect(receiver.peers()).toContain(raw.peerId);
    await raw.publish(net.topics.txs, encodeTxBatch([randomBytes(100)]));
    await waitFor(() => r.got.length === 3, { what: "a valid message after the garbage" });
  });

  // ~10-15 s on an idle 2-vCPU box; the larger limit only guards against a machine shared with other jobs.
  it("four ChainNodes reach consensus, commit a transfer everywhere, and a restarted node syncs", {
    timeout: 90_000,
  }, async () => {
    const n = 4;
    const peerKeys = await Promise.all(Array.from({ length: n }, () => generatePeerKey()));
    const peerIds = peerKeys.map(peerIdOfKey);
    const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
    const verifier = await BlsVoteVerifier.create(); // also loads the BLS library the signers need
    const addrs = ports.map((p, i) => `/ip4/127.0.0.1/tcp/${p}/p2p/${peerIds[i]}`);
    const signers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        BlsVoteSigner.create(bls.keygen(sha256(utf8ToBytes(`${CHAIN}/bls/${i}`))).secretKey),
      ),
    );
    const operators = Array.from({ length: n }, (_, i) => testKey(`${CHAIN}/operator/${i}`));
    const alice = testKey(`${CHAIN}/alice`);
    const bob = testKey(`${CHAIN}/bob`);
    const denom = `${CHAIN}/native:credit`;
    const genesis: Genesis = {
      chainId: CHAIN,
      time: 0,
      validators: signers.map((s, i) => ({
        address: (operators[i] as (typeof operators)[0]).address,
        publicKey: s.publicKey,
        power: 10n,
      })),
      denoms: [denom],
      balances: [{ address: alice.address, denom, amount: 10n ** 12n }],
    };
    const options: ChainNodeOptions = {
      ...testnetNodeOptions,
      genesis,
      consensus: { ...testnetNodeOptions.consensus, timeoutProposeMs: 400, timeoutProposeDeltaMs: 100 },
      block: { emptyBlockWaitMs: 40 },
      gossipIntervalMs: 100,
    };
    const dir = makeTempDir("tandem-libp2p-net-");
    cleanup.push(() => removeDir(dir));

    interface Member {
      p2p: P2PNode;
      net: Libp2pPeerNetwork;
      store: LmdbKvStore;
      node: ChainNode | undefined;
    }
    const members: Array<Member | undefined> = [];
    const handlerErrors: string[] = [];
    const netLogger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m) => void handlerErrors.push(m),
    };

    /** The libp2p half of member i: allowlisted to the others, every member's address as a seed. */
    async function up(i: number): Promise<Member> {
      const p2p = await P2PNode.create({
        ...fastP2P,
        privateKey: peerKeys[i] as Uint8Array,
        listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`],
        bootstrap: addrs,
        allowlist: peerIds.filter((_, j) => j !== i),
      });
      await p2p.start();
      const net = await Libp2pPeerNetwork.create(p2p, { chainId: CHAIN, logger: netLogger });
      const store = await LmdbKvStore.open({ path: `${dir}/node${i}` });
      const m: Member = { p2p, net, store, node: undefined };
      members[i] = m;
      return m;
    }
    async function down(i: number): Promise<void> {
      const m = members[i];
      if (m === undefined) return;
      members[i] = undefined;
      await m.node?.close();
      await m.net.close();
      await m.p2p.close();
      await m.store.close();
    }
    async function startNode(i: number): Promise<ChainNode> {
      const m = members[i] as Member;
      m.node = await ChainNode.init(options, {
        store: m.store,
        network: m.net,
        verifier,
        signer: signers[i] as BlsVoteSigner,
        operatorKey: (operators[i] as (typeof operators)[0]).secretKey,
      });
      return m.node;
    }
    const node = (i: number): ChainNode => {
      const nd = members[i]?.node;
      if (nd === undefined) throw new Error(`node ${i} is down`);
      return nd;
    };
    cleanup.push(async () => {
      for (let i = 0; i < n; i++) await down(i).catch(() => {});
    });

    for (let i = 0; i < n; i++) await up(i);
    const live = () => members.filter((m): m is Member => m !== undefined);
    await waitForMesh(
      live().map((m) => m.p2p),
      TOPICS.map((t) => chainTopic(CHAIN, t)),
    );
    await Promise.all([0, 1, 2, 3].map((i) => startNode(i)));

    const heights = () => members.map((m) => m?.node?.height ?? -1);
    await waitFor(() => heights().every((h) => h >= 3), { timeoutMs: 20_000, what: "height 3 everywhere" });

    // A signed transfer submitted to node 0 is committed on all four.
    const tx = encodeTx(
      signTx(
        {
          chainId: CHAIN,
          kind: "transfer",
          nonce: 0,
          expiryHeight: 0,
          payload: { to: bob.address, amount: 5n, denom, memo: "over libp2p" } satisfies TransferPayload,
        },
        alice.secretKey,
        "ed25519",
      ),
    );
    const { hash } = await node(0).submitTx(tx);
    await waitFor(() => [0, 1, 2, 3].every((i) => node(i).getTx(hash) !== undefined), {
      timeoutMs: 15_000,
      what: "the transfer committed on every node",
    });
    const at = node(0).getTx(hash)?.height;
    expect(at).toBeGreaterThan(0);
    for (let i = 1; i < n; i++) expect(node(i).getTx(hash)?.height).toBe(at);

    // Node 3 goes down; the other three (30 of 40 power) go on for at least five blocks.
    await down(3);
    const stoppedAt = Math.max(...heights());
    await waitFor(() => [0, 1, 2].every((i) => node(i).height >= stoppedAt + 5), {
      timeoutMs: 20_000,
      what: "five more blocks without node 3",
    });

    // Back up on the same key and port: it reconnects, syncs over /sync/1, and rejoins.
    const m3 = await up(3);
    await waitForMesh(
      live().map((m) => m.p2p),
      TOPICS.map((t) => chainTopic(CHAIN, t)),
    );
    const target = node(0).height;
    const restarted = await startNode(3);
    expect(m3.net.peerId).toBe(peerIds[3]);
    await waitFor(() => restarted.height >= target, { timeoutMs: 20_000, what: "node 3 to sync" });
    expect(restarted.stats.blocksSynced).toBeGreaterThanOrEqual(5);
    const h = restarted.height;
    for (let i = 0; i < 3; i++) {
      await waitFor(() => node(i).height >= h);
      expect(equalBytes(node(i).getCommit(h)?.blockHash as Uint8Array, restarted.headHash)).toBe(true);
    }
    // And it keeps up through consensus afterwards.
    await waitFor(() => restarted.height >= h + 2, { timeoutMs: 10_000, what: "node 3 to follow consensus" });
    expect(handlerErrors).toEqual([]);
  });
});
