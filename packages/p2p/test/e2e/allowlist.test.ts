import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { chainProtocol, chainTopic, generatePeerKey, isP2PError, peerIdOfKey } from "../../src/index.js";
import { bytes, Nodes, text } from "../helpers.js";

const TOPIC = chainTopic("tandem:acme", "votes");
const SYNC = chainProtocol("tandem:acme", "sync");

describe("allowlist gating", () => {
  const nodes = new Nodes();
  afterEach(() => nodes.closeAll());

  async function validatorsAndOutsider() {
    const keyA = await generatePeerKey();
    const keyB = await generatePeerKey();
    const allowlist = [peerIdOfKey(keyA), peerIdOfKey(keyB)];
    const a = await nodes.start({ privateKey: keyA, allowlist });
    const b = await nodes.start({ privateKey: keyB, allowlist, bootstrap: a.multiaddrs });
    // The outsider has no allowlist of its own and knows the validators' addresses.
    const n = await nodes.create({ bootstrap: [...a.multiaddrs, ...b.multiaddrs] });
    const outsiderEvents: string[] = [];
    n.on("peer:connect", (p) => outsiderEvents.push(p));
    a.on("peer:connect", (p) => {
      if (p === n.peerId) outsiderEvents.push("a saw the outsider");
    });
    await n.start();
    const inboxA: { msg: string; from: string }[] = [];
    a.subscribe(TOPIC, (d, from) => {
      inboxA.push({ msg: text(d), from });
    });
    b.subscribe(TOPIC, () => {});
    n.subscribe(TOPIC, () => {});
    await a.handle(SYNC, (req) => req);
    await waitFor(() => a.topicPeers(TOPIC).includes(b.peerId) && b.topicPeers(TOPIC).includes(a.peerId));
    return { a, b, n, inboxA, outsiderEvents };
  }

  it("lets allowlisted peers connect and exchange messages, and keeps an outsider out", async () => {
    const { a, b, n, inboxA, outsiderEvents } = await validatorsAndOutsider();

    // Inbound: the outsider's dials are refused after the Noise handshake reveals its peer id.
    await expect(n.connect(a.multiaddrs[0]!)).rejects.toSatisfy((e) => isP2PError(e, "P2P_NO_PEER"));
    await expect(n.connect(b.multiaddrs[0]!)).rejects.toSatisfy((e) => isP2PError(e, "P2P_NO_PEER"));
    // Outbound: the validators never dial it, with or without its id in the address.
    await expect(a.connect(n.multiaddrs[0]!)).rejects.toSatisfy((e) => isP2PError(e, "P2P_PEER_NOT_ALLOWED"));
    const bare = n.multiaddrs[0]!.replace(/\/p2p\/.*$/, "");
    await expect(a.connect(bare)).rejects.toSatisfy((e) => isP2PError(e, "P2P_PEER_NOT_ALLOWED"));
    await expect(a.request(n.peerId, SYNC, bytes("x"))).rejects.toSatisfy((e) =>
      isP2PError(e, "P2P_PEER_NOT_ALLOWED"),
    );

    // Its messages and requests go nowhere.
    expect(await n.publish(TOPIC, bytes("intruder"))).toEqual({ recipients: [], duplicate: false });
    await expect(n.request(a.peerId, SYNC, bytes("sync?"), { timeoutMs: 3_000 })).rejects.toSatisfy((e) =>
      isP2PError(e, "P2P_NO_PEER"),
    );

    // Validators talk normally; b's message arriving after the outsider's attempt is the ordering point.
    await b.publish(TOPIC, bytes("vote"));
    await waitFor(() => inboxA.length === 1);
    expect(inboxA).toEqual([{ msg: "vote", from: b.peerId }]);
    expect(a.peers()).toEqual([b.peerId]);
    expect(b.peers()).toEqual([a.peerId]);
    expect(n.peers()).toEqual([]);
    expect(outsiderEvents).toEqual([]);
    expect(a.topicPeers(TOPIC)).not.toContain(n.peerId);
  });

  it("drops a peer removed from the allowlist at run time and readmits it when added back", async () => {
    const { a, b } = await validatorsAndOutsider();
    const gone: string[] = [];
    a.on("peer:disconnect", (p) => gone.push(p));

    await a.setAllowlist([a.peerId]);
    await waitFor(() => !a.peers().includes(b.peerId) && !b.peers().includes(a.peerId));
    expect(gone).toEqual([b.peerId]);
    await expect(b.connect(a.multiaddrs[0]!)).rejects.toSatisfy((e) => isP2PError(e, "P2P_NO_PEER"));

    await a.setAllowlist([a.peerId, b.peerId]);
    // b's dialer keeps redialing its seed and gets in once a readmits it.
    await waitFor(() => a.peers().includes(b.peerId), { what: "b to be readmitted" });
  });

  it("rejects malformed allowlist entries", async () => {
    await expect(nodes.create({ allowlist: ["not-a-peer-id"] })).rejects.toSatisfy((e) =>
      isP2PError(e, "P2P_INVALID_ARGUMENT"),
    );
  });
});
