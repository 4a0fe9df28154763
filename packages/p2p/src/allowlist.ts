import type { ConnectionGater, PeerId } from "@libp2p/interface";
import { normalizePeerId } from "./identity.js";

/**
 * The chain's peer allowlist as a libp2p connection gater. With a list set, a peer id outside it is
 * never dialed, and a connection either way is dropped right after the Noise handshake proves the
 * remote's peer id (before any muxer or protocol runs). With no list (`undefined`) everyone may connect.
 * The list can change while the node runs (validator-set changes); see `P2PNode.setAllowlist`.
 */
export class Allowlist {
  private ids: ReadonlySet<string> | undefined;

  constructor(ids?: Iterable<string>) {
    this.ids = Allowlist.parse(ids);
  }

  private static parse(ids: Iterable<string> | undefined): ReadonlySet<string> | undefined {
    if (ids === undefined) return undefined;
    const out = new Set<string>();
    for (const id of ids) out.add(normalizePeerId(id));
    return out;
  }

  /** Replaces the list; `undefined` opens the node to everyone. Throws P2P_INVALID_ARGUMENT on a bad id. */
  set(ids: Iterable<string> | undefined): void {
    this.ids = Allowlist.parse(ids);
  }

  get enabled(): boolean {
    return this.ids !== undefined;
  }

  /** True if `peer` (a canonical peer id string) may connect. */
  allows(peer: string): boolean {
    return this.ids === undefined || this.ids.has(peer);
  }

  /** The gater to hand to libp2p; it reads the current list on every call. */
  gater(): ConnectionGater {
    const deny = (peer: PeerId): boolean => !this.allows(peer.toString());
    return {
      denyDialPeer: deny,
      denyOutboundConnection: (peer) => deny(peer),
      denyInboundEncryptedConnection: (peer) => deny(peer),
      denyOutboundEncryptedConnection: (peer) => deny(peer),
      denyInboundUpgradedConnection: (peer) => deny(peer),
      denyOutboundUpgradedConnection: (peer) => deny(peer),
    };
  }
}
