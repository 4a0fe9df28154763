/**
 * Coded errors of the p2p package. The codes are stable strings (callers branch on them, and the node
 * may put them on the wire of its own APIs); never rename or reuse one.
 */
export const P2PErrorCode = {
  /** An argument is malformed: a peer id, multiaddr, protocol id, topic, chain id or size limit. */
  P2P_INVALID_ARGUMENT: "P2P_INVALID_ARGUMENT",
  /** A private key that is not a usable Ed25519 libp2p key. */
  P2P_INVALID_KEY: "P2P_INVALID_KEY",
  /** `start()` failed: a listen address could not be bound (in use, not local, unsupported). */
  P2P_START_FAILED: "P2P_START_FAILED",
  /** The node is not started yet. */
  P2P_NOT_STARTED: "P2P_NOT_STARTED",
  /** The node is closed (or closing); in-flight requests fail with it too. */
  P2P_CLOSED: "P2P_CLOSED",
  /** The peer could not be reached: unknown address, connection refused, dial failed. */
  P2P_NO_PEER: "P2P_NO_PEER",
  /** The peer is not in this node's allowlist, so no connection is made to or accepted from it. */
  P2P_PEER_NOT_ALLOWED: "P2P_PEER_NOT_ALLOWED",
  /** The remote peer does not serve the requested protocol. */
  P2P_UNSUPPORTED_PROTOCOL: "P2P_UNSUPPORTED_PROTOCOL",
  /** This node already has the maximum number of open streams for the protocol to that peer (64). */
  P2P_TOO_MANY_STREAMS: "P2P_TOO_MANY_STREAMS",
  /** A request did not complete (dial + send + response) within its time limit. */
  P2P_TIMEOUT: "P2P_TIMEOUT",
  /** A request was aborted by the caller's signal. */
  P2P_ABORTED: "P2P_ABORTED",
  /** The response declared more bytes than the caller's `maxResponseBytes`. */
  P2P_RESPONSE_TOO_LARGE: "P2P_RESPONSE_TOO_LARGE",
  /** The request was larger than the responder's `maxRequestBytes` (reported by the responder). */
  P2P_REQUEST_TOO_LARGE: "P2P_REQUEST_TOO_LARGE",
  /** A malformed frame, a stream that ended early or was reset, an unknown status byte. */
  P2P_PROTOCOL_ERROR: "P2P_PROTOCOL_ERROR",
  /** The remote handler failed; `meta.remoteCode` holds the code it reported. */
  P2P_REMOTE_ERROR: "P2P_REMOTE_ERROR",
  /** A published message is larger than the topic's size limit. */
  P2P_MESSAGE_TOO_LARGE: "P2P_MESSAGE_TOO_LARGE",
  /** gossipsub refused to publish for another reason than "no peers" or "duplicate". */
  P2P_PUBLISH_FAILED: "P2P_PUBLISH_FAILED",
  /** A second subscription or handler for the same topic or protocol. */
  P2P_ALREADY_REGISTERED: "P2P_ALREADY_REGISTERED",
} as const;

export type P2PErrorCode = (typeof P2PErrorCode)[keyof typeof P2PErrorCode];

/** Structured context of a coded error; never holds keys. */
export type P2PErrorMeta = Record<string, unknown>;

/** The coded error of the p2p package (`{code, ...meta}`), the same shape as the ledger's coded error. */
export class P2PError<M extends P2PErrorMeta = P2PErrorMeta> extends Error {
  readonly code: P2PErrorCode;
  readonly meta: M;

  constructor(code: P2PErrorCode, message: string, meta?: M, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "P2PError";
    this.code = code;
    this.meta = meta ?? ({} as M);
  }

  toJSON(): { code: string; message: string } & M {
    return { ...this.meta, code: this.code, message: this.message };
  }
}

/** True when `e` is a {@link P2PError}, optionally with the given code. */
export function isP2PError(e: unknown, code?: P2PErrorCode): e is P2PError {
  return e instanceof P2PError && (code === undefined || e.code === code);
}
