import { describe, expect, it } from "vitest";
import { defaultP2POptions, generatePeerKey, P2PNode, type P2POptions } from "../../src/index.js";

describe("P2PNode.create option checks", () => {
  const create = async (o: Partial<P2POptions>) => {
    const node = await P2PNode.create({ privateKey: await generatePeerKey(), ...o });
    await node.close();
    return node;
  };

  it("defaults to loopback, libp2p's inbound rate limit and bounded sizes", () => {
    expect(defaultP2POptions.listen).toEqual(["/ip4/127.0.0.1/tcp/0"]);
    expect(defaultP2POptions.inboundConnectionThreshold).toBe(5);
    expect(defaultP2POptions.maxMessageBytes).toBeLessThan(defaultP2POptions.maxRpcBytes);
  });

  it("derives the peer id from the key file before starting", async () => {
    const key = await generatePeerKey();
    const node = await P2PNode.create({
      privateKey: key,
      mdns: { intervalMs: 5_000, serviceTag: "tandem-home" },
    });
    expect(node.peerId).toMatch(/^12D3KooW/);
    expect(node.multiaddrs).toEqual([]);
    await node.close();
  });

  it.each<[string, Partial<P2POptions>]>([
    ["a listen address that is not a multiaddr", { listen: ["127.0.0.1:4001"] }],
    ["a bootstrap address without /p2p", { bootstrap: ["/ip4/127.0.0.1/tcp/4001"] }],
    ["a bootstrap address that is not a multiaddr", { bootstrap: ["seed.acme.example"] }],
    ["a zero size limit", { maxMessageBytes: 0 }],
    ["a fractional timeout", { requestTimeoutMs: 1.5 }],
    ["a negative penalty", { rejectPenalty: -1 }],
    ["a tiny RPC limit", { maxRpcBytes: 1024 }],
    ["a message limit above the RPC limit", { maxRpcBytes: 8192, maxMessageBytes: 8192 }],
    ["an mDNS interval of zero", { mdns: { intervalMs: 0 } }],
  ])("rejects %s with P2P_INVALID_ARGUMENT", async (_what, o) => {
    await expect(create(o)).rejects.toMatchObject({ code: "P2P_INVALID_ARGUMENT" });
  });

  it("rejects a key that is not an Ed25519 libp2p key with P2P_INVALID_KEY", async () => {
    await expect(P2PNode.create({ privateKey: new Uint8Array(32) })).rejects.toMatchObject({
      code: "P2P_INVALID_KEY",
    });
  });
});
