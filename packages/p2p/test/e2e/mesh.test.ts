import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { chainTopic, generatePeerKey, isP2PError, type P2PNode } from "../../src/index.js";
import { bytes, Nodes, text, waitForFullMesh, waitForTopicMesh } from "../helpers.js";

const TOPIC = chainTopic("tandem:acme", "txs");

type Inbox = { msg: string; from: string }[];

function collect(node: P2PNode, topic = TOPIC): Inbox {
  const inbox: Inbox = [];
  node.subscribe(topic, (data, from) => {
    inbox.push({ msg: text(data), from });
  });
  return inbox;
}

function portOf(node: P2PNode): number {
  const m = /\/tcp\/(\d+)\//.exec(node.multiaddrs[0] ?? "");
  if (m === null) throw new Error("no tcp address");
  return Number(m[1]);
}

describe("mesh formation and delivery", () => {
  const nodes = new Nodes();
  afterEach(() => nodes.closeAll());

  it("grows one bootstrap seed into a full mesh and delivers each published message to all, once", async () => {
    const a = await nodes.start();
    const b = await nodes.start({ bootstrap: a.multiaddrs });
    const c = await nodes.start({ bootstrap: a.multiaddrs });
    const inboxes = new Map([a, b, c].map((n) => [n, collect(n)]));

    // b and c only know the seed; peer exchange makes them connect to each other.
    await waitForFullMesh([a, b, c]);
    await waitForTopicMesh([a, b, c], TOPIC);

    const sent = await b.publish(TOPIC, bytes("from-b"));
    expect(sent.duplicate).toBe(false);
    expect(new Set(sent.recipients)).toEqual(new Set([a.peerId, c.peerId]));
    await c.publish(TOPIC, bytes("from-c"));

    await waitFor(
      () => inboxes.get(a)!.length === 2 && inboxes.get(b)!.length === 1 && inboxes.get(c)!.length === 1,
    );
    expect(
      inboxes
        .get(a)!
        .map((m) => m.msg)
        .sort(),
    ).toEqual(["from-b", "from-c"]);
    expect(inboxes.get(b)).toEqual([{ msg: "from-c", from: c.peerId }]);
    expect(inboxes.get(c)).toEqual([{ msg: "from-b", from: b.peerId }]);

    // Content-addressed ids: the same bytes again are a duplicate, not a second message.
    expect(await b.publish(TOPIC, bytes("from-b"))).toEqual({ recipients: [], duplicate: true });
  });

  it("forwards through the seed when the other peers are not connected to each other", async () => {
    const a = await nodes.start({ peerExchange: false });
    const b = await nodes.start({ bootstrap: a.multiaddrs, peerExchange: false });
    const c = await nodes.start({ bootstrap: a.multiaddrs, peerExchange: false });
    collect(a);
    collect(b);
    const inboxC = collect(c);
    await waitFor(() => a.meshPeers(TOPIC).length === 2 && b.topicPeers(TOPIC).length === 1, {
      what: "the seed's mesh to hold b and c",
    });
    expect(b.peers()).toEqual([a.peerId]);
    expect(c.peers()).toEqual([a.peerId]);

    await b.publish(TOPIC, bytes("relayed"));
    await waitFor(() => inboxC.length === 1);
    // `from` is the neighbour that relayed it: chain messages carry their own signatures.
    expect(inboxC).toEqual([{ msg: "relayed", from: a.peerId }]);
  });

  it("publishing with no subscribed peer reports no recipients and does not burn the message id", async () => {
    const a = await nodes.start();
    const b = await nodes.start({ bootstrap: a.multiaddrs });
    expect(await b.publish(TOPIC, bytes("early"))).toEqual({ recipients: [], duplicate: false });
    const inboxA = collect(a);
    await waitFor(() => b.topicPeers(TOPIC).includes(a.peerId));
    expect((await b.publish(TOPIC, bytes("early"))).recipients).toEqual([a.peerId]);
    await waitFor(() => inboxA.length === 1);
  });

  it("redials a seed that restarts on the same address, and gossip flows again", async () => {
    const key = await generatePeerKey();
    let a = await nodes.start({ privateKey: key, peerExchange: false });
    const seed = a.multiaddrs;
    const port = portOf(a);
    const b = await nodes.start({ bootstrap: seed, peerExchange: false });
    const c = await nodes.start({ bootstrap: seed, peerExchange: false });
    collect(b);
    const inboxC = collect(c);
    await waitFor(() => a.peers().length === 2);

    await a.close();
    await waitFor(() => b.peers().length === 0 && c.peers().length === 0, {
      what: "b and c to see the seed go",
    });

    a = await nodes.start({ privateKey: key, peerExchange: false, listen: [`/ip4/127.0.0.1/tcp/${port}`] });
    collect(a);
    await waitFor(() => a.peers().length === 2, { what: "b and c to redial the restarted seed" });
    await waitFor(() => a.meshPeers(TOPIC).length === 2);
    await b.publish(TOPIC, bytes("after-restart"));
    await waitFor(() => inboxC.some((m) => m.msg === "after-restart"));
  });

  it("a node restarted with the same key rejoins under the same peer id", async () => {
    const a = await nodes.start();
    const c = await nodes.start({ bootstrap: a.multiaddrs });
    const keyB = await generatePeerKey();
    let b = await nodes.start({ privateKey: keyB, bootstrap: a.multiaddrs });
    const idB = b.peerId;
    const events: string[] = [];
    a.on("peer:connect", (p) => events.push(`connect ${p}`));
    a.on("peer:disconnect", (p) => events.push(`disconnect ${p}`));
    await waitForFullMesh([a, b, c]);

    await b.close();
    await waitFor(() => !a.peers().includes(idB) && !c.peers().includes(idB));
    expect(events).toContain(`disconnect ${idB}`);

    b = await nodes.start({ privateKey: keyB, bootstrap: a.multiaddrs });
    expect(b.peerId).toBe(idB);
    const inboxB = collect(b);
    collect(a);
    collect(c);
    await waitForFullMesh([a, b, c]);
    expect(events).toContain(`connect ${idB}`);
    await waitForTopicMesh([a, b, c], TOPIC);
    await c.publish(TOPIC, bytes("welcome-back"));
    await waitFor(() => inboxB.length === 1);
    expect(inboxB[0]?.msg).toBe("welcome-back");
  });

  it("repairs a gossip link whose outbound stream died silently (the gossipsub 17.1.1 race)", async () => {
    const a = await nodes.start();
    const b = await nodes.start({ bootstrap: a.multiaddrs });
    const inboxA = collect(a);
    collect(b);
    await waitForTopicMesh([a, b], TOPIC);
    // The state the race leaves behind: b's gossipsub keeps a closed stream to a and, seeing a stream
    // there, never opens another one, although the connection is fine.
    const dead = {
      rawStream: { status: "closed", writeStatus: "closed" },
      protocol: "/meshsub/1.2.0",
      push: () => {
        throw new Error("Cannot write to a stream that is closed");
      },
      pushPrefixed: () => {
        throw new Error("Cannot write to a stream that is closed");
      },
      close: async () => {},
    };
    (b as unknown as { pubsub: { streamsOutbound: Map<string, unknown> } }).pubsub.streamsOutbound.set(
      a.peerId,
      dead,
    );
    let n = 0;
    await waitFor(
      async () => {
        await b.publish(TOPIC, bytes(`after-repair-${n++}`));
        return inboxA.length > 0;
      },
      { intervalMs: 100, what: "b's gossip to reach a again" },
    );
  });

  it("refuses use before start and after close, and close is idempotent", async () => {
    const n = await nodes.create();
    await expect(n.publish(TOPIC, bytes("x"))).rejects.toSatisfy((e) => isP2PError(e, "P2P_NOT_STARTED"));
    await n.start();
    await n.start();
    expect(n.multiaddrs[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${n.peerId}$`));
    await Promise.all([n.close(), n.close()]);
    await n.close();
    await expect(n.publish(TOPIC, bytes("x"))).rejects.toSatisfy((e) => isP2PError(e, "P2P_CLOSED"));
    await expect(n.start()).rejects.toSatisfy((e) => isP2PError(e, "P2P_CLOSED"));
    expect(() => n.subscribe(TOPIC, () => {})).toThrow(/closed/);
  });

  it("fails to start on an address already in use with P2P_START_FAILED", async () => {
    const a = await nodes.start();
    const n = await nodes.create({ listen: [`/ip4/127.0.0.1/tcp/${portOf(a)}`] });
    await expect(n.start()).rejects.toSatisfy((e) => isP2PError(e, "P2P_START_FAILED"));
  });
});
