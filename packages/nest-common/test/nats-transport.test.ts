/**
 * The serializer pair that makes Nest's NATS transport speak plain JSON: requests are the params object
 * itself, replies the bare envelope. What Nest hands them is reproduced here; the wire behaviour through
 * a real nats-server is in service.test.ts.
 */
import { describe, expect, it } from "vitest";
import { isMalformedRequest, PlainJsonDeserializer, PlainJsonSerializer } from "../src/index.js";

const de = new PlainJsonDeserializer();
const ser = new PlainJsonSerializer();
const channel = "tandem.acme.rpc.getStatus";

const msg = (body: string | Uint8Array) => ({
  data: typeof body === "string" ? new TextEncoder().encode(body) : body,
  reply: "_INBOX.x",
});

describe("PlainJsonDeserializer", () => {
  it("a JSON body is the request data, the channel its pattern", () => {
    const r = de.deserialize(msg('{"height":3,"txs":true}'), { channel });
    expect(r.data).toEqual({ height: 3, txs: true });
    expect(r.pattern).toBe(channel);
  });

  it("reads the message's own bytes, not its whole backing buffer", () => {
    const backing = new TextEncoder().encode('xx{"a":1}yy');
    const r = de.deserialize(msg(backing.subarray(2, 9)), { channel });
    expect(r.data).toEqual({ a: 1 });
  });

  it("an empty or blank body is {}", () => {
    expect(de.deserialize(msg(new Uint8Array(0)), { channel }).data).toEqual({});
    expect(de.deserialize(msg(" \n\t"), { channel }).data).toEqual({});
  });

  it("JSON that is not an object passes through for the method's schema to refuse", () => {
    expect(de.deserialize(msg("[1,2]"), { channel }).data).toEqual([1, 2]);
    expect(de.deserialize(msg("null"), { channel }).data).toBeNull();
  });

  it("bytes that are not JSON become the malformed marker", () => {
    for (const body of ["not json", "{", '{"a":1}}']) {
      const r = de.deserialize(msg(body), { channel });
      expect(isMalformedRequest(r.data)).toBe(true);
      expect((r.data as { __malformed: string }).__malformed).toMatch(/^request is not UTF-8 JSON: /);
    }
  });

  it("bytes that are not UTF-8 are malformed, even inside a JSON string", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"hash":"'), 0xff, 0xfe, 0x22, 0x7d]);
    expect(isMalformedRequest(de.deserialize(msg(bytes), { channel }).data)).toBe(true);
  });

  it("every request gets an id, a fresh one each time (without one Nest treats it as an event: no reply)", () => {
    const a = de.deserialize(msg("{}"), { channel });
    const b = de.deserialize(msg("garbage"), { channel });
    const c = de.deserialize(msg(""));
    for (const r of [a, b, c]) expect(typeof r.id).toBe("string");
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(c.pattern).toBe("");
  });
});

describe("isMalformedRequest", () => {
  it("is true only for the marker", () => {
    expect(isMalformedRequest({ __malformed: "x" })).toBe(true);
    for (const v of [{}, null, undefined, "x", { __malformed: 1 }, []])
      expect(isMalformedRequest(v)).toBe(false);
  });
});

describe("PlainJsonSerializer", () => {
  const envelope = { ok: true, result: { height: 7, chainId: "tandem:acme" } };

  it("a response is sent as the raw envelope JSON, without Nest's packet fields", () => {
    // What Nest passes: the handler's value under `response`, plus its id and dispose flag.
    const out = ser.serialize({ response: envelope, isDisposed: true, id: "1" } as never);
    expect(JSON.parse(out.data)).toEqual(envelope);
    expect(out.data).toBe(JSON.stringify(envelope));
    expect(Object.keys(out)).toEqual(["data"]);
  });

  it("an error envelope from the handler is passed through as is", () => {
    const err = { ok: false, error: { code: "TX_NOT_FOUND", message: "no committed tx with that hash" } };
    expect(JSON.parse(ser.serialize({ response: err }).data)).toEqual(err);
  });

  it("an err (Nest failing around the handler, or no handler) is an RPC_INTERNAL envelope, details withheld", () => {
    for (const err of [new Error("db path /secret/x"), "There is no matching message handler defined"]) {
      const out = JSON.parse(ser.serialize({ err, id: "2" } as never).data);
      expect(out).toEqual({ ok: false, error: { code: "RPC_INTERNAL", message: "internal error" } });
    }
  });

  it("a response that does not serialise still gets an answer (RPC_INTERNAL), not a throw", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const response of [
      { ok: true, result: 1n },
      { ok: true, result: circular },
    ]) {
      const out = JSON.parse(ser.serialize({ response }).data);
      expect(out.error.code).toBe("RPC_INTERNAL");
    }
  });
});
