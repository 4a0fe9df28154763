import { waitFor } from "@tandem/test-utils";
import { generatePeerKey, P2PNode, type P2POptions } from "../src/index.js";

/** Loopback-friendly settings: fast redial and peer exchange, no per-host inbound rate limit. */
export const testOptions = {
  listen: ["/ip4/127.0.0.1/tcp/0"],
  inboundConnectionThreshold: 10_000,
  dialIntervalMs: 100,
  maxDialBackoffMs: 400,
  peerExchangeIntervalMs: 300,
  gossipHeartbeatMs: 200,
} satisfies Partial<P2POptions>;

/** Creates nodes with test defaults and closes every one of them in `closeAll()` (afterEach). */
export class Nodes {
  private readonly all: P2PNode[] = [];

  async create(opts: Partial<P2POptions> = {}): Promise<P2PNode> {
    const node = await P2PNode.create({
      ...testOptions,
      privateKey: opts.privateKey ?? (await generatePeerKey()),
      ...opts,
    });
    this.all.push(node);
    return node;
  }

  async start(opts: Partial<P2POptions> = {}): Promise<P2PNode> {
    const node = await this.create(opts);
    await node.start();
    return node;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all.splice(0).map((n) => n.close()));
  }
}

export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Waits until every node sees every other node as a subscriber of `topic`. */
export async function waitForTopicMesh(nodes: P2PNode[], topic: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () => nodes.every((n) => nodes.every((m) => m === n || n.topicPeers(topic).includes(m.peerId))),
    { timeoutMs, what: `every node to see every other subscribed to ${topic}` },
  );
}

/** Waits until each node is directly connected to every other. */
export async function waitForFullMesh(nodes: P2PNode[], timeoutMs = 10_000): Promise<void> {
  await waitFor(() => nodes.every((n) => nodes.every((m) => m === n || n.peers().includes(m.peerId))), {
    timeoutMs,
    what: "a full mesh of connections",
  });
}
