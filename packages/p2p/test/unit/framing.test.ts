import type { Stream } from "@libp2p/interface";
import { describe, expect, it } from "vitest";
import {
  ChunkReader,
  errorCodeOf,
  plain,
  readU32be,
  requestHeader,
  responseHeader,
} from "../../src/framing.js";
import { P2PError, silentLogger } from "../../src/index.js";
import { exchange, serve } from "../../src/request-response.js";

async function* chunks(...parts: (Uint8Array | { byteLength: number; subarray(): Uint8Array })[]) {
  for (const p of parts) yield p;
}

const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** A stand-in for a libp2p stream: replays `incoming`, records what is sent, remembers an abort. */
function fakeStream(incoming: Uint8Array[]) {
  const sent: Uint8Array[] = [];
  const state = { closed: false, aborted: undefined as Error | undefined };
  const stream = {
    send(d: Uint8Array) {
      sent.push(d);
      return true;
    },
    async close() {
      state.closed = true;
    },
    async onDrain() {},
    abort(err: Error) {
      state.aborted = err;
    },
    [Symbol.asyncIterator]: () => chunks(...incoming)[Symbol.asyncIterator](),
  };
  return { stream: stream as unknown as Stream, sent, state };
}

const code = (e: unknown) => (e instanceof P2PError ? e.code : String(e));

describe("ChunkReader", () => {
  it("reads exact byte counts across chunk boundaries and from Uint8ArrayList-like chunks", async () => {
    const list = { byteLength: 3, subarray: () => new Uint8Array([4, 5, 6]) };
    const r = new ChunkReader(
      chunks(new Uint8Array([1]), new Uint8Array([2, 3]), list, new Uint8Array([7, 8, 9])),
    );
    expect(await r.readExactly(2)).toEqual(new Uint8Array([1, 2]));
    expect(await r.readExactly(5)).toEqual(new Uint8Array([3, 4, 5, 6, 7]));
    expect(await r.readExactly(0)).toEqual(new Uint8Array(0));
    expect(await r.readExactly(2)).toEqual(new Uint8Array([8, 9]));
    await expect(r.readExactly(1)).rejects.toMatchObject({ code: "P2P_PROTOCOL_ERROR" });
  });

  it("returns plain Uint8Arrays, never Buffers", async () => {
    const r = new ChunkReader(chunks(Buffer.from([1, 2, 3])));
    const out = await r.readExactly(2);
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(plain(Buffer.from([1])))).toBe(Uint8Array.prototype);
  });
});

describe("frame helpers", () => {
  it("encodes big-endian lengths and the response status", () => {
    expect(requestHeader(0x01020304)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(responseHeader(1, 258)).toEqual(new Uint8Array([1, 0, 0, 1, 2]));
    expect(readU32be(new Uint8Array([0xff, 0xff, 0xff, 0xff]))).toBe(0xffff_ffff);
  });

  it("sends a handler's own code only when it is a plain code", () => {
    expect(errorCodeOf(Object.assign(new Error("x"), { code: "SYNC_UNKNOWN_HEIGHT" }))).toBe(
      "SYNC_UNKNOWN_HEIGHT",
    );
    for (const e of [
      new Error("x"),
      { code: "lower" },
      { code: "A B" },
      { code: "X".repeat(65) },
      null,
      42,
    ]) {
      expect(errorCodeOf(e)).toBe("P2P_HANDLER_ERROR");
    }
  });
});

describe("exchange (requester side) against malformed responses", () => {
  const signal = new AbortController().signal;

  it("writes one request frame and half-closes", async () => {
    const { stream, sent, state } = fakeStream([responseHeader(0, 2), new Uint8Array([9, 9])]);
    expect(await exchange(stream, new Uint8Array([1, 2, 3]), 100, signal)).toEqual(new Uint8Array([9, 9]));
    expect(cat(...sent)).toEqual(new Uint8Array([0, 0, 0, 3, 1, 2, 3]));
    expect(state.closed).toBe(true);
    expect(state.aborted).toBeUndefined();
  });

  it.each([
    ["an unknown status byte", [new Uint8Array([7, 0, 0, 0, 0])], "P2P_PROTOCOL_ERROR"],
    ["a truncated header", [new Uint8Array([0, 0])], "P2P_PROTOCOL_ERROR"],
    ["a truncated payload", [responseHeader(0, 10), new Uint8Array(3)], "P2P_PROTOCOL_ERROR"],
    ["an over-long error frame", [responseHeader(1, 65), new Uint8Array(65)], "P2P_PROTOCOL_ERROR"],
    ["a malformed error code", [responseHeader(1, 3), new TextEncoder().encode("a b")], "P2P_PROTOCOL_ERROR"],
    ["a response over the limit", [responseHeader(0, 101)], "P2P_RESPONSE_TOO_LARGE"],
    ["a remote error", [responseHeader(1, 4), new TextEncoder().encode("OOPS")], "P2P_REMOTE_ERROR"],
    ["an empty stream", [], "P2P_PROTOCOL_ERROR"],
  ])("fails on %s and aborts the stream", async (_what, incoming, expected) => {
    const { stream, state } = fakeStream(incoming as Uint8Array[]);
    const err = await exchange(stream, new Uint8Array(1), 100, signal).catch((e) => e);
    expect(code(err)).toBe(expected);
    expect(state.aborted).toBe(err);
  });
});

describe("serve (responder side)", () => {
  const opts = { maxRequestBytes: 10, timeoutMs: 5_000, log: silentLogger, protocol: "/t/1" };

  it("answers one request frame", async () => {
    const { stream, sent, state } = fakeStream([new Uint8Array([0, 0, 0, 2, 5]), new Uint8Array([6])]);
    await serve(stream, "peer", (req, from) => new TextEncoder().encode(`${from}:${req.join(",")}`), opts);
    expect(cat(...sent)).toEqual(cat(responseHeader(0, 8), new TextEncoder().encode("peer:5,6")));
    expect(state.closed).toBe(true);
  });

  it("refuses a request over the limit with an error frame, without calling the handler", async () => {
    const { stream, sent } = fakeStream([requestHeader(11)]);
    let called = false;
    await serve(
      stream,
      "peer",
      () => {
        called = true;
        return new Uint8Array(0);
      },
      opts,
    );
    expect(called).toBe(false);
    expect(cat(...sent)).toEqual(
      cat(responseHeader(1, 21), new TextEncoder().encode("P2P_REQUEST_TOO_LARGE")),
    );
  });

  it("aborts the stream on a truncated request and never throws", async () => {
    const { stream, sent, state } = fakeStream([new Uint8Array([0, 0, 0, 5, 1])]);
    await expect(serve(stream, "peer", (r) => r, opts)).resolves.toBeUndefined();
    expect(sent).toEqual([]);
    expect(state.aborted).toBeInstanceOf(P2PError);
  });

  it("turns a handler that returns no bytes into an error frame", async () => {
    const { stream, sent } = fakeStream([requestHeader(0)]);
    await serve(stream, "peer", () => "nope" as unknown as Uint8Array, opts);
    expect(cat(...sent)).toEqual(cat(responseHeader(1, 17), new TextEncoder().encode("P2P_HANDLER_ERROR")));
  });
});
