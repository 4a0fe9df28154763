/**
 * A {@link PeerNetwork} over worker-thread message ports: nodes of one process, each on its own thread,
 * one MessagePort per pair of nodes. What the bench uses to run 4 validators of one process on all the
 * machine's cores. Gossip is a copy per peer (structured clone of the bytes); block sync is a request
 * and an answer on the pair's port, with a timeout.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { NodeErrorCode, nodeError } from "../node/errors.js";
import {
  NETWORK_TOPICS,
  type NetworkTopic,
  type PeerNetwork,
  type PeerNetworkHandlers,
} from "./interface.js";

export interface PortPeer {
  readonly id: string;
  readonly port: MessagePort;
}

export interface PortNetworkOptions {
  /** How long a block-sync request waits for its answer (default 5000 ms). */
  requestTimeoutMs?: number;
}

type Wire =
  | { readonly k: "msg"; readonly topic: NetworkTopic; readonly data: Uint8Array }
  | { readonly k: "get"; readonly id: number; readonly fromHeight: number; readonly max: number }
  | { readonly k: "blocks"; readonly id: number; readonly blocks: readonly Uint8Array[] | null };

const TOPICS = new Set<string>(NETWORK_TOPICS);

/**
 * A full mesh of ports for the nodes `ids`: one MessageChannel per pair. Node `ids[i]` gets element i,
 * its peers (to hand to its {@link PortNetwork}, transferring the ports when it runs on a worker thread).
 */
export function portMesh(ids: readonly string[]): PortPeer[][] {
  const out: PortPeer[][] = ids.map(() => []);
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const ch = new MessageChannel();
      out[a]?.push({ id: ids[b] as string, port: ch.port1 });
      out[b]?.push({ id: ids[a] as string, port: ch.port2 });
    }
  }
  return out;
}

interface Pending {
  resolve(blocks: readonly Uint8Array[]): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export class PortNetwork implements PeerNetwork {
  private handlers: PeerNetworkHandlers | undefined;
  private readonly ports = new Map<string, MessagePort>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly timeoutMs: number;

  constructor(
    readonly peerId: string,
    peers: readonly PortPeer[],
    opts: PortNetworkOptions = {},
  ) {
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    for (const p of peers) {
      this.ports.set(p.id, p.port);
      p.port.on("message", (m: unknown) => this.receive(p.id, p.port, m));
    }
  }

  peers(): readonly string[] {
    return [...this.ports.keys()];
  }

  publish(topic: NetworkTopic, data: Uint8Array): void {
    for (const port of this.ports.values()) port.postMessage({ k: "msg", topic, data } satisfies Wire);
  }

  send(peer: string, topic: NetworkTopic, data: Uint8Array): void {
    this.ports.get(peer)?.postMessage({ k: "msg", topic, data } satisfies Wire);
  }

  getBlocks(peer: string, fromHeight: number, max: number): Promise<readonly Uint8Array[]> {
    const port = this.ports.get(peer);
    if (port === undefined) {
      return Promise.reject(nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "peer unreachable", { peer }));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(nodeError(NodeErrorCode.NETWORK_TIMEOUT, "getBlocks timed out", { peer }));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      port.postMessage({ k: "get", id, fromHeight, max } satisfies Wire);
    });
  }

  attach(handlers: PeerNetworkHandlers): void {
    this.handlers = handlers;
  }

  detach(): void {
    this.handlers = undefined;
  }

  /** Stops listening on every port (pending requests fail as unreachable). */
  close(): void {
    this.handlers = undefined;
    for (const port of this.ports.values()) port.close();
    this.ports.clear();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "network closed"));
    }
    this.pending.clear();
  }

  private receive(from: string, port: MessagePort, raw: unknown): void {
    if (typeof raw !== "object" || raw === null) return;
    const m = raw as Wire;
    if (m.k === "msg") {
      if (!TOPICS.has(m.topic) || !(m.data instanceof Uint8Array)) return;
      this.handlers?.onMessage(from, m.topic, m.data);
    } else if (m.k === "get") {
      const h = this.handlers;
      const answer = (blocks: readonly Uint8Array[] | null): void =>
        port.postMessage({ k: "blocks", id: m.id, blocks } satisfies Wire);
      if (h === undefined) {
        answer(null);
        return;
      }
      Promise.resolve()
        .then(() => h.onGetBlocks(from, m.fromHeight, m.max))
        .then(answer, () => answer(null));
    } else if (m.k === "blocks") {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.blocks === null)
        p.reject(nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "peer refused", { peer: from }));
      else p.resolve(m.blocks);
    }
  }
}
