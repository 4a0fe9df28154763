import { readFileSync } from "node:fs";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { BLS_POP_DST, BLS_SIGN_DST, bls, hashToG2Bytes, initBls } from "../../src/bls.js";
import { bigIntToBytes, bytesToHex, hexToBytes, utf8ToBytes } from "../../src/bytes.js";
import * as api from "../../src/index.js";

const noble = bls12_381.longSignatures;
const { Fp, Fp2 } = bls12_381.fields;
const G1 = bls12_381.G1.Point;
const G2 = bls12_381.G2.Point;
const P = Fp.ORDER;
const R = bls12_381.fields.Fr.ORDER;

interface Rfc9380Vectors {
  source: string;
  dst: string;
  vectors: { msg: string; P: { x: { c0: string; c1: string }; y: { c0: string; c1: string } } }[];
}
interface KeyGenVectors {
  source: string;
  vectors: { ikm: string; sk: string }[];
}

function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8")) as T;
}

const msg = utf8ToBytes("tandem:acme precommit h=42 r=0");
const other = utf8ToBytes("tandem:acme precommit h=43 r=0");

/** Deterministic key pairs from fixed IKM, so failures reproduce. */
function key(i: number): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return bls.keygen(new Uint8Array(32).fill(i + 1));
}

function nobleSign(message: Uint8Array, secretKey: Uint8Array, dst = BLS_SIGN_DST): Uint8Array {
  return noble.Signature.toBytes(noble.sign(noble.hash(message, dst), secretKey));
}

function nobleVerify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, dst = BLS_SIGN_DST) {
  return noble.verify(signature, noble.hash(message, dst), publicKey);
}

function be48(value: bigint): Uint8Array {
  return bigIntToBytes(value, 48);
}

function encodeG1(x: bigint, flags: number): Uint8Array {
  const out = be48(x);
  out[0] = (out[0] as number) | flags;
  return out;
}

function encodeG2(c0: bigint, c1: bigint, flags: number): Uint8Array {
  const out = new Uint8Array(96);
  out.set(be48(c1), 0);
  out.set(be48(c0), 48);
  out[0] = (out[0] as number) | flags;
  return out;
}

/** noble's sqrt throws on non-residues. */
function hasSqrt(sqrt: () => unknown): boolean {
  try {
    sqrt();
    return true;
  } catch {
    return false;
  }
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
  return out;
}

const G1_INFINITY = encodeG1(0n, 0xc0);
const G2_INFINITY = encodeG2(0n, 0n, 0xc0);

beforeAll(async () => {
  await initBls();
});

describe("initBls", () => {
  it("is idempotent and shares one initialisation between concurrent callers", async () => {
    await Promise.all([initBls(), initBls(), initBls()]);
    expect(bls.verify(bls.sign(msg, key(0).secretKey), msg, key(0).publicKey)).toBe(true);
  });

  it("is exported from the package index", () => {
    expect(api.bls).toBe(bls);
    expect(api.initBls).toBe(initBls);
  });
});

describe("known-answer vectors", () => {
  const rfc = readVectors<Rfc9380Vectors>("bls-rfc9380-g2.json");

  it("hashes to G2 as RFC 9380 Appendix J.10.1 (BLS12381G2_XMD:SHA-256_SSWU_RO_)", () => {
    expect(rfc.source).toContain("RFC 9380 Appendix J.10.1");
    expect(rfc.vectors).toHaveLength(5);
    const dst = utf8ToBytes(rfc.dst);
    for (const v of rfc.vectors) {
      const point = G2.fromAffine({
        x: Fp2.create({ c0: BigInt(`0x${v.P.x.c0}`), c1: BigInt(`0x${v.P.x.c1}`) }),
        y: Fp2.create({ c0: BigInt(`0x${v.P.y.c0}`), c1: BigInt(`0x${v.P.y.c1}`) }),
      });
      point.assertValidity();
      const expected = bytesToHex(point.toBytes(true));
      const message = utf8ToBytes(v.msg);
      expect(bytesToHex(hashToG2Bytes(message, dst)), v.msg.slice(0, 8)).toBe(expected);
      // noble agrees, so the vectors were copied faithfully
      expect(bytesToHex(bls12_381.G2.hashToCurve(message, { DST: rfc.dst }).toBytes(true))).toBe(expected);
    }
  });

  it("derives secret keys as IETF KeyGen (EIP-2333 HKDF_mod_r test cases 0-3)", () => {
    const kg = readVectors<KeyGenVectors>("bls-keygen-eip2333.json");
    expect(kg.source).toContain("EIP-2333");
    expect(kg.vectors).toHaveLength(4);
    for (const v of kg.vectors) {
      const { secretKey, publicKey } = bls.keygen(hexToBytes(v.ikm));
      expect(secretKey).toEqual(bigIntToBytes(BigInt(v.sk), 32));
      expect(publicKey).toEqual(noble.getPublicKey(secretKey).toBytes(true));
    }
  });

  it("uses the standard G1 generator (sk = 1 gives G1.BASE)", () => {
    expect(bls.getPublicKey(bigIntToBytes(1n, 32))).toEqual(G1.BASE.toBytes(true));
    expect(bls.getPublicKey(bigIntToBytes(R - 1n, 32))).toEqual(G1.BASE.negate().toBytes(true));
  });

  it("hashes with the sign and PoP DSTs exactly as noble does", () => {
    for (const m of [new Uint8Array(0), msg, new Uint8Array(300).fill(0xab)]) {
      for (const dst of [BLS_SIGN_DST, BLS_POP_DST]) {
        expect(hashToG2Bytes(m, utf8ToBytes(dst))).toEqual(
          bls12_381.G2.hashToCurve(m, { DST: dst }).toBytes(true),
        );
      }
    }
  });
});

describe("interop with @noble/curves (longSignatures, explicit DST)", () => {
  it("derives the same public key from the same secret key", () => {
    for (let i = 0; i < 4; i++) {
      const { secretKey, publicKey } = key(i);
      expect(publicKey).toEqual(noble.getPublicKey(secretKey).toBytes(true));
    }
  });

  it("makes byte-identical signatures, each verifying under the other library", () => {
    const { secretKey, publicKey } = key(0);
    const ours = bls.sign(msg, secretKey);
    const theirs = nobleSign(msg, secretKey);
    expect(ours).toEqual(theirs);
    expect(nobleVerify(ours, msg, publicKey)).toBe(true);
    expect(bls.verify(theirs, msg, publicKey)).toBe(true);
    expect(nobleVerify(ours, other, publicKey)).toBe(false);
  });

  it("aggregates signatures and keys identically, verifiable both ways", () => {
    const keys = [0, 1, 2, 3].map(key);
    const sigs = keys.map((k) => bls.sign(msg, k.secretKey));
    const ours = bls.aggregateSignatures(sigs);
    const theirs = noble.Signature.toBytes(noble.aggregateSignatures(sigs));
    expect(ours).toEqual(theirs);
    const pks = keys.map((k) => k.publicKey);
    expect(bls.aggregatePublicKeys(pks)).toEqual(noble.aggregatePublicKeys(pks).toBytes(true));
    expect(noble.verify(ours, noble.hash(msg, BLS_SIGN_DST), noble.aggregatePublicKeys(pks))).toBe(true);
    const nobleSigs = keys.map((k) => nobleSign(msg, k.secretKey));
    const nobleAgg = noble.Signature.toBytes(noble.aggregateSignatures(nobleSigs));
    expect(bls.fastAggregateVerify(nobleAgg, msg, pks)).toBe(true);
  });

  it("verifies aggregates over distinct messages both ways", () => {
    const keys = [0, 1, 2].map(key);
    const messages = keys.map((_, i) => utf8ToBytes(`vote ${i}`));
    const ours = bls.aggregateSignatures(
      keys.map((k, i) => bls.sign(messages[i] as Uint8Array, k.secretKey)),
    );
    const items = keys.map((k, i) => ({
      message: noble.hash(messages[i] as Uint8Array, BLS_SIGN_DST),
      publicKey: k.publicKey,
    }));
    expect(noble.verifyBatch(ours, items)).toBe(true);
    const theirs = noble.Signature.toBytes(
      noble.aggregateSignatures(keys.map((k, i) => nobleSign(messages[i] as Uint8Array, k.secretKey))),
    );
    expect(
      bls.aggregateVerify(
        theirs,
        messages,
        keys.map((k) => k.publicKey),
      ),
    ).toBe(true);
  });

  it("makes identical proofs of possession, each verifying under the other library", () => {
    const { secretKey, publicKey } = key(1);
    const ours = bls.popProve(secretKey);
    const theirs = nobleSign(publicKey, secretKey, BLS_POP_DST);
    expect(ours).toEqual(theirs);
    expect(nobleVerify(ours, publicKey, publicKey, BLS_POP_DST)).toBe(true);
    expect(bls.popVerify(publicKey, theirs)).toBe(true);
  });
});

describe("verifyBatch (many signers, one message)", () => {
  // Built on first use: BLS is initialised in a beforeAll.
  let keys: Array<ReturnType<typeof key>> = [];
  let pks: Uint8Array[] = [];
  let sigs: Uint8Array[] = [];
  beforeAll(() => {
    keys = [0, 1, 2, 3].map(key);
    pks = keys.map((k) => k.publicKey);
    sigs = keys.map((k) => bls.sign(msg, k.secretKey));
  });

  it("accepts a batch exactly when every signature verifies alone", () => {
    expect(bls.verifyBatch(msg, sigs, pks)).toBe(true);
    expect(bls.verifyBatch(msg, sigs.slice(0, 1), pks.slice(0, 1))).toBe(true);
    expect(
      bls.verifyBatch(
        msg,
        sigs,
        pks.map((pk) => bls.preparePublicKey(pk)),
      ),
    ).toBe(true);
    // One signature over another message, one under a swapped key, one garbage encoding.
    const wrongMsg = [...sigs];
    wrongMsg[2] = bls.sign(other, keys[2]?.secretKey as Uint8Array);
    expect(bls.verifyBatch(msg, wrongMsg, pks)).toBe(false);
    expect(bls.verifyBatch(msg, [sigs[1], sigs[0], sigs[2], sigs[3]] as Uint8Array[], pks)).toBe(false);
    const garbage = [...sigs];
    garbage[0] = new Uint8Array(96).fill(7);
    expect(bls.verifyBatch(msg, garbage, pks)).toBe(false);
    expect(bls.verifyBatch(other, sigs, pks)).toBe(false);
  });

  it("gives the same verdicts when a signature's decoding is remembered", () => {
    const sig = sigs[0] as Uint8Array;
    const pk = pks[0] as Uint8Array;
    expect(bls.verify(sig, msg, pk)).toBe(true);
    expect(bls.verify(sig, msg, pk)).toBe(true);
    const flipped = sig.slice();
    flipped[50] = (flipped[50] as number) ^ 1;
    expect(bls.verify(flipped, msg, pk)).toBe(false);
    expect(bls.verify(sig, msg, pks[1] as Uint8Array)).toBe(false);
    expect(bls.verifyBatch(msg, [sig, sig], [pk, pk])).toBe(true);
    expect(bls.aggregateSignatures([sig])).toEqual(sig);
  });

  it("refuses two invalid signatures that cancel out in a plain sum", () => {
    // sig_a + D and sig_b − D: their sum equals sig_a + sig_b, so an unweighted aggregate check passes.
    const d = G2.fromBytes(bls.sign(utf8ToBytes("offset"), key(9).secretKey));
    const cancelling = (a: number, b: number): Uint8Array[] => {
      const out = [...sigs] as Uint8Array[];
      out[a] = G2.fromBytes(sigs[a] as Uint8Array)
        .add(d)
        .toBytes(true);
      out[b] = G2.fromBytes(sigs[b] as Uint8Array)
        .subtract(d)
        .toBytes(true);
      return out;
    };
    // The pair with the first (unweighted) signature, and one where neither is the first.
    for (const [a, b] of [
      [0, 1],
      [2, 3],
    ] as const) {
      const forged = cancelling(a, b);
      expect(bls.fastAggregateVerify(bls.aggregateSignatures(forged), msg, pks)).toBe(true);
      expect(bls.verify(forged[a] as Uint8Array, msg, pks[a] as Uint8Array)).toBe(false);
      for (let i = 0; i < 8; i++) expect(bls.verifyBatch(msg, forged, pks)).toBe(false);
    }
  });

  it("is false for empty or mismatched lists and invalid keys, and throws only on non-bytes", () => {
    expect(bls.verifyBatch(msg, [], [])).toBe(false);
    expect(bls.verifyBatch(msg, sigs, pks.slice(1))).toBe(false);
    expect(bls.verifyBatch(msg, sigs.slice(0, 1), [new Uint8Array(48)])).toBe(false);
    expect(() => bls.verifyBatch(msg, ["x" as unknown as Uint8Array], pks.slice(0, 1))).toThrow(TypeError);
  });
});

describe("preparePublicKey", () => {
  it("gives a handle that verify, fastAggregateVerify and aggregateVerify accept", () => {
    const keys = [0, 1, 2, 3].map(key);
    const handles = keys.map((k) => bls.preparePublicKey(k.publicKey));
    expect(handles[0]?.publicKey).toEqual(keys[0]?.publicKey);
    const first = keys[0] as { secretKey: Uint8Array };
    expect(bls.verify(bls.sign(msg, first.secretKey), msg, handles[0] as api.PreparedPublicKey)).toBe(true);
    const agg = bls.aggregateSignatures(keys.map((k) => bls.sign(msg, k.secretKey)));
    expect(bls.fastAggregateVerify(agg, msg, handles)).toBe(true);
    expect(bls.fastAggregateVerify(agg, other, handles)).toBe(false);
    expect(bls.fastAggregateVerify(agg, msg, [...handles.slice(1), keys[0]?.publicKey as Uint8Array])).toBe(
      true,
    );
    const messages = keys.map((_, i) => utf8ToBytes(`m${i}`));
    const agg2 = bls.aggregateSignatures(
      keys.map((k, i) => bls.sign(messages[i] as Uint8Array, k.secretKey)),
    );
    expect(bls.aggregateVerify(agg2, messages, handles)).toBe(true);
    expect(bls.aggregatePublicKeys(handles)).toEqual(bls.aggregatePublicKeys(keys.map((k) => k.publicKey)));
  });

  it("refuses invalid keys with a RangeError and look-alike handles with a TypeError", () => {
    expect(() => bls.preparePublicKey(G1_INFINITY)).toThrow(RangeError);
    expect(() => bls.preparePublicKey(new Uint8Array(47))).toThrow(RangeError);
    const { secretKey, publicKey } = key(0);
    const fake = { publicKey } as api.PreparedPublicKey;
    expect(() => bls.verify(bls.sign(msg, secretKey), msg, fake)).toThrow(TypeError);
    expect(() => bls.fastAggregateVerify(bls.sign(msg, secretKey), msg, [fake])).toThrow(TypeError);
  });
});

describe("rejects", () => {
  let sk: Uint8Array = new Uint8Array(0);
  let pk: Uint8Array = new Uint8Array(0);
  let sig: Uint8Array = new Uint8Array(0);
  beforeAll(() => {
    ({ secretKey: sk, publicKey: pk } = key(5));
    sig = bls.sign(msg, sk);
  });

  it("accepts the untouched signature (control)", () => {
    expect(bls.verify(sig, msg, pk)).toBe(true);
  });

  it("rejects the infinity public key everywhere (mcl alone would verify it)", () => {
    expect(bls.validatePublicKey(G1_INFINITY)).toBe(false);
    expect(bls.verify(G2_INFINITY, msg, G1_INFINITY)).toBe(false);
    expect(bls.verify(sig, msg, G1_INFINITY)).toBe(false);
    expect(bls.fastAggregateVerify(sig, msg, [pk, G1_INFINITY])).toBe(false);
    expect(bls.aggregateVerify(sig, [msg], [G1_INFINITY])).toBe(false);
    expect(bls.popVerify(G1_INFINITY, G2_INFINITY)).toBe(false);
    expect(() => bls.aggregatePublicKeys([pk, G1_INFINITY])).toThrow(RangeError);
    // mcl reads 0xc0 followed by junk as infinity too
    expect(bls.validatePublicKey(flipBit(G1_INFINITY, 383))).toBe(false);
  });

  it("rejects the infinity signature everywhere", () => {
    expect(bls.verify(G2_INFINITY, msg, pk)).toBe(false);
    expect(bls.verify(flipBit(G2_INFINITY, 767), msg, pk)).toBe(false);
    expect(bls.fastAggregateVerify(G2_INFINITY, msg, [pk])).toBe(false);
    expect(bls.aggregateVerify(G2_INFINITY, [msg], [pk])).toBe(false);
    expect(bls.popVerify(pk, G2_INFINITY)).toBe(false);
    expect(() => bls.aggregateSignatures([sig, G2_INFINITY])).toThrow(RangeError);
  });

  it("rejects points on the curve but outside the prime-order subgroups", () => {
    // G1: x = 4 is on y^2 = x^3 + 4; G2: x = 1 + i is on the twist; neither point is in its subgroup
    const g1 = G1.fromAffine({ x: 4n, y: Fp.sqrt(Fp.add(Fp.pow(4n, 3n), 4n)) });
    expect(g1.isTorsionFree()).toBe(false);
    const x2 = Fp2.create({ c0: 1n, c1: 1n });
    const g2 = G2.fromAffine({
      x: x2,
      y: Fp2.sqrt(Fp2.add(Fp2.pow(x2, 3n), Fp2.create({ c0: 4n, c1: 4n }))),
    });
    expect(g2.isTorsionFree()).toBe(false);
    const badPk = encodeG1(4n, 0x80);
    const badSig = encodeG2(1n, 1n, 0x80);
    expect(bls.validatePublicKey(badPk)).toBe(false);
    expect(bls.verify(sig, msg, badPk)).toBe(false);
    expect(bls.verify(badSig, msg, pk)).toBe(false);
    expect(() => bls.aggregateSignatures([badSig])).toThrow(RangeError);
    expect(() => bls.aggregatePublicKeys([badPk])).toThrow(RangeError);
  });

  it("rejects x coordinates that are not on the curve", () => {
    let x = 1n;
    while (hasSqrt(() => Fp.sqrt(Fp.add(Fp.pow(x, 3n), 4n)))) x++;
    expect(bls.validatePublicKey(encodeG1(x, 0x80))).toBe(false);
    expect(bls.validatePublicKey(encodeG1(x, 0xa0))).toBe(false);
    const b2 = Fp2.create({ c0: 4n, c1: 4n });
    let c0 = 1n;
    while (hasSqrt(() => Fp2.sqrt(Fp2.add(Fp2.pow(Fp2.create({ c0, c1: 1n }), 3n), b2)))) c0++;
    expect(bls.verify(encodeG2(c0, 1n, 0x80), msg, pk)).toBe(false);
  });

  it("rejects non-canonical encodings (a coordinate >= p) of valid points", () => {
    // find a key whose x + p still fits below the flag bits, so the bytes differ only by p
    let k = 1n;
    while (G1.BASE.multiply(k).toAffine().x + P >= 1n << 381n) k++;
    const point = G1.BASE.multiply(k);
    const canonical = point.toBytes(true);
    const nonCanonical = encodeG1(point.toAffine().x + P, (canonical[0] as number) & 0xe0);
    expect(bls.validatePublicKey(canonical)).toBe(true);
    expect(bls.validatePublicKey(nonCanonical)).toBe(false);
    const skK = bigIntToBytes(k, 32);
    expect(bls.verify(bls.sign(msg, skK), msg, nonCanonical)).toBe(false);
    // G2: c0 + p always fits in its 48 bytes; c1 + p needs a point with a small c1
    const s = G2.fromBytes(sig);
    const { x } = s.toAffine();
    const flags = (sig[0] as number) & 0xe0;
    expect(bls.verify(encodeG2(x.c0, x.c1, flags), msg, pk)).toBe(true);
    expect(bls.verify(encodeG2(x.c0 + P, x.c1, flags), msg, pk)).toBe(false);
    let j = 1n;
    while (G2.BASE.multiply(j).toAffine().x.c1 + P >= 1n << 381n) j++;
    const q = G2.BASE.multiply(j);
    const qx = q.toAffine().x;
    const qFlags = (q.toBytes(true)[0] as number) & 0xe0;
    expect(bls.aggregateSignatures([encodeG2(qx.c0, qx.c1, qFlags)])).toEqual(q.toBytes(true));
    expect(() => bls.aggregateSignatures([encodeG2(qx.c0, qx.c1 + P, qFlags)])).toThrow(RangeError);
  });

  it("rejects malformed flag bits", () => {
    const noCompression = Uint8Array.from(pk);
    noCompression[0] = (noCompression[0] as number) & 0x7f;
    expect(bls.validatePublicKey(noCompression)).toBe(false);
    const flippedSign = flipBit(pk, 5);
    expect(bls.verify(sig, msg, flippedSign)).toBe(false);
    expect(bls.validatePublicKey(encodeG1(0n, 0xe0))).toBe(false); // infinity with the sign bit
    expect(bls.validatePublicKey(new Uint8Array(48))).toBe(false);
    expect(bls.verify(new Uint8Array(96), msg, pk)).toBe(false);
  });

  it("rejects wrong lengths without throwing", () => {
    for (const n of [0, 47, 49, 96]) expect(bls.verify(sig, msg, new Uint8Array(n).fill(0x80))).toBe(false);
    for (const n of [0, 48, 95, 97]) expect(bls.verify(new Uint8Array(n).fill(0xa0), msg, pk)).toBe(false);
    expect(bls.verify(sig.subarray(0, 95), msg, pk)).toBe(false);
    expect(bls.verify(Uint8Array.of(...sig, 0), msg, pk)).toBe(false);
    expect(bls.verify(sig, msg, pk.subarray(0, 47))).toBe(false);
    expect(bls.validatePublicKey(Uint8Array.of(...pk, 0))).toBe(false);
    expect(bls.popVerify(pk, sig.subarray(1))).toBe(false);
  });

  it("rejects any single flipped bit in the signature or the key", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 767 }), fc.integer({ min: 0, max: 383 }), (sigBit, pkBit) => {
        expect(bls.verify(flipBit(sig, sigBit), msg, pk)).toBe(false);
        expect(bls.verify(sig, msg, flipBit(pk, pkBit))).toBe(false);
      }),
      { numRuns: 12 },
    );
  });

  it("rejects a wrong message", () => {
    expect(bls.verify(sig, other, pk)).toBe(false);
    expect(bls.verify(sig, new Uint8Array(0), pk)).toBe(false);
  });

  it("rejects signatures made under another DST (domain separation)", () => {
    expect(bls.verify(nobleSign(msg, sk, BLS_POP_DST), msg, pk)).toBe(false);
    // noble's default hash DST is the NUL ciphersuite's
    const nul = noble.Signature.toBytes(noble.sign(noble.hash(msg), sk));
    expect(nobleVerify(nul, msg, pk, "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_")).toBe(true);
    expect(bls.verify(nul, msg, pk)).toBe(false);
    // a proof of possession is not a signature on the key bytes, nor the reverse
    expect(bls.verify(bls.popProve(sk), pk, pk)).toBe(false);
    expect(bls.popVerify(pk, bls.sign(pk, sk))).toBe(false);
    expect(bls.popVerify(key(6).publicKey, bls.popProve(sk))).toBe(false);
  });

  it("shows the rogue-key attack passing fastAggregateVerify without PoP, and popVerify stopping it", () => {
    const victim = key(7);
    const attacker = key(8);
    // pk_attack = pk_evil - pk_victim: the attacker knows no secret key for it
    const rogue = G1.fromBytes(attacker.publicKey).subtract(G1.fromBytes(victim.publicKey)).toBytes(true);
    expect(bls.validatePublicKey(rogue)).toBe(true);
    const forged = bls.sign(msg, attacker.secretKey);
    // "victim and rogue both signed msg" — yet the victim never signed anything
    expect(bls.fastAggregateVerify(forged, msg, [victim.publicKey, rogue])).toBe(true);
    // the rogue key has no proof of possession: neither the attacker's own proof ...
    expect(bls.popVerify(rogue, bls.popProve(attacker.secretKey))).toBe(false);
    // ... nor one built from the victim's public proof
    const victimPop = noble.Signature.fromBytes(bls.popProve(victim.secretKey));
    const attackerPop = noble.Signature.fromBytes(bls.popProve(attacker.secretKey));
    expect(bls.popVerify(rogue, noble.Signature.toBytes(attackerPop.subtract(victimPop)))).toBe(false);
    expect(bls.popVerify(victim.publicKey, bls.popProve(victim.secretKey))).toBe(true);
  });

  it("rejects aggregateVerify over duplicate messages", () => {
    const a = key(1);
    const b = key(2);
    const agg = bls.aggregateSignatures([bls.sign(msg, a.secretKey), bls.sign(msg, b.secretKey)]);
    expect(bls.fastAggregateVerify(agg, msg, [a.publicKey, b.publicKey])).toBe(true);
    expect(bls.aggregateVerify(agg, [msg, Uint8Array.from(msg)], [a.publicKey, b.publicKey])).toBe(false);
  });

  it("rejects empty and mismatched lists", () => {
    expect(bls.fastAggregateVerify(sig, msg, [])).toBe(false);
    expect(bls.aggregateVerify(sig, [], [])).toBe(false);
    expect(bls.aggregateVerify(sig, [msg], [])).toBe(false);
    expect(bls.aggregateVerify(sig, [msg, other], [pk])).toBe(false);
    expect(() => bls.aggregateSignatures([])).toThrow(RangeError);
    expect(() => bls.aggregatePublicKeys([])).toThrow(RangeError);
  });

  it("rejects an aggregate that sums to the identity", () => {
    const neg = G1.fromBytes(pk).negate().toBytes(true);
    expect(() => bls.aggregatePublicKeys([pk, neg])).toThrow(RangeError);
    expect(bls.fastAggregateVerify(sig, msg, [pk, neg])).toBe(false);
    const negSig = noble.Signature.toBytes(noble.Signature.fromBytes(sig).negate());
    expect(() => bls.aggregateSignatures([sig, negSig])).toThrow(RangeError);
  });

  it("rejects bad secret keys with a RangeError", () => {
    for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(32), bigIntToBytes(R, 32)]) {
      expect(() => bls.getPublicKey(bad)).toThrow(RangeError);
      expect(() => bls.sign(msg, bad)).toThrow(RangeError);
      expect(() => bls.popProve(bad)).toThrow(RangeError);
    }
    expect(() => bls.keygen(new Uint8Array(31))).toThrow(RangeError);
  });

  it("throws a TypeError for every non-bytes argument", () => {
    const notBytes = "00" as unknown as Uint8Array;
    const calls: (() => unknown)[] = [
      () => bls.keygen(notBytes),
      () => bls.getPublicKey(notBytes),
      () => bls.sign(notBytes, sk),
      () => bls.sign(msg, notBytes),
      () => bls.verify(notBytes, msg, pk),
      () => bls.verify(sig, notBytes, pk),
      () => bls.verify(sig, msg, notBytes),
      () => bls.aggregateSignatures(notBytes as unknown as Uint8Array[]),
      () => bls.aggregateSignatures([notBytes]),
      () => bls.aggregatePublicKeys([notBytes]),
      () => bls.fastAggregateVerify(sig, msg, [notBytes]),
      () => bls.fastAggregateVerify(sig, notBytes, [pk]),
      () => bls.aggregateVerify(sig, [notBytes], [pk]),
      () => bls.aggregateVerify(sig, [msg], notBytes as unknown as Uint8Array[]),
      () => bls.popProve(notBytes),
      () => bls.popVerify(notBytes, sig),
      () => bls.popVerify(pk, notBytes),
      () => bls.validatePublicKey(notBytes),
      () => bls.preparePublicKey(notBytes),
    ];
    for (const call of calls) expect(call).toThrow(TypeError);
  });

  it("never throws on arbitrary bytes given to verify", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 94, maxLength: 98 }),
        fc.uint8Array({ minLength: 46, maxLength: 50 }),
        (s, k) => {
          expect(bls.verify(s, msg, k)).toBe(false);
          expect(bls.fastAggregateVerify(s, msg, [k, pk])).toBe(false);
          expect(bls.popVerify(k, s)).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("properties", () => {
  let keys: { secretKey: Uint8Array; publicKey: Uint8Array }[] = [];
  beforeAll(() => {
    keys = [0, 1, 2, 3, 4, 5, 6, 7].map(key);
  });

  it("verifies what it signs, for any key and message", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 64 }),
        fc.uint8Array({ maxLength: 200 }),
        (ikm, m) => {
          const k = bls.keygen(ikm);
          expect(bls.verify(bls.sign(m, k.secretKey), m, k.publicKey)).toBe(true);
        },
      ),
      { numRuns: 5 },
    );
  });

  it("verifies an aggregate of n in [1, 8] signatures on one message", () => {
    fc.assert(
      fc.property(
        fc.subarray(keys, { minLength: 1, maxLength: 8 }),
        fc.uint8Array({ maxLength: 64 }),
        (signers, m) => {
          const agg = bls.aggregateSignatures(signers.map((k) => bls.sign(m, k.secretKey)));
          expect(
            bls.fastAggregateVerify(
              agg,
              m,
              signers.map((k) => k.publicKey),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 4 },
    );
  });

  it("fails when the signer set and the key set differ in any way", () => {
    fc.assert(
      fc.property(
        fc.subarray(keys, { minLength: 1, maxLength: 8 }),
        fc.subarray(keys, { minLength: 1, maxLength: 8 }),
        (signers, claimed) => {
          fc.pre(signers.length !== claimed.length || signers.some((k, i) => k !== claimed[i]));
          const agg = bls.aggregateSignatures(signers.map((k) => bls.sign(msg, k.secretKey)));
          expect(
            bls.fastAggregateVerify(
              agg,
              msg,
              claimed.map((k) => k.publicKey),
            ),
          ).toBe(false);
        },
      ),
      { numRuns: 4 },
    );
  });

  it("verifies aggregates over distinct messages and fails when any message moves to another key", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), fc.integer({ min: 1, max: 4 }), (n, shift) => {
        const signers = keys.slice(0, n);
        const messages = signers.map((_, i) => utf8ToBytes(`tandem:acme vote ${i}`));
        const agg = bls.aggregateSignatures(
          signers.map((k, i) => bls.sign(messages[i] as Uint8Array, k.secretKey)),
        );
        const pks = signers.map((k) => k.publicKey);
        expect(bls.aggregateVerify(agg, messages, pks)).toBe(true);
        const rotated = messages.map((_, i) => messages[(i + shift) % n] as Uint8Array);
        fc.pre(rotated.some((m, i) => m !== messages[i]));
        expect(bls.aggregateVerify(agg, rotated, pks)).toBe(false);
      }),
      { numRuns: 3 },
    );
  });
});
