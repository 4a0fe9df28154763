/**
 * SM2 signatures. SM2 ENCRYPTION and KEY EXCHANGE vectors in test/vectors/sm2.json are skipped on
 * purpose: the ledger only uses SM2 signatures, and src/sm2.ts implements only those.
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
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
import { sm3 } from "../../src/hash.js";
import { createSm2, SM2_DEFAULT_ID, SM2P256V1, type Sm2Curve, sm2, sm2SignWithK } from "../../src/sm2.js";

interface CurveParams {
  name: string;
  p: string;
  a: string;
  b: string;
  n: string;
  Gx: string;
  Gy: string;
}
interface Sm2Vector {
  id: string;
  operation: string;
  curve: string;
  curve_params: CurveParams;
  id_hex?: string;
  private_key?: string;
  public_key: { x: string; y: string };
  public_key_uncompressed: string;
  za?: string;
  message_hex?: string;
  e?: string;
  k?: string;
  signature_raw?: string;
  expected?: string;
}
const file = JSON.parse(readFileSync(new URL("../vectors/sm2.json", import.meta.url), "utf8")) as {
  sources: Record<string, string>;
  curves: Record<string, CurveParams>;
  vectors: Sm2Vector[];
};

const big = (h: string) => BigInt(`0x${h}`);
function curveOf(c: CurveParams): Sm2Curve {
  return { name: c.name, p: big(c.p), a: big(c.a), b: big(c.b), n: big(c.n), Gx: big(c.Gx), Gy: big(c.Gy) };
}
function compressed(v: Sm2Vector): Uint8Array {
  return concatBytes(new Uint8Array([big(v.public_key.y) & 1n ? 0x03 : 0x02]), hexToBytes(v.public_key.x));
}
const signVectors = file.vectors.filter((v) => v.operation === "sign/verify");
const verifyVectors = file.vectors.filter((v) => v.operation === "verify");
const N = SM2P256V1.n;

describe("SM2 known answers (GB/T 32918.2 / GM/T 0003.5 annexes and public suites, test/vectors/sm2.json)", () => {
  it("has sign vectors on both the recommended and the example curve, with their sources", () => {
    expect(signVectors.map((v) => v.curve).sort()).toEqual([
      "gbt32918-example-fp256",
      "sm2p256v1",
      "sm2p256v1",
    ]);
    expect(verifyVectors.length).toBe(2);
    expect(Object.keys(file.sources)).toContain("standard");
  });

  it("uses the recommended curve parameters of the standard", () => {
    expect(curveOf(file.curves.sm2p256v1!)).toEqual({ ...SM2P256V1 });
  });

  for (const v of signVectors) {
    it(`reproduces Z_A, e, the public key and the signature with the given k, and verifies: ${v.id}`, () => {
      const scheme = createSm2({ curve: curveOf(v.curve_params), id: hexToBytes(v.id_hex!) });
      const pk = compressed(v);
      const d = hexToBytes(v.private_key!);
      const msg = hexToBytes(v.message_hex!);
      expect(bytesToHex(scheme.getPublicKey(d))).toBe(bytesToHex(pk));
      expect(bytesToHex(scheme.za(pk))).toBe(v.za);
      expect(bytesToHex(sm3(concatBytes(scheme.za(pk), msg)))).toBe(v.e);
      expect(bytesToHex(sm2SignWithK(scheme, msg, d, big(v.k!)))).toBe(v.signature_raw);
      expect(scheme.verify(hexToBytes(v.signature_raw!), msg, pk)).toBe(true);
      expect(scheme.verify(hexToBytes(v.signature_raw!), concatBytes(msg, new Uint8Array(1)), pk)).toBe(
        false,
      );
      const fresh = scheme.sign(msg, d);
      expect(scheme.verify(fresh, msg, pk)).toBe(true);
    });
  }

  for (const v of verifyVectors) {
    it(`verifies ${v.expected} and rejects a tampered copy: ${v.id}`, () => {
      const scheme = createSm2({ id: hexToBytes(v.id_hex!) });
      const pk = compressed(v);
      const msg = hexToBytes(v.message_hex!);
      const sig = hexToBytes(v.signature_raw!);
      expect(bytesToHex(scheme.za(pk))).toBe(v.za);
      expect(scheme.verify(sig, msg, pk)).toBe(v.expected === "valid");
      const bad = Uint8Array.from(sig);
      bad[40]! ^= 1;
      expect(scheme.verify(bad, msg, pk)).toBe(false);
    });
  }

  it("uses the default ID 1234567812345678 in `sm2`, and a signature under another ID does not verify there", () => {
    expect(new TextDecoder().decode(sm2.id)).toBe(SM2_DEFAULT_ID);
    const annex = signVectors.find((v) => v.id === "sign-sm2p256v1-gmt0003.5-annexA")!;
    expect(
      sm2.verify(hexToBytes(annex.signature_raw!), hexToBytes(annex.message_hex!), compressed(annex)),
    ).toBe(true);
    const other = signVectors.find((v) => v.id === "sign-sm2p256v1-nondefault-id")!;
    expect(
      sm2.verify(hexToBytes(other.signature_raw!), hexToBytes(other.message_hex!), compressed(other)),
    ).toBe(false);
    expect(
      createSm2({ id: "sm2test@example.com" }).verify(
        hexToBytes(other.signature_raw!),
        hexToBytes(other.message_hex!),
        compressed(other),
      ),
    ).toBe(true);
  });
});

describe("SM2 through OpenSSL (measured; why verification is not delegated to node:crypto)", () => {
  const SPKI = hexToBytes("3059301306072a8648ce3d020106082a811ccf5501822d034200");
  const toDer = (sig: Uint8Array) => {
    const int = (b: Uint8Array) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      const v = b.subarray(i);
      return v[0]! & 0x80
        ? concatBytes(new Uint8Array([0x02, v.length + 1, 0]), v)
        : concatBytes(new Uint8Array([0x02, v.length]), v);
    };
    const body = concatBytes(int(sig.subarray(0, 32)), int(sig.subarray(32)));
    return concatBytes(new Uint8Array([0x30, body.length]), body);
  };
  const annex = signVectors.find((v) => v.id === "sign-sm2p256v1-gmt0003.5-annexA")!;
  const key = createPublicKey({
    key: Buffer.from(concatBytes(SPKI, hexToBytes(annex.public_key_uncompressed))),
    format: "der",
    type: "spki",
  });
  const msg = hexToBytes(annex.message_hex!);

  it("OpenSSL rejects the default-ID annex signature: it does not apply the default ID", () => {
    expect(nodeVerify("sm3", msg, key, toDer(hexToBytes(annex.signature_raw!)))).toBe(false);
  });

  it("OpenSSL applies Z_A with an EMPTY ID: it accepts our signature made with id = ''", () => {
    const emptyId = createSm2({ id: new Uint8Array(0) });
    const sig = emptyId.sign(msg, hexToBytes(annex.private_key!));
    expect(nodeVerify("sm3", msg, key, toDer(sig))).toBe(true);
    expect(sm2.verify(sig, msg, compressed(annex))).toBe(false);
  });

  it("a PKCS#8 SM2 key signs with the empty ID too, so OpenSSL's signatures are not default-ID SM2", () => {
    const d = hexToBytes(annex.private_key!);
    const pkcs8 = concatBytes(
      hexToBytes("308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420"),
      d,
      hexToBytes("a144034200"),
      hexToBytes(annex.public_key_uncompressed),
    );
    const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
    const der = nodeSign("sm3", msg, priv);
    const int = (off: number) => {
      const len = der[off + 1]!;
      return { value: bytesToBigInt(der.subarray(off + 2, off + 2 + len)), next: off + 2 + len };
    };
    const r = int(2);
    const s = int(r.next);
    const raw = concatBytes(bigIntToBytes(r.value, 32), bigIntToBytes(s.value, 32));
    expect(createSm2({ id: new Uint8Array(0) }).verify(raw, msg, compressed(annex))).toBe(true);
    expect(sm2.verify(raw, msg, compressed(annex))).toBe(false);
  });
});

describe("SM2 properties", () => {
  const d = fc.bigInt({ min: 1n, max: N - 2n }).map((x) => bigIntToBytes(x, 32));

  it("verifies what it signs, for any key and message, and not for another message", () => {
    fc.assert(
      fc.property(d, fc.uint8Array({ maxLength: 100 }), (sk, m) => {
        const pk = sm2.getPublicKey(sk);
        const sig = sm2.sign(m, sk);
        expect(sig.length).toBe(64);
        expect(sm2.verify(sig, m, pk)).toBe(true);
        expect(sm2.verify(sig, concatBytes(m, new Uint8Array([1])), pk)).toBe(false);
      }),
      { numRuns: 12 },
    );
  });

  it("rejects r or s outside [1, n − 1] and r + s = n", () => {
    const sk = bigIntToBytes(123456789n, 32);
    const pk = sm2.getPublicKey(sk);
    const m = utf8ToBytes("bounds");
    const sig = sm2.sign(m, sk);
    const r = bytesToBigInt(sig.subarray(0, 32));
    const rs = (a: bigint, b: bigint) => concatBytes(bigIntToBytes(a, 32), bigIntToBytes(b, 32));
    for (const [a, b] of [
      [0n, 1n],
      [1n, 0n],
      [N, 1n],
      [1n, N],
      [r, N - r],
      [N + 1n, bytesToBigInt(sig.subarray(32))],
      [2n ** 256n - 1n, 2n ** 256n - 1n],
    ] as const) {
      expect(sm2.verify(rs(a, b), m, pk), `${a} ${b}`).toBe(false);
    }
  });

  it("accepts only 33-byte compressed keys that are on the curve", () => {
    const sk = bigIntToBytes(99n, 32);
    const pk = sm2.getPublicKey(sk);
    const m = utf8ToBytes("keys");
    const sig = sm2.sign(m, sk);
    const uncompressed = concatBytes(new Uint8Array([4]), pk.subarray(1), new Uint8Array(32));
    for (const k of [
      uncompressed.subarray(0, 65),
      concatBytes(new Uint8Array([0x04]), pk.subarray(1)),
      concatBytes(new Uint8Array([pk[0]! ^ 1]), pk.subarray(1)),
      concatBytes(new Uint8Array([0x02]), bigIntToBytes(SM2P256V1.p, 32)),
      new Uint8Array(33),
    ]) {
      expect(sm2.verify(sig, m, k), bytesToHex(k)).toBe(false);
    }
  });
});

describe("SM2 wrong inputs", () => {
  const m = new Uint8Array(2);
  it("throws labelled TypeError/RangeError on bad secret keys, IDs, curves and non-bytes", () => {
    expect(() => sm2.sign("m" as never, bigIntToBytes(1n, 32))).toThrow(TypeError);
    expect(() => sm2.sign(m, new Uint8Array(31))).toThrow(RangeError);
    expect(() => sm2.sign(m, new Uint8Array(32))).toThrow(/sm2 secret key: scalar must be in \[1, n-2\]/);
    expect(() => sm2.sign(m, bigIntToBytes(N - 1n, 32))).toThrow(RangeError);
    expect(() => sm2.getPublicKey(bigIntToBytes(N, 32))).toThrow(RangeError);
    expect(() => sm2.keygen(new Uint8Array(5))).toThrow(RangeError);
    expect(() => sm2.keygen("seed" as never)).toThrow(TypeError);
    expect(() => createSm2({ id: new Uint8Array(8192) })).toThrow(RangeError);
    expect(createSm2({ id: new Uint8Array(8191) }).id.length).toBe(8191);
    expect(() => createSm2({ id: 5 as never })).toThrow(TypeError);
    expect(() => createSm2({ curve: { ...SM2P256V1, p: 5 } as never })).toThrow(TypeError);
    expect(() => createSm2(null as never)).toThrow(TypeError);
    expect(() => sm2.za(new Uint8Array(65))).toThrow(RangeError);
    expect(() => sm2.za(new Uint8Array(33))).toThrow(RangeError);
    expect(() => sm2SignWithK(sm2, m, bigIntToBytes(1n, 32), 0n)).toThrow(RangeError);
    const pair = sm2.keygen();
    expect(bytesToHex(sm2.getPublicKey(pair.secretKey))).toBe(bytesToHex(pair.publicKey));
  });

  it("verify throws TypeError on non-bytes and returns false on wrong lengths", () => {
    const sk = bigIntToBytes(5n, 32);
    const pk = sm2.getPublicKey(sk);
    const sig = sm2.sign(m, sk);
    expect(() => sm2.verify("s" as never, m, pk)).toThrow(TypeError);
    expect(() => sm2.verify(sig, {} as never, pk)).toThrow(TypeError);
    expect(() => sm2.verify(sig, m, null as never)).toThrow(TypeError);
    expect(sm2.verify(sig.subarray(1), m, pk)).toBe(false);
    expect(sm2.verify(sig, m, pk.subarray(1))).toBe(false);
    expect(sm2.verify(new Uint8Array(0), m, new Uint8Array(0))).toBe(false);
  });
});
