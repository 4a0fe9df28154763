/**
 * mDNS discovery (the home profile): two nodes with no seeds, on this machine's network, find each
 * other by multicast DNS-SD under their chain's service tag and connect; a node under another tag is
 * not dialed.
 */
import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { generatePeerKey, P2PNode } from "../../src/index.js";

const nodes: P2PNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(tag: string): Promise<P2PNode> {
  const n = await P2PNode.create({
    privateKey: await generatePeerKey(),
    listen: ["/ip4/0.0.0.0/tcp/0"],
    mdns: { intervalMs: 500, serviceTag: tag },
    dialIntervalMs: 300,
    peerExchange: false,
  });
  await n.start();
  nodes.push(n);
  return n;
}

// Multicast needs a non-loopback interface (a LAN); a machine without one has no home network to find.
const hasLan = Object.values(networkInterfaces()).some((list) =>
  list?.some((i) => i.family === "IPv4" && !i.internal),
);

describe.runIf(hasLan)("mDNS discovery", () => {
  it("connects two nodes of one home chain with no seeds; ignores another chain's tag", async () => {
    const tag = `tandem-home-${randomBytes(3).toString("hex")}`;
    const a = await node(tag);
    const b = await node(tag);
    const other = await node(`${tag}-other`);
    const deadline = Date.now() + 20_000;
    while (!(a.isConnected(b.peerId) && b.isConnected(a.peerId))) {
      if (Date.now() > deadline) throw new Error("no mDNS discovery within 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(a.isConnected(b.peerId)).toBe(true);
    expect(other.peers()).toHaveLength(0);
  }, 30_000);
});
