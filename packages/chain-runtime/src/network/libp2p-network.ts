/**
 * chain-core's {@link PeerNetwork} port over a {@link P2PNode}: the chain's three gossipsub topics
 * (`/tandem/<chainId>/{txs,votes,blocks}/1`), the block-sync request/response protocol
 * (`/tandem/<chainId>/sync/1`, `encodeGetBlocksRequest` / `encodeGetBlocksResponse` on the wire) and a
 * direct-message protocol (`/tandem/<chainId>/direct/1`) for {@link PeerNetwork.send}.
 *
 * Inbound gossip goes through the p2p package's topic validator: a message over its topic's limit, or one
 * that fails a cheap structural decode (a tx batch, or a consensus message of the kind that belongs on the
 * topic, for this chain), is rejected — neither delivered nor forwarded — and the relaying peer's
 * gossipsub score goes down. The decode only checks framing; signatures and contents are the node's job.
 *
 * Size limits per topic (bytes of one message):
 * - `txs`, `votes`: `maxMessageBytes` (default 1 MiB). A tx batch from the node that is larger is split
 *   into several batches on publish; a 512-tx batch of transfers (193 B each) is ~100 KB. 1 MiB holds a
 *   vote bundle (proof-of-lock) of ~6k votes; a bigger validator set needs a higher `maxMessageBytes`.
 * - `blocks` (proposals, decisions, which carry the whole block): the larger of `maxMessageBytes` and
 *   4 MiB − 1 KiB (the p2p package's default RPC frame limit minus its envelope allowance). That holds a
 *   proposal of 10k transfers (~2 MB). Blocks bigger than this cannot be proposed over gossip: a chain
 *   with bigger blocks must raise the P2PNode's `maxRpcBytes` and `maxMessageBytes` together.
 *
 * gossipsub ids are content hashes (the p2p package's choice; messages carry their own signatures), so
 * identical bytes travel once per 2 minutes. Two consensus habits need help with that: status messages,
 * identical across nodes at one (height, round), go to each neighbour directly; and the engine's
 * re-broadcasts of its own proposals and votes go directly to peers that joined the topic after the
 * first publish. `send` always uses the direct protocol (one libp2p stream per message).
 *
 * Messages that arrive while no handlers are attached (before `ChainNode.start`, after `detach`) are
 * dropped and counted: the node has no consensus engine until its first sync ends, so a buffer would hand
 * it messages it drops anyway; consensus recovers through round changes, status → decision, and sync.
 */
import { createHash } from "node:crypto";
import {
  decodeConsensusMessage,
  decodeGetBlocksRequest,
  decodeGetBlocksResponse,
  decodeTxBatch,
  encodeGetBlocksRequest,
  encodeGetBlocksResponse,
  encodeTxBatch,
  type Logger,
  MAX_SYNC_BATCH,
  NETWORK_TOPICS,
  type NetworkTopic,
  NodeErrorCode,
  nodeError,
  type PeerNetwork,
  type PeerNetworkHandlers,
  silentLogger,
} from "@tandem/chain-core";
import { chainProtocol, chainTopics, defaultP2POptions, isP2PError, type P2PNode } from "@tandem/p2p";
import { RuntimeError, RuntimeErrorCode } from "../errors.js";

export interface Libp2pPeerNetworkOptions {
  /** The chain's CAIP-2 id (e.g. "tandem:acme"): names the topics and protocols; the genesis chain id. */
  chainId: string;
  /** Per gossip message on `txs` and `votes` (and the floor of `blocks`); default 1 MiB. */
  maxMessageBytes?: number;
  /** getBlocks time limit (dial + request + response), ms; default 10 000. */
  requestTimeoutMs?: number;
  /** Largest getBlocks response accepted, and served; default 16 MiB. */
  maxBlocksResponseBytes?: number;
  /**
   * A re-broadcast of this node's own message (same bytes, which gossipsub drops as a duplicate) goes
   * directly to each subscribed peer that has not been sent it for this long; default 2000 ms.
   */
  resendAfterMs?: number;
  logger?: Logger;
}

/** Counters of the adapter (inbound unless said otherwise). */
export interface Libp2pPeerNetworkStats {
  /** Inbound messages seen (gossip that reached the validator, and direct messages). */
  received: number;
  /** Inbound messages not delivered to the node: oversized, malformed, or no handlers attached. */
  dropped: number;
  /** Of `dropped`: over the topic's size limit. */
  oversized: number;
  /** Of `dropped`: failed the structural decode (or came on the wrong topic). */
  malformed: number;
  /** Outbound messages handed to libp2p (gossip publishes that were not duplicates, direct sends). */
  published: number;
}

export const defaultLibp2pPeerNetworkOptions = {
  maxMessageBytes: 1024 * 1024,
  requestTimeoutMs: 10_000,
  maxBlocksResponseBytes: 16 * 1024 * 1024,
  resendAfterMs: 2000,
} as const;

/** The p2p package's default ceiling of a topic limit: its RPC frame limit minus 1 KiB of envelope. */
const P2P_DEFAULT_TOPIC_CEILING = defaultP2POptions.maxRpcBytes - 1024;
/** Direct sends in flight at once; beyond this they are dropped (consensus re-sends what matters). */
const MAX_DIRECT_INFLIGHT = 256;
/** A direct send carries one consensus message; it should not wait as long as a sync request. */
const DIRECT_TIMEOUT_MS = 5_000;
/** Own gossip messages remembered for re-broadcasts to late joiners (about 2 minutes of a busy validator). */
const MAX_REMEMBERED = 4096;
const TOPIC_CODES: Record<NetworkTopic, number> = { txs: 1, votes: 2, blocks: 3 };
const TOPICS_BY_CODE: ReadonlyMap<number, NetworkTopic> = new Map(
  NETWORK_TOPICS.map((t) => [TOPIC_CODES[t], t] as const),
);
const EMPTY = new Uint8Array(0);
/** Bytes of the getBlocks response list header and of each item's length prefix. */
const LIST_HEADER_BYTES = 4;
const ITEM_HEADER_BYTES = 4;

type Verdict = "ok" | "oversized" | "malformed";

interface Resolved {
  readonly chainId: string;
  readonly requestTimeoutMs: number;
  readonly maxBlocksResponseBytes: number;
  readonly resendAfterMs: number;
  readonly limits: Readonly<Record<NetworkTopic, number>>;
}

function positiveInt(
  issues: { path: string; message: string }[],
  name: string,
  v: unknown,
  d: number,
): number {
  if (v === undefined) return d;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
    issues.push({ path: name, message: "must be a positive integer" });
    return d;
  }
  return v;
}

function resolve(opts: Libp2pPeerNetworkOptions): Resolved {
  const d = defaultLibp2pPeerNetworkOptions;
  const issues: { path: string; message: string }[] = [];
  const maxMessageBytes = positiveInt(issues, "maxMessageBytes", opts.maxMessageBytes, d.maxMessageBytes);
  const requestTimeoutMs = positiveInt(issues, "requestTimeoutMs", opts.requestTimeoutMs, d.requestTimeoutMs);
  const maxBlocksResponseBytes = positiveInt(
    issues,
    "maxBlocksResponseBytes",
    opts.maxBlocksResponseBytes,
    d.maxBlocksResponseBytes,
  );
  const resendAfterMs = positiveInt(issues, "resendAfterMs", opts.resendAfterMs, d.resendAfterMs);
  if (issues.length > 0) {
    throw new RuntimeError(RuntimeErrorCode.CONFIG_INVALID, "invalid libp2p network options", { issues });
  }
  return {
    chainId: opts.chainId,
    requestTimeoutMs,
    maxBlocksResponseBytes,
    resendAfterMs,
    limits: {
      txs: maxMessageBytes,
      votes: maxMessageBytes,
      blocks: Math.max(maxMessageBytes, P2P_DEFAULT_TOPIC_CEILING),
    },
  };
}

/** A consensus status message ("I am at height, round"): tag 3, u64 height, u32 round. */
function isStatus(data: Uint8Array): boolean {
  if (data.length !== 13 || data[0] !== 3) return false;
  try {
    return decodeConsensusMessage(data).kind === "status";
  } catch {
    return false;
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Splits a tx batch into batches of at most `limit` encoded bytes; txs that alone exceed it are left out. */
function splitTxBatch(txs: readonly Uint8Array[], limit: number): { batches: Uint8Array[]; skipped: number } {
  const batches: Uint8Array[] = [];
  let chunk: Uint8Array[] = [];
  let size = LIST_HEADER_BYTES;
  let skipped = 0;
  for (const tx of txs) {
    const n = ITEM_HEADER_BYTES + tx.length;
    if (LIST_HEADER_BYTES + n > limit) {
      skipped++;
      continue;
    }
    if (size + n > limit) {
      batches.push(encodeTxBatch(chunk));
      chunk = [];
      size = LIST_HEADER_BYTES;
    }
    chunk.push(tx);
    size += n;
  }
  if (chunk.length > 0) batches.push(encodeTxBatch(chunk));
  return { batches, skipped };
}

export class Libp2pPeerNetwork implements PeerNetwork {
  readonly stats: Libp2pPeerNetworkStats = {
    received: 0,
    dropped: 0,
    oversized: 0,
    malformed: 0,
    published: 0,
  };
  readonly peerId: string;
  /** The gossipsub topic of each kind. */
  readonly topics: Readonly<Record<NetworkTopic, string>>;
  readonly syncProtocol: string;
  readonly directProtocol: string;
  /** Size limit of one message per topic, bytes. */
  readonly limits: Readonly<Record<NetworkTopic, number>>;
  private handlers: PeerNetworkHandlers | undefined;
  private closed = false;
  private readonly unsubscribes: Array<() => void> = [];
  private readonly handled: string[] = [];
  private readonly inflight = new Set<AbortController>();
  private directInflight = 0;
  /** Own gossip messages (sha256 of topic code ‖ bytes) → peers they went to; oldest first. */
  /** Own published messages: when each peer was last sent one (gossip or direct), ms. */
  private readonly sentTo = new Map<string, Map<string, number>>();

  private constructor(
    private readonly p2p: P2PNode,
    private readonly cfg: Resolved,
    private readonly log: Logger,
  ) {
    this.peerId = p2p.peerId;
    this.topics = chainTopics(cfg.chainId); // throws P2P_INVALID_ARGUMENT for a non-CAIP-2 id
    this.syncProtocol = chainProtocol(cfg.chainId, "sync");
    this.directProtocol = `/tandem/${cfg.chainId}/direct/1`;
    this.limits = cfg.limits;
  }

  /**
   * Subscribes the chain's topics and serves the sync and direct protocols on `p2p` (started by the
   * caller, and closed by it: {@link close} leaves the P2PNode running).
   */
  static async create(p2p: P2PNode, opts: Libp2pPeerNetworkOptions): Promise<Libp2pPeerNetwork> {
    const net = new Libp2pPeerNetwork(p2p, resolve(opts), opts.logger ?? silentLogger);
    try {
      await net.open();
    } catch (e) {
      await net.close();
      throw e;
    }
    return net;
  }

  private async open(): Promise<void> {
    for (const topic of NETWORK_TOPICS) this.subscribe(topic);
    await this.p2p.handle(this.syncProtocol, (req, from) => this.serveGetBlocks(req, from), {
      maxRequestBytes: 64,
      timeoutMs: this.cfg.requestTimeoutMs,
    });
    this.handled.push(this.syncProtocol);
    await this.p2p.handle(this.directProtocol, (req, from) => this.receiveDirect(req, from), {
      maxRequestBytes: 1 + Math.max(...Object.values(this.limits)),
      timeoutMs: DIRECT_TIMEOUT_MS,
    });
    this.handled.push(this.directProtocol);
  }

  private subscribe(topic: NetworkTopic): void {
    const limit = this.limits[topic];
    const handler = (data: Uint8Array, from: string): void => this.deliver(from, topic, data);
    const validate = (data: Uint8Array, from: string) =>
      this.inbound(from, topic, data) ? "accept" : "reject";
    // The p2p layer rejects messages over the subscription's maxBytes before our validator sees them, so
    // the subscription gets the p2p ceiling and the validator enforces (and counts) the topic's own limit.
    const cap = Math.max(limit, P2P_DEFAULT_TOPIC_CEILING);
    let unsubscribe: () => void;
    try {
      unsubscribe = this.p2p.subscribe(this.topics[topic], handler, { maxBytes: cap, validate });
    } catch (e) {
      // A P2PNode with a smaller RPC frame limit refuses the ceiling: let it enforce the limit itself.
      if (!isP2PError(e, "P2P_INVALID_ARGUMENT") || cap === limit) throw e;
      unsubscribe = this.p2p.subscribe(this.topics[topic], handler, { maxBytes: limit, validate });
    }
    this.unsubscribes.push(unsubscribe);
  }

  // ---- inbound ----------------------------------------------------------------------------------

  /** Counts an inbound message and checks it; false = drop (and, for gossip, penalize). */
  private inbound(from: string, topic: NetworkTopic, data: Uint8Array): boolean {
    this.stats.received++;
    const verdict = this.check(topic, data);
    if (verdict === "ok") return true;
    this.stats.dropped++;
    this.stats[verdict]++;
    this.log.debug("network message dropped", { peer: from, topic, reason: verdict, size: data.byteLength });
    return false;
  }

  /** Size, then a structural decode: a non-empty tx batch, or a consensus message that belongs on `topic`. */
  private check(topic: NetworkTopic, data: Uint8Array): Verdict {
    if (data.byteLength > this.limits[topic]) return "oversized";
    try {
      if (topic === "txs") return decodeTxBatch(data).length > 0 ? "ok" : "malformed";
      const m = decodeConsensusMessage(data);
      const chainId = this.cfg.chainId;
      switch (m.kind) {
        case "proposal":
          return topic === "blocks" && m.proposal.chainId === chainId ? "ok" : "malformed";
        case "decision":
          return topic === "blocks" ? "ok" : "malformed";
        case "vote":
          return topic === "votes" && m.vote.chainId === chainId ? "ok" : "malformed";
        case "votes":
          return topic === "votes" && m.votes.length > 0 && m.votes.every((v) => v.chainId === chainId)
            ? "ok"
            : "malformed";
        case "status":
          return topic === "votes" ? "ok" : "malformed";
      }
    } catch {
      return "malformed";
    }
  }

  /** Hands an accepted message to the node; never throws into libp2p. */
  private deliver(from: string, topic: NetworkTopic, data: Uint8Array): void {
    const h = this.handlers;
    if (h === undefined || this.closed) {
      this.stats.dropped++;
      return;
    }
    try {
      h.onMessage(from, topic, data);
    } catch (e) {
      this.log.error("network message handler threw", { peer: from, topic, error: reason(e) });
    }
  }

  /** Direct message: u8 topic code ‖ payload. Answered with an empty response whatever happens. */
  private receiveDirect(req: Uint8Array, from: string): Uint8Array {
    const topic = req.length > 0 ? TOPICS_BY_CODE.get(req[0] as number) : undefined;
    if (topic === undefined) {
      this.stats.received++;
      this.stats.dropped++;
      this.stats.malformed++;
      this.log.debug("network message dropped", { peer: from, reason: "malformed", direct: true });
      return EMPTY;
    }
    const data = req.subarray(1);
    if (this.inbound(from, topic, data)) this.deliver(from, topic, data);
    return EMPTY;
  }

  private async serveGetBlocks(req: Uint8Array, from: string): Promise<Uint8Array> {
    // Throws CODEC_MALFORMED: the requester gets that code back.
    const { fromHeight, max } = decodeGetBlocksRequest(req);
    const h = this.handlers;
    // Not attached (starting or stopping): "nothing to serve" is a valid answer; the requester asks others.
    if (h === undefined || this.closed || max === 0) return encodeGetBlocksResponse([]);
    let items: readonly Uint8Array[];
    try {
      items = await h.onGetBlocks(from, fromHeight, Math.min(max, MAX_SYNC_BATCH));
    } catch (e) {
      this.log.warn("getBlocks handler failed", { peer: from, fromHeight, error: reason(e) });
      throw e;
    }
    // Keep the response within what a requester with the same settings accepts (a prefix is a valid answer).
    let size = LIST_HEADER_BYTES;
    let n = 0;
    for (const it of items) {
      if (n >= MAX_SYNC_BATCH || size + ITEM_HEADER_BYTES + it.length > this.cfg.maxBlocksResponseBytes)
        break;
      size += ITEM_HEADER_BYTES + it.length;
      n++;
    }
    if (n < items.length) this.log.debug("getBlocks response trimmed", { peer: from, asked: max, sent: n });
    return encodeGetBlocksResponse(n === items.length ? items : items.slice(0, n));
  }

  // ---- PeerNetwork ------------------------------------------------------------------------------

  peers(): readonly string[] {
    if (this.closed || !this.p2p.started) return [];
    return this.p2p.peers();
  }

  publish(topic: NetworkTopic, data: Uint8Array): void {
    if (this.closed) return;
    if (topic === "votes" && isStatus(data)) {
      // Every node at (height, round) sends the same 13 status bytes, and gossip ids are content hashes:
      // only the first node's would travel, so a lagging peer's status would never reach the peers that
      // answer it with the decision it lacks. Status goes to each neighbour directly instead.
      for (const peer of this.peers()) this.send(peer, topic, data);
      return;
    }
    const limit = this.limits[topic];
    if (data.byteLength <= limit) {
      this.gossip(topic, data);
      return;
    }
    if (topic === "txs") {
      let txs: Uint8Array[];
      try {
        txs = decodeTxBatch(data);
      } catch (e) {
        this.log.warn("unpublishable tx batch", { size: data.byteLength, error: reason(e) });
        return;
      }
      const { batches, skipped } = splitTxBatch(txs, limit);
      if (skipped > 0) this.log.warn("txs larger than the gossip limit not published", { skipped, limit });
      for (const b of batches) this.gossip(topic, b);
      return;
    }
    this.log.warn("message over the topic's size limit not published", {
      topic,
      size: data.byteLength,
      limit,
    });
  }

  /**
   * Publishes on the topic. gossipsub drops identical bytes seen in the last 2 minutes, so the engine's
   * periodic re-broadcasts of its own proposals and votes would go nowhere: a peer that missed one (it
   * restarted, was still syncing, or was not in the mesh yet) would never get it, and a round could wait
   * forever on a vote. A re-broadcast therefore goes directly to every subscribed peer not sent that
   * message in the last `resendAfterMs`, which is the "keep sending peers the votes they may lack" of
   * Tendermint's gossip.
   */
  private gossip(topic: NetworkTopic, data: Uint8Array): void {
    const key = createHash("sha256").update(Uint8Array.of(TOPIC_CODES[topic])).update(data).digest("base64");
    this.p2p.publish(this.topics[topic], data).then(
      (r) => {
        if (this.closed) return;
        const now = Date.now();
        if (!r.duplicate) {
          this.stats.published++;
          this.remember(key, r.recipients, now);
          return;
        }
        const sentTo = this.sentTo.get(key);
        if (sentTo === undefined) return; // seen from another node, not published by this one
        for (const peer of this.p2p.topicPeers(this.topics[topic])) {
          const last = sentTo.get(peer);
          if (last !== undefined && now - last < this.cfg.resendAfterMs) continue;
          sentTo.set(peer, now);
          this.send(peer, topic, data);
        }
      },
      (e: unknown) => {
        if (!this.closed) this.log.debug("publish failed", { topic, error: reason(e) });
      },
    );
  }

  private remember(key: string, recipients: readonly string[], now: number): void {
    // Remembered even with no recipients: a node's first votes after a restart often find no mesh yet.
    this.sentTo.set(key, new Map(recipients.map((p) => [p, now])));
    if (this.sentTo.size > MAX_REMEMBERED) {
      const oldest = this.sentTo.keys().next().value;
      if (oldest !== undefined) this.sentTo.delete(oldest);
    }
  }

  /**
   * Sends one message to `peer` over the direct protocol (one stream per message; not re-gossiped by
   * the receiver). Gossip would not do: gossipsub drops identical bytes as duplicates, so a decision or
   * status already seen on the topic could never be re-sent to a peer that missed it.
   */
  send(peer: string, topic: NetworkTopic, data: Uint8Array): void {
    if (this.closed || peer === this.peerId) return;
    if (data.byteLength > this.limits[topic]) {
      this.log.warn("direct message over the topic's size limit not sent", { topic, size: data.byteLength });
      return;
    }
    if (this.directInflight >= MAX_DIRECT_INFLIGHT) {
      this.log.debug("direct send dropped: too many in flight", { peer, topic });
      return;
    }
    const frame = new Uint8Array(1 + data.byteLength);
    frame[0] = TOPIC_CODES[topic];
    frame.set(data, 1);
    this.directInflight++;
    this.stats.published++;
    this.p2p
      .request(peer, this.directProtocol, frame, {
        timeoutMs: Math.min(DIRECT_TIMEOUT_MS, this.cfg.requestTimeoutMs),
        maxResponseBytes: 64,
      })
      .then(
        () => {},
        (e: unknown) => {
          if (!this.closed) this.log.debug("direct send failed", { peer, topic, error: reason(e) });
        },
      )
      .finally(() => {
        this.directInflight--;
      });
  }

  async getBlocks(peer: string, fromHeight: number, max: number): Promise<readonly Uint8Array[]> {
    if (this.closed) throw nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "the network is closed", { peer });
    const request = encodeGetBlocksRequest(fromHeight, max); // RangeError on bad arguments
    const ctrl = new AbortController();
    this.inflight.add(ctrl);
    let bytes: Uint8Array;
    try {
      bytes = await this.p2p.request(peer, this.syncProtocol, request, {
        timeoutMs: this.cfg.requestTimeoutMs,
        maxResponseBytes: this.cfg.maxBlocksResponseBytes,
        signal: ctrl.signal,
      });
    } catch (e) {
      if (isP2PError(e, "P2P_TIMEOUT")) {
        throw nodeError(NodeErrorCode.NETWORK_TIMEOUT, "getBlocks timed out", { peer }, { cause: e });
      }
      const p2pCode = isP2PError(e) ? e.code : undefined;
      throw nodeError(
        NodeErrorCode.NETWORK_UNREACHABLE,
        "getBlocks failed",
        { peer, ...(p2pCode === undefined ? {} : { p2pCode }), reason: reason(e) },
        { cause: e },
      );
    } finally {
      this.inflight.delete(ctrl);
    }
    try {
      // Only the framing is checked here; the node decodes and verifies every block and commit.
      return decodeGetBlocksResponse(bytes);
    } catch (cause) {
      throw nodeError(
        NodeErrorCode.SYNC_MALFORMED,
        "getBlocks response does not decode",
        { peer },
        { cause },
      );
    }
  }

  attach(handlers: PeerNetworkHandlers): void {
    this.handlers = handlers;
  }

  detach(): void {
    this.handlers = undefined;
  }

  /** Unsubscribes the topics, stops serving the protocols, fails requests in flight. The P2PNode stays up. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers = undefined;
    for (const c of this.inflight) c.abort();
    this.inflight.clear();
    this.sentTo.clear();
    for (const u of this.unsubscribes.splice(0)) {
      try {
        u();
      } catch (e) {
        this.log.debug("unsubscribe failed", { error: reason(e) });
      }
    }
    for (const p of this.handled.splice(0)) {
      await this.p2p
        .unhandle(p)
        .catch((e: unknown) => this.log.debug("unhandle failed", { error: reason(e) }));
    }
  }
}
