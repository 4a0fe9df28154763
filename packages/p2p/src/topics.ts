import { P2PError } from "./errors.js";

/**
 * Gossip topics and request/response protocol ids of one chain. Everything is namespaced by the
 * chain's CAIP-2 id, so the nodes of two chains never mix their traffic even when they share peers.
 */

/** Gossip topics of a chain. */
export type ChainTopicKind = "txs" | "votes" | "blocks";
/** Request/response protocols of a chain. */
export type ChainProtocolKind = "sync";

export const CHAIN_TOPIC_KINDS: readonly ChainTopicKind[] = ["txs", "votes", "blocks"];

// CAIP-2: namespace [-a-z0-9]{3,8}, reference [-_a-zA-Z0-9]{1,32}.
const CAIP2 = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;

function assertChainId(chainId: string): void {
  if (typeof chainId !== "string" || !CAIP2.test(chainId)) {
    throw new P2PError("P2P_INVALID_ARGUMENT", "chain id is not a CAIP-2 id", { chainId: String(chainId) });
  }
}

/** `/tandem/<chainId>/<kind>/1`, e.g. `/tandem/tandem:acme/votes/1`. */
export function chainTopic(chainId: string, kind: ChainTopicKind): string {
  assertChainId(chainId);
  if (!CHAIN_TOPIC_KINDS.includes(kind)) {
    throw new P2PError("P2P_INVALID_ARGUMENT", "unknown topic kind", { kind: String(kind) });
  }
  return `/tandem/${chainId}/${kind}/1`;
}

/** The three gossip topics of a chain. */
export function chainTopics(chainId: string): Record<ChainTopicKind, string> {
  return {
    txs: chainTopic(chainId, "txs"),
    votes: chainTopic(chainId, "votes"),
    blocks: chainTopic(chainId, "blocks"),
  };
}

/** `/tandem/<chainId>/<kind>/1`, e.g. `/tandem/tandem:acme/sync/1` for block sync. */
export function chainProtocol(chainId: string, kind: ChainProtocolKind): string {
  assertChainId(chainId);
  if (kind !== "sync") {
    throw new P2PError("P2P_INVALID_ARGUMENT", "unknown protocol kind", { kind: String(kind) });
  }
  return `/tandem/${chainId}/${kind}/1`;
}

// multistream-select protocol ids: printable ASCII, starting with "/", bounded length.
const PROTOCOL_ID = /^\/[\x21-\x7e]{1,255}$/;

/** Throws P2P_INVALID_ARGUMENT unless `id` is a usable protocol id or topic (`/…`, printable ASCII). */
export function assertProtocolId(id: string, what = "protocol id"): void {
  if (typeof id !== "string" || !PROTOCOL_ID.test(id)) {
    throw new P2PError("P2P_INVALID_ARGUMENT", `invalid ${what}`, { [what]: String(id).slice(0, 300) });
  }
}
