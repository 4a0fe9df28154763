import { P2PError } from "./errors.js";

/**
 * Request/response framing, one request and one response per stream:
 *
 *   request  = u32be length ‖ payload                         (then the requester closes its write side)
 *   response = u8 status ‖ u32be length ‖ payload             (then the responder closes its write side)
 *
 * status 0 = OK (payload = response bytes), 1 = ERROR (payload = an ASCII error code, ≤ 64 bytes).
 * Lengths are checked against the receiver's limit as soon as the header is read, before any payload
 * is buffered, so a peer cannot make the other side allocate more than its limit.
 */

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;
export const MAX_ERROR_CODE_BYTES = 64;
export const MAX_FRAME_BYTES = 0xffff_ffff;

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** A chunk as libp2p streams yield it: a Uint8Array or a Uint8ArrayList (which has `subarray()`). */
export type Chunk = Uint8Array | { readonly byteLength: number; subarray(): Uint8Array };

/**
 * A plain Uint8Array view of `b` (no copy). libp2p hands out Node Buffers; their `slice()` does not
 * copy and `toString()` differs, so everything this package returns is a plain Uint8Array.
 */
export function plain(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

export function readU32be(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
}

/** Header of a request frame. */
export function requestHeader(length: number): Uint8Array {
  return u32be(length);
}

/** Header of a response frame. */
export function responseHeader(status: number, length: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = status;
  new DataView(b.buffer).setUint32(1, length, false);
  return b;
}

/** The code an error frame carries for `err`: its own `code` if that is a plain code, else a generic one. */
export function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && ERROR_CODE.test(code) ? code : "P2P_HANDLER_ERROR";
}

export function encodeErrorCode(code: string): Uint8Array {
  if (!ERROR_CODE.test(code)) throw new P2PError("P2P_INVALID_ARGUMENT", "invalid error code", { code });
  return new TextEncoder().encode(code);
}

export function decodeErrorCode(bytes: Uint8Array): string {
  const code = new TextDecoder("ascii").decode(bytes);
  if (!ERROR_CODE.test(code)) throw new P2PError("P2P_PROTOCOL_ERROR", "malformed error frame");
  return code;
}

/**
 * Reads exact byte counts from an async iterator of chunks, keeping what it read ahead.
 * `release()` detaches from the source (the stream's listeners are removed).
 */
export class ChunkReader {
  private readonly it: AsyncIterator<Chunk>;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private ended = false;

  constructor(source: AsyncIterable<Chunk>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes; throws P2P_PROTOCOL_ERROR if the source ends first. */
  async readExactly(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n) {
      if (this.ended) {
        throw new P2PError("P2P_PROTOCOL_ERROR", "stream ended inside a frame", {
          expected: n,
          received: this.pendingBytes,
        });
      }
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        continue;
      }
      const chunk = r.value instanceof Uint8Array ? r.value : r.value.subarray();
      if (chunk.byteLength > 0) {
        this.pending.push(chunk);
        this.pendingBytes += chunk.byteLength;
      }
    }
    return plain(this.take(n));
  }

  private take(n: number): Uint8Array {
    const first = this.pending[0];
    if (first !== undefined && first.byteLength >= n) {
      const out = first.subarray(0, n);
      if (first.byteLength === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const c = this.pending[0]!;
      const k = Math.min(c.byteLength, n - off);
      out.set(c.subarray(0, k), off);
      off += k;
      if (k === c.byteLength) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pendingBytes -= n;
    return out;
  }

  /** Stops reading from the source (removes its listeners). Never throws. */
  release(): void {
    this.ended = true;
    this.pending = [];
    this.pendingBytes = 0;
    void Promise.resolve(this.it.return?.()).catch(() => {});
  }
}
