import type { Stream } from "@libp2p/interface";
import { P2PError } from "./errors.js";
import {
  ChunkReader,
  decodeErrorCode,
  encodeErrorCode,
  errorCodeOf,
  MAX_ERROR_CODE_BYTES,
  MAX_FRAME_BYTES,
  readU32be,
  requestHeader,
  responseHeader,
  STATUS_ERROR,
  STATUS_OK,
} from "./framing.js";
import type { Logger } from "./logger.js";
import type { RequestHandler } from "./options.js";

/** A stream failure as a coded error. */
function asP2PError(err: unknown): P2PError {
  if (err instanceof P2PError) return err;
  // With optimistic protocol selection, "protocol not supported" arrives on the first read.
  if ((err as { name?: unknown } | null)?.name === "UnsupportedProtocolError") {
    return new P2PError(
      "P2P_UNSUPPORTED_PROTOCOL",
      "the peer does not serve this protocol",
      {},
      { cause: err },
    );
  }
  return new P2PError("P2P_PROTOCOL_ERROR", "request stream failed", { reason: String(err) }, { cause: err });
}

/** Sends `data`, honouring backpressure: waits for 'drain' whenever the stream asks for it. */
async function write(stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (data.byteLength === 0) return;
  if (!stream.send(data)) await stream.onDrain({ signal });
}

/**
 * The requester's half of one exchange on an open stream: writes the request frame, half-closes,
 * reads one response frame. Aborting the stream (on timeout) makes the read throw. Every failure is
 * a P2PError; the stream is aborted on failure.
 */
export async function exchange(
  stream: Stream,
  request: Uint8Array,
  maxResponseBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const reader = new ChunkReader(stream);
  try {
    await write(stream, requestHeader(request.byteLength), signal);
    await write(stream, request, signal);
    await stream.close({ signal });
    const head = await reader.readExactly(5);
    const status = head[0];
    const length = readU32be(head.subarray(1));
    if (status === STATUS_OK) {
      if (length > maxResponseBytes) {
        throw new P2PError("P2P_RESPONSE_TOO_LARGE", "response exceeds maxResponseBytes", {
          declared: length,
          maxResponseBytes,
        });
      }
      return length === 0 ? new Uint8Array(0) : await reader.readExactly(length);
    }
    if (status === STATUS_ERROR) {
      if (length > MAX_ERROR_CODE_BYTES) throw new P2PError("P2P_PROTOCOL_ERROR", "error frame too long");
      const remoteCode = decodeErrorCode(await reader.readExactly(length));
      if (remoteCode === "P2P_REQUEST_TOO_LARGE") {
        throw new P2PError("P2P_REQUEST_TOO_LARGE", "the responder refused the request as too large", {
          size: request.byteLength,
        });
      }
      throw new P2PError("P2P_REMOTE_ERROR", "the remote handler failed", { remoteCode });
    }
    throw new P2PError("P2P_PROTOCOL_ERROR", "unknown response status", { status });
  } catch (err) {
    const e = asP2PError(err);
    stream.abort(e);
    throw e;
  } finally {
    reader.release();
  }
}

export interface ServeOptions {
  maxRequestBytes: number;
  timeoutMs: number;
  log: Logger;
  protocol: string;
}

/**
 * The responder's half: reads one request frame (refusing it if over the limit), runs the handler,
 * writes one response frame (or an error frame with the handler's code) and closes. Never throws:
 * a failure aborts the stream.
 */
export async function serve(
  stream: Stream,
  from: string,
  handler: RequestHandler,
  opts: ServeOptions,
): Promise<void> {
  const reader = new ChunkReader(stream);
  const ctrl = new AbortController();
  const timer = setTimeout(() => {
    const e = new P2PError("P2P_TIMEOUT", "handler time limit exceeded", { protocol: opts.protocol });
    ctrl.abort(e);
    stream.abort(e);
  }, opts.timeoutMs);
  const sendError = async (code: string) => {
    const body = encodeErrorCode(code);
    await write(stream, responseHeader(STATUS_ERROR, body.byteLength), ctrl.signal);
    await write(stream, body, ctrl.signal);
    await stream.close({ signal: ctrl.signal });
  };
  try {
    const length = readU32be(await reader.readExactly(4));
    if (length > opts.maxRequestBytes) {
      opts.log.debug("request too large", { protocol: opts.protocol, from, length });
      await sendError("P2P_REQUEST_TOO_LARGE");
      return;
    }
    const request = length === 0 ? new Uint8Array(0) : await reader.readExactly(length);
    reader.release();
    let response: Uint8Array;
    try {
      response = await handler(request, from);
      if (!(response instanceof Uint8Array)) throw new TypeError("handler must return a Uint8Array");
      if (response.byteLength > MAX_FRAME_BYTES) throw new RangeError("response larger than 4 GiB");
    } catch (err) {
      if (ctrl.signal.aborted) return;
      opts.log.warn("request handler failed", { protocol: opts.protocol, from, code: errorCodeOf(err) });
      await sendError(errorCodeOf(err));
      return;
    }
    if (ctrl.signal.aborted) return;
    await write(stream, responseHeader(STATUS_OK, response.byteLength), ctrl.signal);
    await write(stream, response, ctrl.signal);
    await stream.close({ signal: ctrl.signal });
  } catch (err) {
    opts.log.debug("request stream failed", { protocol: opts.protocol, from, reason: String(err) });
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  } finally {
    clearTimeout(timer);
    reader.release();
  }
}
