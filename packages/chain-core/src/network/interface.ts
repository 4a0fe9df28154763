/**
 * The network port of a chain node: gossip on three topics (the @tandem/p2p topic kinds), direct
 * messages, and one request/response method for block sync. The node registers its handlers with
 * {@link PeerNetwork.attach}. Implementations: {@link MemoryNetwork} (tests, the simulator, the bench);
 * a libp2p adapter (gossipsub topics `/tandem/<chainId>/{txs,votes,blocks}/1` and the `sync` protocol,
 * with {@link encodeGetBlocksRequest} / {@link encodeGetBlocksResponse} on the wire).
 */

/** Gossip topics: tx batches, consensus votes and status, proposals and decisions (blocks). */
export type NetworkTopic = "txs" | "votes" | "blocks";

export const NETWORK_TOPICS: readonly NetworkTopic[] = ["txs", "votes", "blocks"];

/** What the node gives the network. */
export interface PeerNetworkHandlers {
  /** A gossiped or direct message from `from`. Must not throw. */
  onMessage(from: string, topic: NetworkTopic, data: Uint8Array): void;
  /**
   * Serves a block-sync request: up to `max` encoded blocks-with-commit (`encodeBlockWithCommit`) from
   * `fromHeight` on, in height order; fewer (or none) when this node has no more.
   */
  onGetBlocks(
    from: string,
    fromHeight: number,
    max: number,
  ): readonly Uint8Array[] | Promise<readonly Uint8Array[]>;
}

export interface PeerNetwork {
  /** This node's peer id. */
  readonly peerId: string;
  /** Peers currently reachable (candidates for sync). */
  peers(): readonly string[];
  /** Gossips `data` to every peer on `topic` (not back to this node). */
  publish(topic: NetworkTopic, data: Uint8Array): void;
  /** Sends `data` to one peer (an adapter without direct messages may publish instead). */
  send(peer: string, topic: NetworkTopic, data: Uint8Array): void;
  /**
   * Asks `peer` for up to `max` blocks with their commits from `fromHeight` on. Rejects with
   * NETWORK_UNREACHABLE or NETWORK_TIMEOUT; an answer is untrusted bytes (the node verifies it).
   */
  getBlocks(peer: string, fromHeight: number, max: number): Promise<readonly Uint8Array[]>;
  /** Registers the node's handlers (once; a second attach replaces them). */
  attach(handlers: PeerNetworkHandlers): void;
  /** Unregisters the handlers: nothing is delivered to this node any more. */
  detach(): void;
}
