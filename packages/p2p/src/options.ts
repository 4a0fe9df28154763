import type { Logger } from "./logger.js";

/** mDNS discovery on the local network (the home profile). */
export interface MdnsOptions {
  /** How often to query the LAN, ms. */
  intervalMs?: number;
  /** The DNS-SD service name; nodes of one home chain share it. */
  serviceTag?: string;
}

export interface P2POptions {
  /** The node's Ed25519 key in libp2p protobuf encoding (the operator's key file; see `generatePeerKey`). */
  privateKey: Uint8Array;
  /** Listen multiaddrs. Default: loopback on a free port; a deployment passes its own (e.g. `/ip4/0.0.0.0/tcp/26656`). */
  listen?: string[];
  /** Addresses announced to peers instead of the listen addresses (NAT, containers). */
  announce?: string[];
  /**
   * Bootstrap seeds (the CSA paper's "DNS seeds"): multiaddrs that end in `/p2p/<peerId>`. The node
   * keeps dialing each seed it is not connected to, with capped exponential backoff, for as long as
   * it runs.
   */
  bootstrap?: string[];
  /**
   * Peer ids allowed to connect (the chain's validator/peer allowlist). When given, connections to and
   * from any other peer are refused right after the Noise handshake proves the remote's id.
   * `undefined` = open network. Change it at run time with `setAllowlist`.
   */
  allowlist?: Iterable<string>;
  /** mDNS discovery (home profile). Off by default. */
  mdns?: boolean | MdnsOptions;
  /** Ask connected peers for their peers and dial them (grows seeds into a full mesh). Default true. */
  peerExchange?: boolean;
  /** The dialer stops dialing discovered peers at this many connected peers (seeds are always dialed). */
  maxPeers?: number;
  /** libp2p: inbound connections per second accepted from one host (libp2p's default is 5). */
  inboundConnectionThreshold?: number;
  /** How often the dialer looks for seeds/peers to (re)connect, ms. Also the first backoff step. */
  dialIntervalMs?: number;
  /** Upper bound of the per-peer redial backoff, ms. */
  maxDialBackoffMs?: number;
  /** How long one dial may take, ms. */
  dialTimeoutMs?: number;
  /** How often to run peer exchange with every connected peer, ms. */
  peerExchangeIntervalMs?: number;
  /**
   * Default per-topic message size limit, bytes (a subscription may set its own); at most
   * `maxRpcBytes − 1 KiB`. Default 1 MiB.
   */
  maxMessageBytes?: number;
  /**
   * Largest gossipsub RPC frame accepted from a peer, bytes (default 4 MiB). A larger frame breaks
   * gossipsub's read of that peer's stream; the node then resets the connection (after ~3 s).
   */
  maxRpcBytes?: number;
  /** gossipsub heartbeat, ms (mesh maintenance; lower in tests for faster mesh formation). */
  gossipHeartbeatMs?: number;
  /** Score points taken from a peer for each message the topic validator rejects (gossipsub P5). */
  rejectPenalty?: number;
  /** Half-life of those penalty points, ms. */
  penaltyHalfLifeMs?: number;
  /** Default request timeout (dial + request + response), ms. */
  requestTimeoutMs?: number;
  /** Default limit on response bytes a requester accepts. */
  maxResponseBytes?: number;
  /** Default limit on request bytes a handler accepts. */
  maxRequestBytes?: number;
  /** Time a handler has to read the request, compute and send the response, ms. */
  handlerTimeoutMs?: number;
  logger?: Logger;
}

export const defaultP2POptions = {
  listen: ["/ip4/127.0.0.1/tcp/0"],
  announce: [] as string[],
  bootstrap: [] as string[],
  peerExchange: true,
  maxPeers: 50,
  inboundConnectionThreshold: 5,
  dialIntervalMs: 2_000,
  maxDialBackoffMs: 30_000,
  dialTimeoutMs: 10_000,
  peerExchangeIntervalMs: 30_000,
  maxMessageBytes: 1024 * 1024,
  maxRpcBytes: 4 * 1024 * 1024,
  gossipHeartbeatMs: 1_000,
  rejectPenalty: 10,
  penaltyHalfLifeMs: 5 * 60_000,
  requestTimeoutMs: 10_000,
  maxResponseBytes: 16 * 1024 * 1024,
  maxRequestBytes: 1024 * 1024,
  handlerTimeoutMs: 30_000,
} as const;

export interface SubscribeOptions {
  /** Messages larger than this are rejected (and the sender penalized). Default `maxMessageBytes`. */
  maxBytes?: number;
  /**
   * Decides each message before delivery and forwarding: "accept" delivers and forwards, "ignore"
   * drops silently, "reject" drops and lowers the forwarding peer's score. A validator that throws
   * counts as "reject". Must be fast (gossipsub expects < 100 ms).
   */
  validate?: (data: Uint8Array, from: string) => ValidationResult | Promise<ValidationResult>;
}

export type ValidationResult = "accept" | "reject" | "ignore";

/** Called with each accepted message; `from` is the neighbour that relayed it (not necessarily its author). */
export type MessageHandler = (data: Uint8Array, from: string) => void | Promise<void>;

export interface HandleOptions {
  /** Requests larger than this get a P2P_REQUEST_TOO_LARGE error frame. Default `maxRequestBytes`. */
  maxRequestBytes?: number;
  /** Time to read the request, run the handler and send the response, ms. Default `handlerTimeoutMs`. */
  timeoutMs?: number;
  /**
   * Concurrent inbound streams per connection for this protocol (default 64). A requester over the
   * limit sees its stream reset (P2P_PROTOCOL_ERROR).
   */
  maxInboundStreams?: number;
}

/** Answers one request; throw an error with a string `code` to send that code back. */
export type RequestHandler = (request: Uint8Array, from: string) => Uint8Array | Promise<Uint8Array>;

export interface RequestOptions {
  /** Whole request (dial + send + response), ms. Default `requestTimeoutMs`. */
  timeoutMs?: number;
  /** Larger responses fail with P2P_RESPONSE_TOO_LARGE before their payload is read. */
  maxResponseBytes?: number;
  signal?: AbortSignal;
}

export interface PublishResult {
  /** Peers the message was sent to (empty when no peer subscribes to the topic yet). */
  recipients: string[];
  /** The same bytes were already published or seen on this topic recently; nothing was sent. */
  duplicate: boolean;
}

export type P2PEvents = {
  "peer:connect": (peer: string) => void;
  "peer:disconnect": (peer: string) => void;
};
