import { readFileSync } from "node:fs";
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../src/bytes.js";
import {
  clearEd25519KeyCache,
  ED25519_KEY_CACHE_SIZE,
  ed25519,
  ed25519Portable,
  isValidEd25519PublicKey,
} from "../../src/ed25519.js";

const rfc8032 = JSON.parse(
  readFileSync(new URL("../vectors/ed25519-rfc8032.json", import.meta.url), "utf8"),
) as {
  source: string;
  vectors: { id: string; secret_key: string; public_key: string; message: string; signature: string }[];
};

const schemes = [
  ["ed25519 (node:crypto)", ed25519],
  ["ed25519Portable (noble)", ed25519Portable],
] as const;

describe("Ed25519 known answers (RFC 8032 §7.1)", () => {
  it("has the five RFC vectors", () => {
    expect(rfc8032.vectors.map((v) => v.id)).toHaveLength(5);
    expect(rfc8032.source).toMatch(/RFC 8032/);
  });

  for (const [name, scheme] of schemes) {
    for (const v of rfc8032.vectors) {
      it(`${name}: derives the key, reproduces and verifies the signature of ${v.id}`, () => {
        const sk = hexToBytes(v.secret_key);
        const msg = hexToBytes(v.message);
        expect(bytesToHex(scheme.getPublicKey(sk))).toBe(v.public_key);
        expect(bytesToHex(scheme.sign(msg, sk))).toBe(v.signature);
        expect(scheme.verify(hexToBytes(v.signature), msg, hexToBytes(v.public_key))).toBe(true);
        const other = new Uint8Array([...msg, 0]);
        expect(scheme.verify(hexToBytes(v.signature), other, hexToBytes(v.public_key))).toBe(false);
      });
    }
  }
});

describe("Ed25519 properties", () => {
  const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const message = fc.uint8Array({ maxLength: 300 });

  it("signs identically on both paths and each path verifies the other's signatures", () => {
    fc.assert(
      fc.property(seed, message, (sk, msg) => {
        const pk = ed25519.getPublicKey(sk);
        expect(bytesToHex(ed25519Portable.getPublicKey(sk))).toBe(bytesToHex(pk));
        const sig = ed25519.sign(msg, sk);
        expect(bytesToHex(ed25519Portable.sign(msg, sk))).toBe(bytesToHex(sig));
        expect(ed25519.verify(sig, msg, pk)).toBe(true);
        expect(ed25519Portable.verify(sig, msg, pk)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("rejects a signature with any single bit flipped, on both paths", () => {
    const { secretKey, publicKey } = ed25519.keygen(new Uint8Array(32).fill(3));
    const msg = new Uint8Array([1, 2, 3]);
    const sig = ed25519.sign(msg, secretKey);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 511 }), (bit) => {
        const bad = Uint8Array.from(sig);
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(ed25519.verify(bad, msg, publicKey)).toBe(false);
        expect(ed25519Portable.verify(bad, msg, publicKey)).toBe(false);
      }),
      { numRuns: 64 },
    );
  });

  it("derives the key pair from a seed deterministically and draws a fresh one without", () => {
    const s = new Uint8Array(32).fill(7);
    expect(bytesToHex(ed25519.keygen(s).publicKey)).toBe(bytesToHex(ed25519Portable.keygen(s).publicKey));
    expect(bytesToHex(ed25519.keygen(s).secretKey)).toBe(bytesToHex(s));
    const a = ed25519.keygen();
    const b = ed25519Portable.keygen();
    expect(a.secretKey.length).toBe(32);
    expect(bytesToHex(a.secretKey)).not.toBe(bytesToHex(b.secretKey));
    expect(bytesToHex(ed25519.getPublicKey(a.secretKey))).toBe(bytesToHex(a.publicKey));
  });

  it("keeps verifying after the key cache is cleared and after it overflows", () => {
    const { secretKey, publicKey } = ed25519.keygen(new Uint8Array(32).fill(5));
    const msg = new Uint8Array([9]);
    const sig = ed25519.sign(msg, secretKey);
    expect(ed25519.verify(sig, msg, publicKey)).toBe(true);
    clearEd25519KeyCache();
    expect(ed25519.verify(sig, msg, publicKey)).toBe(true);
    // Push the key out of the LRU with other (valid-looking) keys, then verify again.
    const filler = nobleEd25519.Point.BASE;
    let p = filler;
    for (let i = 0; i < ED25519_KEY_CACHE_SIZE + 1; i++) {
      p = p.add(filler);
      ed25519.verify(sig, msg, p.toBytes());
    }
    expect(ed25519.verify(sig, msg, publicKey)).toBe(true);
  });

  it("reports which public keys the rule accepts", () => {
    expect(isValidEd25519PublicKey(ed25519.keygen().publicKey)).toBe(true);
    expect(isValidEd25519PublicKey(hexToBytes(`01${"00".repeat(31)}`))).toBe(false); // identity
    expect(isValidEd25519PublicKey(hexToBytes(`02${"00".repeat(31)}`))).toBe(false); // not on the curve
    expect(isValidEd25519PublicKey(new Uint8Array(31))).toBe(false);
  });
});

describe("Ed25519 wrong inputs", () => {
  const sk = new Uint8Array(32).fill(1);
  const msg = new Uint8Array(4);
  for (const [name, scheme] of schemes) {
    it(`${name}: throws labelled TypeError/RangeError on sign, getPublicKey and keygen`, () => {
      expect(() => scheme.sign("hi" as never, sk)).toThrow(TypeError);
      expect(() => scheme.sign(msg, "key" as never)).toThrow(TypeError);
      expect(() => scheme.sign(msg, new Uint8Array(31))).toThrow(RangeError);
      expect(() => scheme.sign(msg, new Uint8Array(64))).toThrow(/ed25519 secret key: expected 32 bytes/);
      expect(() => scheme.getPublicKey(new Uint8Array(33))).toThrow(RangeError);
      expect(() => scheme.getPublicKey([1, 2] as never)).toThrow(TypeError);
      expect(() => scheme.keygen(new Uint8Array(16))).toThrow(RangeError);
      expect(() => scheme.keygen("seed" as never)).toThrow(TypeError);
    });

    it(`${name}: verify throws TypeError on non-bytes and returns false on wrong lengths`, () => {
      const pk = scheme.getPublicKey(sk);
      const sig = scheme.sign(msg, sk);
      expect(() => scheme.verify("sig" as never, msg, pk)).toThrow(TypeError);
      expect(() => scheme.verify(sig, null as never, pk)).toThrow(TypeError);
      expect(() => scheme.verify(sig, msg, [...pk] as never)).toThrow(TypeError);
      expect(scheme.verify(sig.subarray(0, 63), msg, pk)).toBe(false);
      expect(scheme.verify(new Uint8Array([...sig, 0]), msg, pk)).toBe(false);
      expect(scheme.verify(sig, msg, pk.subarray(0, 31))).toBe(false);
      expect(scheme.verify(sig, msg, new Uint8Array([...pk, 0]))).toBe(false);
      expect(scheme.verify(new Uint8Array(0), msg, new Uint8Array(0))).toBe(false);
    });
  }

  it("isValidEd25519PublicKey throws TypeError on non-bytes", () => {
    expect(() => isValidEd25519PublicKey("00" as never)).toThrow(TypeError);
  });
});
