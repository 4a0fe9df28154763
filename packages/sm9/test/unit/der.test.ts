/** The DER form of signatures: exact encoding and strict decoding. */
import { describe, expect, it } from "vitest";
import { Sm9Error, signatureFromDer, signatureToDer } from "../../src/index.js";

const h = new Uint8Array(32).map((_, i) => i + 1);
const S = new Uint8Array(65).map((_, i) => (i === 0 ? 4 : 200 - i));
const der = signatureToDer({ h, S });

function derCode(bytes: Uint8Array): string {
  try {
    signatureFromDer(bytes);
  } catch (e) {
    return e instanceof Sm9Error ? e.code : String(e);
  }
  return "accepted";
}

describe("DER signatures", () => {
  it("encode as SEQUENCE { OCTET STRING h, BIT STRING 00 || S } and decode back", () => {
    expect(Buffer.from(der.subarray(0, 4)).toString("hex")).toBe("30660420");
    expect(Buffer.from(der.subarray(36, 39)).toString("hex")).toBe("034200");
    expect(der.length).toBe(104);
    const back = signatureFromDer(der);
    expect(back.h).toEqual(h);
    expect(back.S).toEqual(S);
  });

  it("reject every deviation with SM9_BAD_DER", () => {
    const edit = (f: (d: Uint8Array) => void): Uint8Array => {
      const d = new Uint8Array(der);
      f(d);
      return d;
    };
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      der.subarray(0, 103),
      new Uint8Array([...der, 0]),
      edit((d) => (d[0] = 0x31)), // SET instead of SEQUENCE
      edit((d) => (d[1] = 0x67)), // length too long
      edit((d) => (d[2] = 0x03)), // h not an OCTET STRING
      edit((d) => (d[3] = 0x1f)), // h of 31 bytes
      edit((d) => (d[36] = 0x04)), // S not a BIT STRING
      edit((d) => (d[37] = 0x41)), // S of 64 bytes
      edit((d) => (d[38] = 0x01)), // unused bits
      new Uint8Array([0x30, 0x81, 0x66, ...der.subarray(2)]), // non-minimal long length
      new Uint8Array([0x30, 0x80, ...der.subarray(2), 0, 0]), // indefinite length
      new Uint8Array([0x30, 0x68, ...der.subarray(2), 0x05, 0x00]), // an extra field
    ];
    for (const b of bad) expect(derCode(b)).toBe("SM9_BAD_DER");
  });

  it("encoding checks types and lengths", () => {
    expect(() => signatureToDer({ h: h.subarray(1), S })).toThrow(RangeError);
    expect(() => signatureToDer({ h, S: S.subarray(1) })).toThrow(RangeError);
    expect(() => signatureToDer(null as never)).toThrow(TypeError);
    expect(() => signatureFromDer("30" as never)).toThrow(TypeError);
  });
});
