/** Everything that must be rejected: forged or altered signatures, tampered ciphertexts, bad confirmations. */
import { bigIntToBytes, bytesToBigInt } from "@tandem/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { fastBackend } from "../../src/fast/backend.js";
import { h1 } from "../../src/hash.js";
import * as sm9 from "../../src/index.js";
import { g2Mul as naiveG2Mul } from "../../src/naive/curve.js";
import { N, P } from "../../src/params.js";
import { g2ToFast, randomTwistPoint } from "./helpers.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const b32 = (x: bigint): Uint8Array => bigIntToBytes(x, 32);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof sm9.Sm9Error ? e.code : `not Sm9Error: ${String(e)}`;
  }
  return undefined;
}

const id = utf8("Alice");
const m = utf8("transfer 10 to Bob");
let mk: sm9.MasterKeyPair;
let dsA: Uint8Array;
let sig: sm9.Signature;

beforeAll(() => {
  mk = sm9.signMasterKey();
  dsA = sm9.signUserKey(mk.secret, id);
  // A signature whose h + N still fits in 32 bytes, for the "unreduced h" case.
  do sig = sm9.sign(m, dsA, mk.publicKey);
  while (bytesToBigInt(sig.h) + N >= 2n ** 256n);
});

describe("verify returns false (and never throws) for a bad signature", () => {
  const check = (s: sm9.Signature, msg = m, who = id, hid?: number): boolean =>
    hid === undefined ? sm9.verify(msg, s, who, mk.publicKey) : sm9.verify(msg, s, who, mk.publicKey, hid);

  it("accepts the untouched signature", () => expect(check(sig)).toBe(true));
  it("h + 1", () => expect(check({ ...sig, h: b32((bytesToBigInt(sig.h) + 1n) % N) })).toBe(false));
  it("h = 0", () => expect(check({ ...sig, h: b32(0n) })).toBe(false));
  it("h = N", () => expect(check({ ...sig, h: b32(N) })).toBe(false));
  it("h + N (the same h, unreduced)", () =>
    expect(check({ ...sig, h: b32(bytesToBigInt(sig.h) + N) })).toBe(false));
  it("h = 2^256 - 1", () => expect(check({ ...sig, h: new Uint8Array(32).fill(0xff) })).toBe(false));
  it("S negated", () => {
    const S = new Uint8Array(sig.S);
    S.set(b32(P - bytesToBigInt(sig.S.subarray(33))), 33);
    expect(check({ ...sig, S })).toBe(false);
  });
  it("S not on the curve", () => {
    const S = new Uint8Array(sig.S);
    S[64] = (S[64] as number) ^ 1;
    expect(check({ ...sig, S })).toBe(false);
  });
  it("S with a coordinate >= p", () => {
    const S = new Uint8Array(sig.S);
    S.set(
      b32(
        bytesToBigInt(sig.S.subarray(1, 33)) + P < 2n ** 256n ? bytesToBigInt(sig.S.subarray(1, 33)) + P : P,
      ),
      1,
    );
    expect(check({ ...sig, S })).toBe(false);
  });
  it("S with a compressed or infinity prefix", () => {
    for (const prefix of [0x00, 0x02, 0x03, 0x06]) {
      const S = new Uint8Array(sig.S);
      S[0] = prefix;
      expect(check({ ...sig, S })).toBe(false);
    }
  });
  it("S of the wrong length, h of the wrong length", () => {
    expect(check({ ...sig, S: sig.S.subarray(1) })).toBe(false);
    expect(check({ ...sig, h: sig.h.subarray(1) })).toBe(false);
    expect(check({ ...sig, h: new Uint8Array([0, ...sig.h]) })).toBe(false);
  });
  it("S replaced by another valid point (the signer's key itself)", () =>
    expect(check({ ...sig, S: dsA })).toBe(false));
  it("wrong ID", () => expect(check(sig, m, utf8("Alicf"))).toBe(false));
  it("wrong hid", () => expect(check(sig, m, id, 0x02)).toBe(false));
  it("changed message (one bit, one byte more, one byte less)", () => {
    const m2 = new Uint8Array(m);
    m2[0] = (m2[0] as number) ^ 0x80;
    expect(check(sig, m2)).toBe(false);
    expect(check(sig, new Uint8Array([...m, 0]))).toBe(false);
    expect(check(sig, m.subarray(1))).toBe(false);
  });
  it("another master public key", () => {
    expect(sm9.verify(m, sig, id, sm9.signMasterKey().publicKey)).toBe(false);
  });
  it("signature by another user of the same master key", () => {
    const other = sm9.sign(m, sm9.signUserKey(mk.secret, utf8("Mallory")), mk.publicKey);
    expect(check(other)).toBe(false);
  });
});

describe("decrypt throws SM9_DECRYPT_FAILED for a tampered ciphertext", () => {
  const idB = utf8("Bob");
  let ek: sm9.MasterKeyPair;
  let deB: Uint8Array;
  beforeAll(() => {
    ek = sm9.encryptMasterKey();
    deB = sm9.encryptUserKey(ek.secret, idB);
  });

  for (const mode of ["xor", "sm4-ecb"] as const) {
    it(`C1, C2, C3 each altered, C1 off the curve, wrong key or ID (${mode})`, () => {
      const msg = utf8("the quick brown fox jumps over the lazy dog");
      const c = sm9.encrypt(msg, idB, ek.publicKey, { mode });
      const flip = (at: number): Uint8Array => {
        const t = new Uint8Array(c);
        t[at] = (t[at] as number) ^ 0x01;
        return t;
      };
      const cases: Uint8Array[] = [flip(63), flip(0), flip(64), flip(95), flip(96), flip(c.length - 1)];
      // C1 replaced by a valid point of G1: decrypts to garbage, caught by C3.
      const other = sm9.encrypt(msg, idB, ek.publicKey, { mode });
      cases.push(new Uint8Array([...other.subarray(0, 64), ...c.subarray(64)]));
      // C2 extended or shortened.
      cases.push(new Uint8Array([...c, 0]));
      cases.push(c.subarray(0, c.length - (mode === "xor" ? 1 : 16)));
      for (const t of cases)
        expect(codeOf(() => sm9.decrypt(t, idB, deB, { mode }))).toBe("SM9_DECRYPT_FAILED");
      // Right ciphertext, wrong recipient.
      const deC = sm9.encryptUserKey(ek.secret, utf8("Carol"));
      expect(codeOf(() => sm9.decrypt(c, idB, deC, { mode }))).toBe("SM9_DECRYPT_FAILED");
      expect(codeOf(() => sm9.decrypt(c, utf8("Bobb"), deB, { mode }))).toBe("SM9_DECRYPT_FAILED");
      // Decrypting in the other mode.
      const otherMode = mode === "xor" ? "sm4-ecb" : "xor";
      expect(codeOf(() => sm9.decrypt(c, idB, deB, { mode: otherMode }))).toBe("SM9_DECRYPT_FAILED");
      expect(sm9.decrypt(c, idB, deB, { mode })).toEqual(msg);
    });
  }

  it("a ciphertext too short for C1 || C3 is a RangeError", () => {
    expect(() => sm9.decrypt(new Uint8Array(95), idB, deB)).toThrow(RangeError);
  });

  it("decapsulate: C off the curve or malformed throws; a different valid C gives a different key", () => {
    const { K, C } = sm9.encapsulate(idB, ek.publicKey, 32);
    const bad = new Uint8Array(C);
    bad[64] = (bad[64] as number) ^ 1;
    expect(codeOf(() => sm9.decapsulate(bad, idB, deB, 32))).toBe("SM9_DECRYPT_FAILED");
    const prefixed = new Uint8Array(C);
    prefixed[0] = 0x02;
    expect(codeOf(() => sm9.decapsulate(prefixed, idB, deB, 32))).toBe("SM9_DECRYPT_FAILED");
    // The KEM has no integrity check of its own: another point on the curve decapsulates to another key.
    const other = sm9.encapsulate(idB, ek.publicKey, 32);
    expect(sm9.decapsulate(other.C, idB, deB, 32)).not.toEqual(K);
    expect(() => sm9.decapsulate(C.subarray(1), idB, deB, 32)).toThrow(RangeError);
  });
});

describe("key exchange confirmation", () => {
  it("exchangeComplete throws SM9_KEY_CONFIRMATION_FAILED for a wrong S2; checkConfirmation rejects a wrong S1", () => {
    const ek = sm9.encryptMasterKey();
    const [idA, idB] = [utf8("A"), utf8("B")];
    const [deA, deB] = [sm9.exchangeUserKey(ek.secret, idA), sm9.exchangeUserKey(ek.secret, idB)];
    const init = sm9.exchangeInitiate(idB, ek.publicKey);
    const resp = sm9.exchangeRespond({
      selfId: idB,
      selfKey: deB,
      peerId: idA,
      peerR: init.R,
      masterPublicKey: ek.publicKey,
      klen: 16,
      confirm: true,
    });
    const base = {
      selfId: idA,
      selfKey: deA,
      peerId: idB,
      selfR: init.R,
      r: init.r,
      peerR: resp.R,
      masterPublicKey: ek.publicKey,
      klen: 16,
    };
    const badS2 = new Uint8Array(resp.S2 as Uint8Array);
    badS2[0] = (badS2[0] as number) ^ 1;
    expect(codeOf(() => sm9.exchangeComplete({ ...base, S2: badS2 }))).toBe("SM9_KEY_CONFIRMATION_FAILED");
    // A responder that used a different identity for the initiator.
    const wrongPeer = sm9.exchangeRespond({
      ...{ selfId: idB, selfKey: deB, peerR: init.R },
      peerId: utf8("Z"),
      masterPublicKey: ek.publicKey,
      klen: 16,
      confirm: true,
    });
    expect(
      codeOf(() => sm9.exchangeComplete({ ...base, peerR: wrongPeer.R, S2: wrongPeer.S2 as Uint8Array })),
    ).toBe("SM9_KEY_CONFIRMATION_FAILED");
    const done = sm9.exchangeComplete({ ...base, S2: resp.S2 as Uint8Array });
    const badS1 = new Uint8Array(done.S1);
    badS1[31] = (badS1[31] as number) ^ 1;
    expect(resp.checkConfirmation(badS1)).toBe(false);
    expect(resp.checkConfirmation(done.S1.subarray(1))).toBe(false);
    expect(resp.checkConfirmation(done.S1)).toBe(true);
    // A peer R off the curve.
    const badR = new Uint8Array(init.R);
    badR[64] = (badR[64] as number) ^ 1;
    expect(
      codeOf(() =>
        sm9.exchangeRespond({
          selfId: idB,
          selfKey: deB,
          peerId: idA,
          peerR: badR,
          masterPublicKey: ek.publicKey,
          klen: 16,
        }),
      ),
    ).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.exchangeComplete({ ...base, peerR: badR }))).toBe("SM9_BAD_POINT");
  });
});

describe("key extraction", () => {
  it("fails with SM9_KEY_EXTRACTION_FAILED when H1(ID||hid) + ks = 0 mod N", () => {
    const who = utf8("unlucky");
    const ks = b32(N - h1(who, 0x01));
    expect(codeOf(() => sm9.signUserKey(ks, who))).toBe("SM9_KEY_EXTRACTION_FAILED");
    const ke = b32(N - h1(who, 0x03));
    expect(codeOf(() => sm9.encryptUserKey(ke, who))).toBe("SM9_KEY_EXTRACTION_FAILED");
    // Encrypting to that identity under that master key is impossible too (QB is the point at infinity).
    const pub = sm9.encryptMasterKey(ke).publicKey;
    expect(codeOf(() => sm9.encrypt(utf8("x"), who, pub))).toBe("SM9_KEY_EXTRACTION_FAILED");
    expect(codeOf(() => sm9.encapsulate(who, pub, 16))).toBe("SM9_KEY_EXTRACTION_FAILED");
  });
});

describe("points outside the groups", () => {
  it("G2 keys that are on the twist but outside G2 are rejected everywhere", () => {
    // A point of order dividing the cofactor: [N]R for R random on E'(Fp2).
    const q = fastBackend.g2Encode(g2ToFast(naiveG2Mul(randomTwistPoint(), N)));
    expect(codeOf(() => sm9.pairing(sm9.encryptMasterKey().publicKey, q))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.verify(m, sig, id, q))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.decrypt(new Uint8Array(100), id, q))).toBe("SM9_BAD_POINT");
  });
});
