import "./polyfill.js";
import { createHash } from "node:crypto";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import {
  type GossipSub,
  type GossipsubMessage,
  gossipsub,
  type Message,
  StrictNoSign,
  TopicValidatorResult,
} from "@libp2p/gossipsub";
import { type Identify, identify } from "@libp2p/identify";
import type { Connection, IdentifyResult, Libp2p, PeerId, Stream } from "@libp2p/interface";
import { mdns } from "@libp2p/mdns";
import { peerIdFromString } from "@libp2p/peer-id";
import { tcp } from "@libp2p/tcp";
import { CODE_P2P, type Multiaddr, multiaddr } from "@multiformats/multiaddr";
import { createLibp2p, type Libp2pOptions } from "libp2p";
import { Allowlist } from "./allowlist.js";
import { P2PError, type P2PErrorCode } from "./errors.js";
import { plain } from "./framing.js";
import { decodePeerKey, normalizePeerId } from "./identity.js";
import { type Logger, silentLogger } from "./logger.js";
import {
  defaultP2POptions,
  type HandleOptions,
  type MessageHandler,
  type P2PEvents,
  type P2POptions,
  type PublishResult,
  type RequestHandler,
  type RequestOptions,
  type SubscribeOptions,
  type ValidationResult,
} from "./options.js";
import {
  decodePeerRecords,
  encodePeerRecords,
  MAX_PEX_PEERS,
  MAX_PEX_RESPONSE_BYTES,
  PEER_EXCHANGE_PROTOCOL,
  type PeerRecord,
} from "./peer-exchange.js";
import { PenaltyBook } from "./penalties.js";
import { exchange, serve } from "./request-response.js";
import { assertProtocolId } from "./topics.js";

type Services = { identify: Identify; pubsub: GossipSub };

/** What @libp2p/gossipsub's class has beyond its exported interface (checked at creation). */
type ScoredGossipSub = GossipSub & {
  getScore(peerId: string): number;
  getMeshPeers(topic: string): string[];
};

/**
 * gossipsub internals read by {@link P2PNode.repairGossipStreams}. Not part of its typed API; the
 * repair checks their shapes at run time and does nothing if they change.
 */
interface GossipInternals {
  peers?: unknown;
  streamsOutbound?: unknown;
}
type OutboundStreams = Map<string, { rawStream?: { status?: string; writeStatus?: string } } | undefined>;

type Resolved = Omit<Required<P2POptions>, "allowlist" | "mdns" | "privateKey" | "logger">;

interface Subscription {
  handler: MessageHandler;
  maxBytes: number;
  validate: SubscribeOptions["validate"];
}

interface ProtocolEntry {
  handler: RequestHandler;
  maxRequestBytes: number;
  timeoutMs: number;
  maxInboundStreams: number;
}

/** A peer the dialer keeps connected: a seed (forever) or a discovered peer (until it fails too often). */
interface Candidate {
  id: string;
  /** The seed's multiaddr; discovered peers are dialed by id from the peer store. */
  addr: Multiaddr | undefined;
  seed: boolean;
  failures: number;
  nextAt: number;
  dialing: boolean;
}

/** How long a gossip peer may lack an outbound gossipsub stream before the connection is reset. */
const GOSSIP_STREAM_GRACE_MS = 3_000;
/** Room for the gossipsub RPC envelope (protobuf fields, topic) around a message's data. */
const RPC_OVERHEAD_BYTES = 1024;
const MAX_CANDIDATES = 1024;
/** Concurrent inbound streams per connection for a request protocol (libp2p's own default is 32). */
const DEFAULT_MAX_INBOUND_STREAMS = 64;
const MAX_DISCOVERED_FAILURES = 8;
const PEX_TIMEOUT_MS = 5_000;
const SEED_TAG = "tandem-seed";

function positiveInt(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new P2PError("P2P_INVALID_ARGUMENT", `${name} must be a positive integer`, { [name]: v });
  }
  return v;
}

function parseMultiaddr(s: string, what: string): Multiaddr {
  try {
    return multiaddr(s);
  } catch (cause) {
    throw new P2PError("P2P_INVALID_ARGUMENT", `invalid ${what} multiaddr`, { addr: String(s) }, { cause });
  }
}

function peerIdIn(ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast((c) => c.code === CODE_P2P)?.value;
}

function resolve(o: P2POptions): Resolved {
  const d = defaultP2POptions;
  const r: Resolved = {
    listen: o.listen ?? [...d.listen],
    announce: o.announce ?? [...d.announce],
    bootstrap: o.bootstrap ?? [...d.bootstrap],
    peerExchange: o.peerExchange ?? d.peerExchange,
    maxPeers: positiveInt("maxPeers", o.maxPeers ?? d.maxPeers),
    inboundConnectionThreshold: positiveInt(
      "inboundConnectionThreshold",
      o.inboundConnectionThreshold ?? d.inboundConnectionThreshold,
    ),
    dialIntervalMs: positiveInt("dialIntervalMs", o.dialIntervalMs ?? d.dialIntervalMs),
    maxDialBackoffMs: positiveInt("maxDialBackoffMs", o.maxDialBackoffMs ?? d.maxDialBackoffMs),
    dialTimeoutMs: positiveInt("dialTimeoutMs", o.dialTimeoutMs ?? d.dialTimeoutMs),
    peerExchangeIntervalMs: positiveInt(
      "peerExchangeIntervalMs",
      o.peerExchangeIntervalMs ?? d.peerExchangeIntervalMs,
    ),
    maxRpcBytes: positiveInt("maxRpcBytes", o.maxRpcBytes ?? d.maxRpcBytes),
    maxMessageBytes: 0,
    gossipHeartbeatMs: positiveInt("gossipHeartbeatMs", o.gossipHeartbeatMs ?? d.gossipHeartbeatMs),
    rejectPenalty: o.rejectPenalty ?? d.rejectPenalty,
    penaltyHalfLifeMs: positiveInt("penaltyHalfLifeMs", o.penaltyHalfLifeMs ?? d.penaltyHalfLifeMs),
    requestTimeoutMs: positiveInt("requestTimeoutMs", o.requestTimeoutMs ?? d.requestTimeoutMs),
    maxResponseBytes: positiveInt("maxResponseBytes", o.maxResponseBytes ?? d.maxResponseBytes),
    maxRequestBytes: positiveInt("maxRequestBytes", o.maxRequestBytes ?? d.maxRequestBytes),
    handlerTimeoutMs: positiveInt("handlerTimeoutMs", o.handlerTimeoutMs ?? d.handlerTimeoutMs),
  };
  if (r.maxRpcBytes < 4 * RPC_OVERHEAD_BYTES) {
    throw new P2PError("P2P_INVALID_ARGUMENT", "maxRpcBytes must be at least 4 KiB", {
      maxRpcBytes: r.maxRpcBytes,
    });
  }
  r.maxMessageBytes = positiveInt(
    "maxMessageBytes",
    o.maxMessageBytes ?? Math.min(d.maxMessageBytes, r.maxRpcBytes - RPC_OVERHEAD_BYTES),
  );
  assertFitsRpc(r.maxMessageBytes, r.maxRpcBytes);
  if (!(Number.isFinite(r.rejectPenalty) && r.rejectPenalty >= 0)) {
    throw new P2PError("P2P_INVALID_ARGUMENT", "rejectPenalty must be ≥ 0", {
      rejectPenalty: r.rejectPenalty,
    });
  }
  for (const a of [...r.listen, ...r.announce]) parseMultiaddr(a, "listen/announce");
  return r;
}

/** A topic limit must leave room for the RPC envelope, or a legal message would break the peer's stream. */
function assertFitsRpc(maxBytes: number, maxRpcBytes: number): void {
  if (maxBytes > maxRpcBytes - RPC_OVERHEAD_BYTES) {
    throw new P2PError("P2P_INVALID_ARGUMENT", "message size limit must be at most maxRpcBytes - 1 KiB", {
      maxBytes,
      maxRpcBytes,
    });
  }
}

/** gossipsub message id: SHA-256 over topic ‖ 0x00 ‖ data (content addressed: messages carry their own signatures). */
function contentMsgId(msg: Message): Uint8Array {
  return createHash("sha256")
    .update(msg.topic)
    .update(new Uint8Array([0]))
    .update(msg.data)
    .digest();
}

function toValidatorResult(r: ValidationResult): TopicValidatorResult {
  if (r === "accept") return TopicValidatorResult.Accept;
  if (r === "ignore") return TopicValidatorResult.Ignore;
  return TopicValidatorResult.Reject;
}

/** Maps a libp2p dial/stream-open failure to a coded error. */
function dialError(err: unknown, peer: string, signal: AbortSignal): P2PError {
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof P2PError) return reason;
    return new P2PError("P2P_ABORTED", "request aborted", { peer }, { cause: err });
  }
  const name = (err as { name?: unknown } | null)?.name;
  const code: P2PErrorCode =
    name === "UnsupportedProtocolError"
      ? "P2P_UNSUPPORTED_PROTOCOL"
      : name === "TooManyOutboundProtocolStreamsError"
        ? "P2P_TOO_MANY_STREAMS"
        : name === "DialDeniedError" ||
            name === "ConnectionDeniedError" ||
            name === "ConnectionInterceptedError"
          ? "P2P_PEER_NOT_ALLOWED"
          : "P2P_NO_PEER";
  return new P2PError(
    code,
    "could not open a stream to the peer",
    { peer, reason: String(err) },
    { cause: err },
  );
}

/**
 * A libp2p node for the peers of one chain: TCP + Noise + yamux, identify, gossipsub (unsigned,
 * content-addressed messages with per-topic size limits and validators that lower the sender's
 * score), length-prefixed request/response, bootstrap seeds kept connected, peer exchange, optional
 * mDNS and an allowlist gater. No chain logic inside: topics, protocols and payloads are the caller's.
 *
 * Peer ids are strings (`12D3KooW…`) and payloads `Uint8Array` throughout.
 */
export class P2PNode {
  private state: "created" | "started" | "closing" | "closed" = "created";
  private closing: Promise<void> | undefined;
  private readonly subs = new Map<string, Subscription>();
  private readonly protocols = new Map<string, ProtocolEntry>();
  private readonly candidates = new Map<string, Candidate>();
  private readonly inflight = new Set<AbortController>();
  /** Connections whose identify exchange completed: proof that the remote accepted them. */
  private readonly identified = new WeakSet<Connection>();
  /** Peers with an accepted (identified) connection; `peer:connect` was emitted for each. */
  private readonly connected = new Set<string>();
  private readonly listeners: { [K in keyof P2PEvents]: Set<P2PEvents[K]> } = {
    "peer:connect": new Set(),
    "peer:disconnect": new Set(),
  };
  private readonly pubsub: ScoredGossipSub;
  private readonly self: string;
  private timer: NodeJS.Timeout | undefined;
  private lastPeerExchange = 0;
  private readonly streamMissingSince = new Map<string, number>();
  /** Connected peers whose identify lists a gossipsub protocol. */
  private readonly gossipCapable = new Set<string>();

  private constructor(
    private readonly libp2p: Libp2p<Services>,
    private readonly cfg: Resolved,
    private readonly allowlist: Allowlist,
    private readonly penalties: PenaltyBook,
    private readonly log: Logger,
    seeds: { id: string; addr: Multiaddr }[],
  ) {
    this.self = libp2p.peerId.toString();
    const pubsub = libp2p.services.pubsub as ScoredGossipSub;
    if (typeof pubsub.getScore !== "function" || typeof pubsub.getMeshPeers !== "function") {
      throw new Error("@libp2p/gossipsub no longer exposes getScore/getMeshPeers");
    }
    this.pubsub = pubsub;
    for (const s of seeds) {
      if (s.id === this.self) continue; // a shared seed list includes the node itself
      this.candidates.set(s.id, {
        id: s.id,
        addr: s.addr,
        seed: true,
        failures: 0,
        nextAt: 0,
        dialing: false,
      });
    }
    libp2p.addEventListener("peer:disconnect", (e) => this.onDisconnect(e.detail));
    libp2p.addEventListener("peer:discovery", (e) => {
      this.addCandidate(e.detail.id.toString());
      this.kick();
    });
    libp2p.addEventListener("peer:identify", (e) => this.onIdentify(e.detail));
    pubsub.addEventListener("gossipsub:message", (e) => this.onGossip(e.detail));
  }

  /** Builds the node (not started: register handlers and subscriptions, then `start()`). */
  static async create(options: P2POptions): Promise<P2PNode> {
    const cfg = resolve(options);
    const privateKey = decodePeerKey(options.privateKey);
    const allowlist = new Allowlist(options.allowlist);
    const penalties = new PenaltyBook(cfg.penaltyHalfLifeMs);
    const log = options.logger ?? silentLogger;
    const seeds = cfg.bootstrap.map((s) => {
      const addr = parseMultiaddr(s, "bootstrap");
      const id = peerIdIn(addr);
      if (id === undefined) {
        throw new P2PError("P2P_INVALID_ARGUMENT", "bootstrap multiaddr must end in /p2p/<peerId>", {
          addr: s,
        });
      }
      return { id: normalizePeerId(id), addr };
    });
    const peerDiscovery: NonNullable<Libp2pOptions<Services>["peerDiscovery"]> = [];
    if (options.mdns !== undefined && options.mdns !== false) {
      const m = options.mdns === true ? {} : options.mdns;
      peerDiscovery.push(
        mdns({
          ...(m.intervalMs !== undefined ? { interval: positiveInt("mdns.intervalMs", m.intervalMs) } : {}),
          ...(m.serviceTag !== undefined ? { serviceTag: m.serviceTag } : {}),
        }),
      );
    }
    const libp2p = await createLibp2p<Services>({
      start: false,
      privateKey,
      addresses: { listen: cfg.listen, announce: cfg.announce },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: allowlist.gater(),
      connectionManager: {
        maxConnections: Math.max(16, cfg.maxPeers * 2),
        inboundConnectionThreshold: cfg.inboundConnectionThreshold,
        dialTimeout: cfg.dialTimeoutMs,
      },
      peerDiscovery,
      services: {
        identify: identify(),
        pubsub: gossipsub({
          globalSignaturePolicy: StrictNoSign,
          msgIdFn: contentMsgId,
          emitSelf: false,
          fallbackToFloodsub: false,
          allowPublishToZeroTopicPeers: false,
          ignoreDuplicatePublishError: false,
          heartbeatInterval: cfg.gossipHeartbeatMs,
          maxInboundDataLength: cfg.maxRpcBytes,
          scoreParams: {
            appSpecificScore: (peer: string) => penalties.score(peer),
            appSpecificWeight: 1,
            // With an allowlist, Sybil resistance comes from the list; many validators may share a NAT.
            ...(allowlist.enabled ? { IPColocationFactorWeight: 0 } : {}),
          },
        }),
      },
    });
    return new P2PNode(libp2p, cfg, allowlist, penalties, log, seeds);
  }

  // ------------------------------------------------------------------------------------ lifecycle

  /** Listens, registers handlers and subscriptions, and starts dialing the seeds. */
  async start(): Promise<void> {
    if (this.state === "started") return;
    if (this.state !== "created") throw new P2PError("P2P_CLOSED", "node is closed");
    if (this.cfg.peerExchange && !this.protocols.has(PEER_EXCHANGE_PROTOCOL)) {
      this.protocols.set(PEER_EXCHANGE_PROTOCOL, {
        handler: (_req, from) => this.peerRecords(from),
        maxRequestBytes: 0,
        timeoutMs: PEX_TIMEOUT_MS,
        maxInboundStreams: 4,
      });
    }
    try {
      // Handlers go in before the listeners open, so no early peer sees "protocol not supported".
      for (const [protocol, entry] of this.protocols) await this.register(protocol, entry);
      await this.libp2p.start();
    } catch (cause) {
      await Promise.resolve(this.libp2p.stop()).catch(() => {});
      this.state = "closed";
      throw new P2PError(
        "P2P_START_FAILED",
        "could not start the node (listen failed?)",
        { listen: this.cfg.listen, reason: String(cause) },
        { cause },
      );
    }
    this.state = "started";
    for (const topic of this.subs.keys()) this.applySubscription(topic);
    for (const c of this.candidates.values()) {
      if (!c.seed) continue;
      await this.libp2p.peerStore
        .merge(peerIdFromString(c.id), { tags: { [SEED_TAG]: { value: 100 } } })
        .catch(() => {});
    }
    this.log.info("p2p node started", { peerId: this.self, addrs: this.multiaddrs });
    this.schedule(0);
  }

  /** Stops dialing, fails in-flight requests with P2P_CLOSED, closes every connection and the listeners. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    if (this.closing !== undefined) return this.closing;
    const wasStarted = this.state === "started";
    this.state = "closing";
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const ctrl of this.inflight) ctrl.abort(new P2PError("P2P_CLOSED", "node closed"));
    this.closing = (async () => {
      try {
        if (wasStarted) await this.libp2p.stop();
      } finally {
        this.state = "closed";
        this.connected.clear();
        this.log.info("p2p node closed", { peerId: this.self });
      }
    })();
    return this.closing;
  }

  get started(): boolean {
    return this.state === "started";
  }

  private assertStarted(): void {
    if (this.state === "started") return;
    if (this.state === "created") throw new P2PError("P2P_NOT_STARTED", "node is not started");
    throw new P2PError("P2P_CLOSED", "node is closed");
  }

  // ------------------------------------------------------------------------------------ identity & peers

  /** This node's peer id. */
  get peerId(): string {
    return this.self;
  }

  /** Dialable addresses of this node, each ending in `/p2p/<peerId>` (empty before `start()`). */
  get multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  /**
   * Peers with an open connection that they accepted (identify completed). A peer whose allowlist
   * refuses this node is never listed, though libp2p briefly holds a connection to it.
   */
  peers(): string[] {
    return [...this.connected];
  }

  isConnected(peer: string): boolean {
    return this.connected.has(normalizePeerId(peer));
  }

  /**
   * Dials a multiaddr (with or without `/p2p/<id>`) and returns the remote's peer id once the remote
   * has accepted the connection (its identify exchange completed). A remote whose allowlist refuses
   * this node fails with P2P_NO_PEER: libp2p's dial itself resolves before the remote's gater runs.
   */
  async connect(addr: string, opts: { timeoutMs?: number } = {}): Promise<string> {
    this.assertStarted();
    const ma = parseMultiaddr(addr, "peer");
    const id = peerIdIn(ma);
    if (id !== undefined && !this.allowlist.allows(normalizePeerId(id))) {
      throw new P2PError("P2P_PEER_NOT_ALLOWED", "peer is not in the allowlist", { peer: id });
    }
    let conn: Connection;
    try {
      conn = await this.libp2p.dial(ma);
    } catch (err) {
      throw dialError(err, id ?? addr, new AbortController().signal);
    }
    const peer = conn.remotePeer.toString();
    await this.accepted(conn, positiveInt("timeoutMs", opts.timeoutMs ?? this.cfg.dialTimeoutMs));
    this.addCandidate(peer);
    return peer;
  }

  /** Resolves once `conn` is identified; rejects if it closes first or the time runs out. */
  private accepted(conn: Connection, timeoutMs: number): Promise<void> {
    if (this.identified.has(conn)) return Promise.resolve();
    const peer = conn.remotePeer.toString();
    if (conn.status !== "open") {
      return Promise.reject(new P2PError("P2P_NO_PEER", "the peer closed the connection", { peer }));
    }
    return new Promise((resolve, reject) => {
      const done = (err?: P2PError) => {
        clearTimeout(timer);
        this.libp2p.removeEventListener("peer:identify", onIdentify);
        this.libp2p.removeEventListener("connection:close", onClose);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onIdentify = (e: CustomEvent<IdentifyResult>) => {
        if (e.detail.connection === conn) done();
      };
      const onClose = (e: CustomEvent<Connection>) => {
        if (e.detail === conn) {
          done(
            new P2PError("P2P_NO_PEER", "the peer closed the connection (not on its allowlist?)", { peer }),
          );
        }
      };
      const timer = setTimeout(() => {
        void Promise.resolve(conn.close()).catch(() => {});
        done(new P2PError("P2P_TIMEOUT", "the peer did not complete identify", { peer, timeoutMs }));
      }, timeoutMs);
      this.libp2p.addEventListener("peer:identify", onIdentify);
      this.libp2p.addEventListener("connection:close", onClose);
    });
  }

  /** Closes every connection to `peer`; the dialer will not redial it unless it is a seed. */
  async disconnect(peer: string): Promise<void> {
    this.assertStarted();
    const id = normalizePeerId(peer);
    const c = this.candidates.get(id);
    if (c !== undefined && !c.seed) this.candidates.delete(id);
    await this.libp2p.hangUp(peerIdFromString(id));
  }

  /** Replaces the allowlist (`undefined` = open) and drops connections to peers no longer on it. */
  async setAllowlist(ids: Iterable<string> | undefined): Promise<void> {
    this.allowlist.set(ids);
    if (this.state !== "started") return;
    const drops = this.libp2p.getPeers().filter((p) => !this.allowlist.allows(p.toString()));
    await Promise.all(drops.map((p) => this.libp2p.hangUp(p).catch(() => {})));
  }

  /** Subscribes to peer connect/disconnect; returns the unsubscribe function. Listeners must not throw. */
  on<K extends keyof P2PEvents>(event: K, listener: P2PEvents[K]): () => void {
    const set = this.listeners[event] as Set<P2PEvents[K]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  private emit<K extends keyof P2PEvents>(event: K, peer: string): void {
    for (const l of this.listeners[event]) {
      try {
        l(peer);
      } catch (err) {
        this.log.error("p2p event listener threw", { event, reason: String(err) });
      }
    }
  }

  private onDisconnect(peerId: PeerId): void {
    const peer = peerId.toString();
    this.gossipCapable.delete(peer);
    if (this.connected.delete(peer)) this.emit("peer:disconnect", peer);
  }

  // ------------------------------------------------------------------------------------ pub/sub

  /**
   * Subscribes to `topic`. Messages over `maxBytes`, or that `validate` rejects, are neither delivered
   * nor forwarded, and the relaying peer loses score. Returns the unsubscribe function.
   */
  subscribe(topic: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    if (this.state === "closing" || this.state === "closed")
      throw new P2PError("P2P_CLOSED", "node is closed");
    assertProtocolId(topic, "topic");
    if (typeof handler !== "function")
      throw new P2PError("P2P_INVALID_ARGUMENT", "handler must be a function");
    if (this.subs.has(topic)) {
      throw new P2PError("P2P_ALREADY_REGISTERED", "topic already subscribed", { topic });
    }
    const maxBytes = positiveInt("maxBytes", opts.maxBytes ?? this.cfg.maxMessageBytes);
    assertFitsRpc(maxBytes, this.cfg.maxRpcBytes);
    const sub: Subscription = { handler, maxBytes, validate: opts.validate };
    this.subs.set(topic, sub);
    if (this.state === "started") this.applySubscription(topic);
    return () => {
      if (this.subs.get(topic) !== sub) return;
      this.subs.delete(topic);
      this.pubsub.topicValidators.delete(topic);
      if (this.state === "started") this.pubsub.unsubscribe(topic);
    };
  }

  private applySubscription(topic: string): void {
    this.pubsub.topicValidators.set(topic, (peer, msg) => this.validateMessage(peer, msg));
    this.pubsub.subscribe(topic);
  }

  private penalize(peer: string, topic: string, reason: string): void {
    this.penalties.add(peer, this.cfg.rejectPenalty);
    this.log.debug("gossip message rejected", { peer, topic, reason, penalty: this.penalties.get(peer) });
  }

  private async validateMessage(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const from = peer.toString();
    const sub = this.subs.get(msg.topic);
    if (sub === undefined) return TopicValidatorResult.Ignore;
    if (msg.data.byteLength > sub.maxBytes) {
      this.penalize(from, msg.topic, "too large");
      return TopicValidatorResult.Reject;
    }
    if (sub.validate === undefined) return TopicValidatorResult.Accept;
    let result: ValidationResult;
    try {
      result = await sub.validate(plain(msg.data), from);
    } catch (err) {
      this.log.debug("topic validator threw", { topic: msg.topic, reason: String(err) });
      result = "reject";
    }
    const r = toValidatorResult(result);
    if (r === TopicValidatorResult.Reject) this.penalize(from, msg.topic, "invalid");
    return r;
  }

  private onGossip(detail: GossipsubMessage): void {
    const sub = this.subs.get(detail.msg.topic);
    if (sub === undefined) return;
    const from = detail.propagationSource.toString();
    const fail = (err: unknown) =>
      this.log.error("message handler failed", { topic: detail.msg.topic, reason: String(err) });
    try {
      const r = sub.handler(plain(detail.msg.data), from);
      if (r instanceof Promise) r.catch(fail);
    } catch (err) {
      fail(err);
    }
  }

  /**
   * Publishes `data` on `topic` to the topic's peers. Never throws for "no peers yet" (empty
   * `recipients`) or for bytes already published or seen recently (`duplicate: true`; message ids
   * are content hashes, so the same bytes are one message).
   */
  async publish(topic: string, data: Uint8Array): Promise<PublishResult> {
    this.assertStarted();
    assertProtocolId(topic, "topic");
    if (!(data instanceof Uint8Array))
      throw new P2PError("P2P_INVALID_ARGUMENT", "data must be a Uint8Array");
    const limit = this.subs.get(topic)?.maxBytes ?? this.cfg.maxMessageBytes;
    if (data.byteLength > limit) {
      throw new P2PError("P2P_MESSAGE_TOO_LARGE", "message exceeds the topic's size limit", {
        topic,
        size: data.byteLength,
        limit,
      });
    }
    try {
      const r = await this.pubsub.publish(topic, data);
      return { recipients: r.recipients.map((p) => p.toString()), duplicate: false };
    } catch (err) {
      const m = err instanceof Error ? err.message : String(err);
      if (m === "PublishError.Duplicate") return { recipients: [], duplicate: true };
      if (m === "PublishError.NoPeersSubscribedToTopic") return { recipients: [], duplicate: false };
      throw new P2PError(
        "P2P_PUBLISH_FAILED",
        "gossipsub refused the message",
        { topic, reason: m },
        { cause: err },
      );
    }
  }

  /** Peers known to subscribe to `topic`. */
  topicPeers(topic: string): string[] {
    return this.pubsub.getSubscribers(topic).map((p) => p.toString());
  }

  /** Peers in this node's gossipsub mesh for `topic`. */
  meshPeers(topic: string): string[] {
    return this.pubsub.getMeshPeers(topic);
  }

  /** gossipsub's score of `peer` (0 for unknown peers; negative after rejected messages). */
  peerScore(peer: string): number {
    return this.pubsub.getScore(normalizePeerId(peer));
  }

  /** The application penalty points `peer` currently carries (decaying). */
  peerPenalty(peer: string): number {
    return this.penalties.get(normalizePeerId(peer));
  }

  // ------------------------------------------------------------------------------------ request/response

  /** Serves `protocol`: one request, one response per stream (see framing.ts). */
  async handle(protocol: string, handler: RequestHandler, opts: HandleOptions = {}): Promise<void> {
    if (this.state === "closing" || this.state === "closed")
      throw new P2PError("P2P_CLOSED", "node is closed");
    assertProtocolId(protocol);
    if (typeof handler !== "function")
      throw new P2PError("P2P_INVALID_ARGUMENT", "handler must be a function");
    if (this.protocols.has(protocol) || protocol === PEER_EXCHANGE_PROTOCOL) {
      throw new P2PError("P2P_ALREADY_REGISTERED", "protocol already handled", { protocol });
    }
    const entry: ProtocolEntry = {
      handler,
      maxRequestBytes: positiveInt("maxRequestBytes", opts.maxRequestBytes ?? this.cfg.maxRequestBytes),
      timeoutMs: positiveInt("timeoutMs", opts.timeoutMs ?? this.cfg.handlerTimeoutMs),
      maxInboundStreams: positiveInt(
        "maxInboundStreams",
        opts.maxInboundStreams ?? DEFAULT_MAX_INBOUND_STREAMS,
      ),
    };
    this.protocols.set(protocol, entry);
    if (this.state === "started") await this.register(protocol, entry);
  }

  async unhandle(protocol: string): Promise<void> {
    if (protocol === PEER_EXCHANGE_PROTOCOL || !this.protocols.delete(protocol)) return;
    if (this.state === "started") await this.libp2p.unhandle(protocol);
  }

  private async register(protocol: string, entry: ProtocolEntry): Promise<void> {
    await this.libp2p.handle(
      protocol,
      (stream: Stream, connection: Connection) =>
        serve(stream, connection.remotePeer.toString(), entry.handler, {
          maxRequestBytes: entry.maxRequestBytes,
          timeoutMs: entry.timeoutMs,
          log: this.log,
          protocol,
        }),
      { maxInboundStreams: entry.maxInboundStreams },
    );
  }

  /**
   * Sends `data` to `peer` on `protocol` and resolves with the response. Dials the peer if needed.
   * Fails with P2P_TIMEOUT, P2P_RESPONSE_TOO_LARGE, P2P_REQUEST_TOO_LARGE, P2P_NO_PEER,
   * P2P_PEER_NOT_ALLOWED, P2P_UNSUPPORTED_PROTOCOL, P2P_REMOTE_ERROR, P2P_PROTOCOL_ERROR,
   * P2P_ABORTED or P2P_CLOSED.
   */
  async request(
    peer: string,
    protocol: string,
    data: Uint8Array,
    opts: RequestOptions = {},
  ): Promise<Uint8Array> {
    this.assertStarted();
    assertProtocolId(protocol);
    const id = normalizePeerId(peer);
    if (!(data instanceof Uint8Array))
      throw new P2PError("P2P_INVALID_ARGUMENT", "data must be a Uint8Array");
    if (id === this.self) throw new P2PError("P2P_INVALID_ARGUMENT", "cannot request from self");
    if (!this.allowlist.allows(id)) {
      throw new P2PError("P2P_PEER_NOT_ALLOWED", "peer is not in the allowlist", { peer: id });
    }
    return this.requestInternal(id, protocol, data, {
      timeoutMs: positiveInt("timeoutMs", opts.timeoutMs ?? this.cfg.requestTimeoutMs),
      maxResponseBytes: positiveInt("maxResponseBytes", opts.maxResponseBytes ?? this.cfg.maxResponseBytes),
      signal: opts.signal,
    });
  }

  private async requestInternal(
    peer: string,
    protocol: string,
    data: Uint8Array,
    opts: { timeoutMs: number; maxResponseBytes: number; signal: AbortSignal | undefined },
  ): Promise<Uint8Array> {
    const ctrl = new AbortController();
    const timer = setTimeout(
      () =>
        ctrl.abort(
          new P2PError("P2P_TIMEOUT", "request timed out", { peer, protocol, timeoutMs: opts.timeoutMs }),
        ),
      opts.timeoutMs,
    );
    const onCallerAbort = () =>
      ctrl.abort(new P2PError("P2P_ABORTED", "request aborted", { peer, protocol }));
    if (opts.signal?.aborted === true) onCallerAbort();
    opts.signal?.addEventListener("abort", onCallerAbort, { once: true });
    this.inflight.add(ctrl);
    let stream: Stream | undefined;
    const onAbort = () => stream?.abort(ctrl.signal.reason as Error);
    ctrl.signal.addEventListener("abort", onAbort, { once: true });
    try {
      try {
        // Optimistic multistream-select: the protocol id travels with the request, saving a round trip.
        stream = await this.libp2p.dialProtocol(peerIdFromString(peer), protocol, {
          signal: ctrl.signal,
          negotiateFully: false,
        });
      } catch (err) {
        throw dialError(err, peer, ctrl.signal);
      }
      if (ctrl.signal.aborted) onAbort();
      try {
        return await exchange(stream, data, opts.maxResponseBytes, ctrl.signal);
      } catch (err) {
        // An abort surfaces as a stream error: report why we aborted instead.
        if (ctrl.signal.aborted && ctrl.signal.reason instanceof P2PError) throw ctrl.signal.reason;
        throw err;
      }
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onCallerAbort);
      ctrl.signal.removeEventListener("abort", onAbort);
      this.inflight.delete(ctrl);
    }
  }

  // ------------------------------------------------------------------------------------ dialer & peer exchange

  private addCandidate(peer: string): void {
    if (peer === this.self || this.candidates.has(peer) || this.candidates.size >= MAX_CANDIDATES) return;
    this.candidates.set(peer, {
      id: peer,
      addr: undefined,
      seed: false,
      failures: 0,
      nextAt: 0,
      dialing: false,
    });
  }

  private schedule(delayMs: number): void {
    if (this.state !== "started") return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  /** Runs the dialer soon (after a discovery), without waiting for the next interval. */
  private kick(): void {
    this.schedule(0);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.state !== "started") return;
    const now = Date.now();
    const connected = new Set(this.peers());
    let count = connected.size;
    for (const c of [...this.candidates.values()]) {
      if (connected.has(c.id)) continue;
      if (c.dialing || now < c.nextAt || !this.allowlist.allows(c.id)) continue;
      if (!c.seed) {
        if (c.failures >= MAX_DISCOVERED_FAILURES) {
          this.candidates.delete(c.id);
          continue;
        }
        if (count >= this.cfg.maxPeers) continue;
      }
      count++;
      void this.dial(c);
    }
    if (this.cfg.peerExchange && now - this.lastPeerExchange >= this.cfg.peerExchangeIntervalMs) {
      this.lastPeerExchange = now;
      for (const p of connected) void this.exchangePeers(p);
    }
    this.penalties.prune();
    this.repairGossipStreams(now);
    this.schedule(this.cfg.dialIntervalMs);
  }

  /**
   * Keeps gossip links alive around two @libp2p/gossipsub 17.1.1 failure modes in which the libp2p
   * connection stays up but one direction of gossip is dead for good:
   *
   * 1. `createOutboundStream` checks that the peer is known before awaiting `newStream`, not after,
   *    and attaches its 'close' listener only after the await. When a peer disconnects while that
   *    stream opens (a peer that restarts soon after connecting), a dead stream stays in
   *    `streamsOutbound`; when the peer returns under the same id, gossipsub sees a stream already
   *    there and never opens a new one, so this node can no longer send it anything.
   * 2. When an inbound read fails (an RPC frame over `maxRpcBytes`, or a failed `newStream`, which is
   *    never retried), gossipsub forgets the peer (or never gets its stream) but keeps the connection.
   *
   * So on each dialer tick a dead outbound stream is dropped, and a connected gossip-capable peer
   * that lacks a gossipsub peer entry or an outbound stream for {@link GOSSIP_STREAM_GRACE_MS} has its
   * connection reset; the dialers reconnect and gossipsub starts afresh on both sides.
   */
  private repairGossipStreams(now: number): void {
    const internals = this.pubsub as unknown as GossipInternals;
    const streams = internals.streamsOutbound;
    const peers = internals.peers;
    if (!(streams instanceof Map) || !(peers instanceof Map)) return;
    const reset = (id: string, why: string) => {
      this.log.warn("resetting a connection to repair gossip", { peer: id, why });
      this.streamMissingSince.delete(id);
      void this.libp2p.hangUp(peerIdFromString(id)).catch(() => {});
    };
    for (const [id, s] of streams as OutboundStreams) {
      const raw = s?.rawStream;
      if (raw?.status === "open" && raw.writeStatus === "writable") continue;
      streams.delete(id);
      if (this.connected.has(id)) reset(id, "dead outbound stream");
    }
    for (const id of this.streamMissingSince.keys()) {
      if (!this.connected.has(id)) this.streamMissingSince.delete(id);
    }
    for (const id of this.gossipCapable) {
      if (!this.connected.has(id)) {
        this.gossipCapable.delete(id);
        continue;
      }
      if (peers.has(id) && streams.has(id)) {
        this.streamMissingSince.delete(id);
        continue;
      }
      const since = this.streamMissingSince.get(id);
      if (since === undefined) this.streamMissingSince.set(id, now);
      else if (now - since >= GOSSIP_STREAM_GRACE_MS) reset(id, "no gossipsub stream");
    }
  }

  private async dial(c: Candidate): Promise<void> {
    c.dialing = true;
    try {
      const conn = await this.libp2p.dial(c.addr ?? peerIdFromString(c.id));
      await this.accepted(conn, this.cfg.dialTimeoutMs);
      c.failures = 0;
      c.nextAt = 0;
    } catch (err) {
      c.failures++;
      const backoff = Math.min(
        this.cfg.maxDialBackoffMs,
        this.cfg.dialIntervalMs * 2 ** Math.min(c.failures - 1, 20),
      );
      c.nextAt = Date.now() + backoff;
      if (this.state === "started") {
        this.log.debug("dial failed", {
          peer: c.id,
          seed: c.seed,
          failures: c.failures,
          reason: String(err),
        });
      }
    } finally {
      c.dialing = false;
    }
  }

  private onIdentify(result: IdentifyResult): void {
    if (result.connection.status !== "open") return;
    this.identified.add(result.connection);
    const peer = result.peerId.toString();
    const c = this.candidates.get(peer);
    if (c !== undefined) {
      c.failures = 0;
      c.nextAt = 0;
    } else {
      this.addCandidate(peer);
    }
    if (result.protocols.some((p) => this.pubsub.protocols.includes(p))) this.gossipCapable.add(peer);
    if (!this.connected.has(peer)) {
      this.connected.add(peer);
      this.emit("peer:connect", peer);
    }
    if (this.cfg.peerExchange && result.protocols.includes(PEER_EXCHANGE_PROTOCOL)) {
      void this.exchangePeers(result.peerId.toString());
    }
  }

  /** Our connected peers with their known addresses, for a peer exchange request from `from`. */
  private async peerRecords(from: string): Promise<Uint8Array> {
    const out: PeerRecord[] = [];
    for (const p of this.libp2p.getPeers()) {
      const id = p.toString();
      if (id === from || out.some((r) => r.id === id)) continue;
      try {
        const info = await this.libp2p.peerStore.get(p);
        const addrs = info.addresses.map((a) => a.multiaddr.toString());
        if (addrs.length > 0) out.push({ id, addrs });
      } catch {
        // not in the peer store (yet)
      }
      if (out.length >= MAX_PEX_PEERS) break;
    }
    return encodePeerRecords(out);
  }

  private async exchangePeers(peer: string): Promise<void> {
    if (this.state !== "started") return;
    let records: PeerRecord[];
    try {
      const bytes = await this.requestInternal(peer, PEER_EXCHANGE_PROTOCOL, new Uint8Array(0), {
        timeoutMs: PEX_TIMEOUT_MS,
        maxResponseBytes: MAX_PEX_RESPONSE_BYTES,
        signal: undefined,
      });
      records = decodePeerRecords(bytes);
    } catch (err) {
      if (this.state === "started") this.log.debug("peer exchange failed", { peer, reason: String(err) });
      return;
    }
    let added = false;
    for (const r of records) {
      if (r.id === this.self || !this.allowlist.allows(r.id) || this.candidates.has(r.id)) continue;
      if (this.libp2p.getConnections(peerIdFromString(r.id)).length > 0) continue;
      const addrs = r.addrs
        .map((a) => multiaddr(a))
        .filter((a) => peerIdIn(a) === undefined || peerIdIn(a) === r.id);
      try {
        await this.libp2p.peerStore.merge(peerIdFromString(r.id), { multiaddrs: addrs });
      } catch {
        continue;
      }
      this.addCandidate(r.id);
      added = true;
    }
    if (added) this.kick();
  }
}
