import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { secp256k1 as nobleSecp } from "@noble/curves/secp256k1.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  hexToBytes,
  utf8ToBytes,
} from "../../src/bytes.js";
import { sha256 } from "../../src/hash.js";
import {
  clearSecp256k1KeyCache,
  isLowSCanonicalSignature,
  secp256k1,
  secp256k1Portable,
} from "../../src/secp256k1.js";

const file = JSON.parse(
  readFileSync(new URL("../vectors/secp256k1-rfc6979.json", import.meta.url), "utf8"),
) as {
  source: string;
  vectors: { id: string; secret_key: string; message_ascii: string; signature: string }[];
  wycheproof: { source: string; public_key_uncompressed: string; message: string; signature: string };
};

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const schemes = [
  ["secp256k1 (node:crypto)", secp256k1],
  ["secp256k1Portable (noble)", secp256k1Portable],
] as const;

const rs = (r: bigint, s: bigint) => concatBytes(bigIntToBytes(r, 32), bigIntToBytes(s, 32));
const compress = (uncompressed: Uint8Array) => nobleSecp.Point.fromBytes(uncompressed).toBytes(true);

function bareOpenSsl(sig: Uint8Array, msg: Uint8Array, pk33: Uint8Array): boolean {
  const spki = concatBytes(hexToBytes("3036301006072a8648ce3d020106052b8104000a032200"), pk33);
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  return nodeVerify("sha256", msg, { key, dsaEncoding: "ieee-p1363" }, sig);
}

describe("secp256k1 known answers (RFC 6979 + SHA-256 vectors, test/vectors/secp256k1-rfc6979.json)", () => {
  for (const v of file.vectors) {
    it(`signs deterministically and verifies on both paths: ${v.id}`, () => {
      const sk = hexToBytes(v.secret_key);
      const msg = utf8ToBytes(v.message_ascii);
      const pk = secp256k1.getPublicKey(sk);
      expect(pk.length).toBe(33);
      expect(bytesToHex(secp256k1.sign(msg, sk))).toBe(v.signature);
      for (const [, scheme] of schemes) {
        expect(scheme.verify(hexToBytes(v.signature), msg, pk)).toBe(true);
        expect(scheme.verify(hexToBytes(v.signature), sha256(msg), pk)).toBe(false); // hashes inside
      }
    });
  }

  it("derives the generator as the public key of d = 1", () => {
    expect(bytesToHex(secp256k1.getPublicKey(bigIntToBytes(1n, 32)))).toBe(
      "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    );
  });

  it("rejects Wycheproof tcId 1 because its s is high, and accepts it with s replaced by n − s", () => {
    const w = file.wycheproof;
    const pk = compress(hexToBytes(w.public_key_uncompressed));
    const sig = hexToBytes(w.signature);
    const msg = hexToBytes(w.message);
    expect(bareOpenSsl(sig, msg, pk)).toBe(true); // OpenSSL alone accepts high S: the check is ours
    const low = rs(bytesToBigInt(sig.subarray(0, 32)), N - bytesToBigInt(sig.subarray(32)));
    for (const [, scheme] of schemes) {
      expect(scheme.verify(sig, msg, pk)).toBe(false);
      expect(scheme.verify(low, msg, pk)).toBe(true);
    }
  });

  it("uses ⌊n/2⌋ as the largest low s", () => {
    const r = 5n;
    expect(isLowSCanonicalSignature(rs(r, N >> 1n))).toBe(true);
    expect(isLowSCanonicalSignature(rs(r, (N >> 1n) + 1n))).toBe(false);
  });
});

describe("secp256k1 properties", () => {
  const sk = fc.bigInt({ min: 1n, max: N - 1n }).map((d) => bigIntToBytes(d, 32));
  const msg = fc.uint8Array({ maxLength: 200 });

  it("never produces high S, and both paths verify what it signs", () => {
    fc.assert(
      fc.property(sk, msg, (d, m) => {
        const pk = secp256k1.getPublicKey(d);
        const sig = secp256k1.sign(m, d);
        expect(isLowSCanonicalSignature(sig)).toBe(true);
        expect(secp256k1.verify(sig, m, pk)).toBe(true);
        expect(secp256k1Portable.verify(sig, m, pk)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it("rejects the high-S twin of every valid signature on both paths (noble without lowS accepts it)", () => {
    fc.assert(
      fc.property(sk, msg, (d, m) => {
        const pk = secp256k1.getPublicKey(d);
        const sig = secp256k1.sign(m, d);
        const high = rs(bytesToBigInt(sig.subarray(0, 32)), N - bytesToBigInt(sig.subarray(32)));
        expect(nobleSecp.verify(high, m, pk, { lowS: false })).toBe(true);
        expect(secp256k1.verify(high, m, pk)).toBe(false);
        expect(secp256k1Portable.verify(high, m, pk)).toBe(false);
      }),
      { numRuns: 15 },
    );
  });

  it("agrees between paths on corrupted signatures, messages and keys", () => {
    const d = bigIntToBytes(0xc0ffeen, 32);
    const pk = secp256k1.getPublicKey(d);
    const m = utf8ToBytes("tandem:acme transfer 10");
    const sig = secp256k1.sign(m, d);
    fc.assert(
      fc.property(fc.nat(64 * 8 - 1), fc.nat(33 * 8 - 1), fc.boolean(), (sigBit, pkBit, flipKey) => {
        const s = Uint8Array.from(sig);
        s[sigBit >> 3]! ^= 1 << (sigBit & 7);
        const k = Uint8Array.from(pk);
        if (flipKey) k[pkBit >> 3]! ^= 1 << (pkBit & 7);
        const fast = secp256k1.verify(s, m, k);
        expect(secp256k1Portable.verify(s, m, k)).toBe(fast);
        expect(fast).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects r or s at and beyond the boundaries on both paths", () => {
    const d = bigIntToBytes(777n, 32);
    const pk = secp256k1.getPublicKey(d);
    const m = utf8ToBytes("bounds");
    const values = [0n, 1n, N >> 1n, (N >> 1n) + 1n, N - 1n, N, N + 1n, P, P + 1n, 2n ** 256n - 1n];
    for (const r of values) {
      for (const s of values) {
        const sig = rs(r, s);
        expect(secp256k1.verify(sig, m, pk), `${r} ${s}`).toBe(false);
        expect(secp256k1Portable.verify(sig, m, pk), `${r} ${s}`).toBe(false);
      }
    }
  });

  it("accepts only 33-byte compressed keys with x < p on the curve", () => {
    const d = bigIntToBytes(4242n, 32);
    const m = utf8ToBytes("keys");
    const sig = secp256k1.sign(m, d);
    const pk = secp256k1.getPublicKey(d);
    const uncompressed = nobleSecp.getPublicKey(d, false);
    const bad = [
      uncompressed,
      concatBytes(new Uint8Array([0x04]), pk.subarray(1)),
      concatBytes(new Uint8Array([0x02 ^ 0x03 ^ pk[0]!]), pk.subarray(1)), // other y: a different key
      concatBytes(new Uint8Array([0x02]), bigIntToBytes(P, 32)),
      concatBytes(new Uint8Array([0x02]), bigIntToBytes(2n ** 256n - 1n, 32)),
      concatBytes(new Uint8Array([0x02]), bigIntToBytes(5n, 32)), // x = 5 has no point on secp256k1
      new Uint8Array(33),
    ];
    for (const k of bad) {
      expect(secp256k1.verify(sig, m, k), bytesToHex(k)).toBe(false);
      expect(secp256k1Portable.verify(sig, m, k), bytesToHex(k)).toBe(false);
    }
    clearSecp256k1KeyCache();
    expect(secp256k1.verify(sig, m, pk)).toBe(true);
  });
});

describe("secp256k1 wrong inputs", () => {
  const d = bigIntToBytes(9n, 32);
  const m = new Uint8Array(3);
  for (const [name, scheme] of schemes) {
    it(`${name}: throws labelled TypeError/RangeError on bad secret keys and non-bytes`, () => {
      expect(() => scheme.sign("x" as never, d)).toThrow(TypeError);
      expect(() => scheme.sign(m, "k" as never)).toThrow(TypeError);
      expect(() => scheme.sign(m, new Uint8Array(31))).toThrow(RangeError);
      expect(() => scheme.sign(m, new Uint8Array(32))).toThrow(
        /secp256k1 secret key: scalar must be in \[1, n-1\]/,
      );
      expect(() => scheme.sign(m, bigIntToBytes(N, 32))).toThrow(RangeError);
      expect(() => scheme.getPublicKey(new Uint8Array(33))).toThrow(RangeError);
      expect(() => scheme.keygen(bigIntToBytes(N + 1n, 32))).toThrow(RangeError);
      expect(() => scheme.keygen([1] as never)).toThrow(TypeError);
      const pair = scheme.keygen();
      expect(bytesToHex(scheme.getPublicKey(pair.secretKey))).toBe(bytesToHex(pair.publicKey));
    });

    it(`${name}: verify throws TypeError on non-bytes and returns false on wrong lengths`, () => {
      const pk = scheme.getPublicKey(d);
      const sig = scheme.sign(m, d);
      expect(() => scheme.verify("s" as never, m, pk)).toThrow(TypeError);
      expect(() => scheme.verify(sig, 1 as never, pk)).toThrow(TypeError);
      expect(() => scheme.verify(sig, m, undefined as never)).toThrow(TypeError);
      expect(scheme.verify(sig.subarray(1), m, pk)).toBe(false);
      expect(scheme.verify(concatBytes(sig, new Uint8Array(1)), m, pk)).toBe(false);
      expect(scheme.verify(sig, m, pk.subarray(1))).toBe(false);
      expect(scheme.verify(new Uint8Array(0), m, new Uint8Array(0))).toBe(false);
    });
  }
});
