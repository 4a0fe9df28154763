/**
 * Round-trip properties of the public API (fast backend) over random identities and messages, and the
 * fast and naive backends giving identical bytes for the same random r.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import * as sm9 from "../../src/index.js";
import { naiveBackend } from "../../src/naive/backend.js";
import { createSm9 } from "../../src/scheme.js";
import { hex } from "./helpers.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** IDs: ASCII strings, arbitrary Unicode as UTF-8, raw bytes up to 1 KB. */
const idArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 64, unit: "grapheme-ascii" }).map(utf8),
  fc.string({ minLength: 1, maxLength: 64, unit: "grapheme" }).map(utf8),
  fc.uint8Array({ minLength: 0, maxLength: 1024 }),
);
const messageArb = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ maxLength: 256 }),
  fc.uint8Array({ minLength: 1000, maxLength: 3000 }),
);

let signMk: sm9.MasterKeyPair;
let encMk: sm9.MasterKeyPair;
beforeAll(() => {
  signMk = sm9.signMasterKey();
  encMk = sm9.encryptMasterKey();
});

describe("signature", () => {
  it("signs and verifies over random IDs and messages", () => {
    fc.assert(
      fc.property(idArb, messageArb, (id, m) => {
        const dsA = sm9.signUserKey(signMk.secret, id);
        const sig = sm9.sign(m, dsA, signMk.publicKey);
        expect(sig.h.length).toBe(32);
        expect(sig.S.length).toBe(65);
        expect(sm9.verify(m, sig, id, signMk.publicKey)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it("signs 10 KB messages and the DER form round-trips and verifies", () => {
    const id = utf8("device-0042@plant-7");
    const dsA = sm9.signUserKey(signMk.secret, id);
    for (let i = 0; i < 2; i++) {
      const m = new Uint8Array(10 * 1024).map((_, j) => (j * 7 + i) & 0xff);
      const sig = sm9.sign(m, dsA, signMk.publicKey);
      const der = sm9.signatureToDer(sig);
      expect(der.length).toBe(104);
      expect(sm9.verify(m, sm9.signatureFromDer(der), id, signMk.publicKey)).toBe(true);
    }
  });

  it("uses a non-default hid consistently", () => {
    const id = utf8("alice");
    const dsA = sm9.signUserKey(signMk.secret, id, 0x7f);
    const sig = sm9.sign(utf8("m"), dsA, signMk.publicKey);
    expect(sm9.verify(utf8("m"), sig, id, signMk.publicKey, 0x7f)).toBe(true);
    expect(sm9.verify(utf8("m"), sig, id, signMk.publicKey)).toBe(false);
  });

  it("is randomized, and deterministic for a given r (also once the g^r comb exists and after clearing)", () => {
    const id = utf8("bob");
    const dsA = sm9.signUserKey(signMk.secret, id);
    const m = utf8("same message");
    expect(hex(sm9.sign(m, dsA, signMk.publicKey).h)).not.toBe(hex(sm9.sign(m, dsA, signMk.publicKey).h));
    const r = new Uint8Array(32).fill(0x11);
    const first = sm9.sign(m, dsA, signMk.publicKey, { r });
    for (let i = 0; i < 3; i++) expect(sm9.sign(m, dsA, signMk.publicKey, { r })).toEqual(first);
    sm9.clearSm9Caches();
    expect(sm9.sign(m, dsA, signMk.publicKey, { r })).toEqual(first);
  });
});

describe("encryption", () => {
  for (const mode of ["xor", "sm4-ecb"] as const) {
    it(`encrypts and decrypts over random IDs and messages (${mode})`, () => {
      fc.assert(
        fc.property(idArb, messageArb, (id, m) => {
          const de = sm9.encryptUserKey(encMk.secret, id);
          const c = sm9.encrypt(m, id, encMk.publicKey, { mode });
          const c2Len = mode === "xor" ? m.length : (Math.floor(m.length / 16) + 1) * 16;
          expect(c.length).toBe(64 + 32 + c2Len);
          expect(hex(sm9.decrypt(c, id, de, { mode }))).toBe(hex(m));
        }),
        { numRuns: 10 },
      );
    });
  }

  it("encrypts 10 KB and empty messages", () => {
    const id = utf8("carol");
    const de = sm9.encryptUserKey(encMk.secret, id);
    for (const m of [new Uint8Array(10 * 1024).fill(0xab), new Uint8Array(0)]) {
      for (const mode of ["xor", "sm4-ecb"] as const) {
        expect(hex(sm9.decrypt(sm9.encrypt(m, id, encMk.publicKey, { mode }), id, de, { mode }))).toBe(
          hex(m),
        );
      }
    }
  });

  it("round-trips when len(ID) mod 64 is 60..63 and the KDF output exceeds 96 bytes", () => {
    for (const len of [60, 61, 62, 63, 124, 127]) {
      const id = new Uint8Array(len).fill(0x41);
      const de = sm9.encryptUserKey(encMk.secret, id);
      const m = new Uint8Array(200).map((_, i) => i);
      expect(hex(sm9.decrypt(sm9.encrypt(m, id, encMk.publicKey), id, de))).toBe(hex(m));
      const { K, C } = sm9.encapsulate(id, encMk.publicKey, 160);
      expect(hex(sm9.decapsulate(C, id, de, 160))).toBe(hex(K));
    }
  });
});

describe("key encapsulation", () => {
  it("decapsulates the encapsulated key for random IDs and lengths", () => {
    fc.assert(
      fc.property(idArb, fc.integer({ min: 1, max: 300 }), (id, klen) => {
        const de = sm9.encryptUserKey(encMk.secret, id);
        const { K, C } = sm9.encapsulate(id, encMk.publicKey, klen);
        expect(K.length).toBe(klen);
        expect(C.length).toBe(65);
        expect(hex(sm9.decapsulate(C, id, de, klen))).toBe(hex(K));
      }),
      { numRuns: 10 },
    );
  });
});

describe("key exchange", () => {
  it("both sides agree, with and without confirmation, over random IDs and lengths", () => {
    fc.assert(
      fc.property(idArb, idArb, fc.integer({ min: 1, max: 100 }), fc.boolean(), (idA, idB, klen, confirm) => {
        const deA = sm9.exchangeUserKey(encMk.secret, idA);
        const deB = sm9.exchangeUserKey(encMk.secret, idB);
        const init = sm9.exchangeInitiate(idB, encMk.publicKey);
        const resp = sm9.exchangeRespond({
          selfId: idB,
          selfKey: deB,
          peerId: idA,
          peerR: init.R,
          masterPublicKey: encMk.publicKey,
          klen,
          confirm,
        });
        expect(resp.S2 !== undefined).toBe(confirm);
        const done = sm9.exchangeComplete({
          selfId: idA,
          selfKey: deA,
          peerId: idB,
          selfR: init.R,
          r: init.r,
          peerR: resp.R,
          masterPublicKey: encMk.publicKey,
          klen,
          ...(resp.S2 === undefined ? {} : { S2: resp.S2 }),
        });
        expect(hex(done.SK)).toBe(hex(resp.SK));
        expect(done.SK.length).toBe(klen);
        expect(resp.checkConfirmation(done.S1)).toBe(true);
      }),
      { numRuns: 8 },
    );
  });
});

describe("fast and naive backends give identical bytes", () => {
  const naive = createSm9(naiveBackend);
  const r = new Uint8Array(32);

  it("for signatures, ciphertexts, encapsulations and key exchange with the same r", () => {
    for (let i = 0; i < 2; i++) {
      r.set(new Uint8Array(32).map(() => (Math.random() * 256) | 0));
      r[0] = 0x01; // below N
      const id = utf8(`id-${i}-${Math.random()}`);
      const m = utf8(`message ${i}`);
      const dsA = sm9.signUserKey(signMk.secret, id);
      expect(hex(naive.signUserKey(signMk.secret, id))).toBe(hex(dsA));
      expect(naive.sign(m, dsA, signMk.publicKey, { r })).toEqual(sm9.sign(m, dsA, signMk.publicKey, { r }));
      const de = sm9.encryptUserKey(encMk.secret, id);
      expect(hex(naive.encryptUserKey(encMk.secret, id))).toBe(hex(de));
      expect(hex(naive.encrypt(m, id, encMk.publicKey, { r }))).toBe(
        hex(sm9.encrypt(m, id, encMk.publicKey, { r })),
      );
      expect(naive.encapsulate(id, encMk.publicKey, 48, { r })).toEqual(
        sm9.encapsulate(id, encMk.publicKey, 48, { r }),
      );
      const a = sm9.exchangeInitiate(id, encMk.publicKey, { r });
      expect(naive.exchangeInitiate(id, encMk.publicKey, { r })).toEqual(a);
      const params = {
        selfId: id,
        selfKey: sm9.exchangeUserKey(encMk.secret, id),
        peerId: utf8("peer"),
        peerR: a.R,
        masterPublicKey: encMk.publicKey,
        klen: 32,
        confirm: true,
        r,
      };
      const fastResp = sm9.exchangeRespond(params);
      const naiveResp = naive.exchangeRespond(params);
      expect(hex(naiveResp.SK)).toBe(hex(fastResp.SK));
      expect(hex(naiveResp.S2 ?? new Uint8Array())).toBe(hex(fastResp.S2 ?? new Uint8Array()));
    }
  });
});

describe("verifier caches", () => {
  it("give the same answers on the new-signer, second-signature and cached-lines paths", () => {
    const id = utf8(`cached-${Math.random()}`);
    const dsA = sm9.signUserKey(signMk.secret, id);
    const m = utf8("payload");
    const sigs = Array.from({ length: 4 }, () => sm9.sign(m, dsA, signMk.publicKey));
    for (const sig of sigs) {
      expect(sm9.verify(m, sig, id, signMk.publicKey)).toBe(true);
      const bad = {
        h: sig.h,
        S: sigs[0] === sig ? (sigs[1] as sm9.Signature).S : (sigs[0] as sm9.Signature).S,
      };
      expect(sm9.verify(m, bad, id, signMk.publicKey)).toBe(false);
      expect(sm9.verify(utf8("other"), sig, id, signMk.publicKey)).toBe(false);
    }
    sm9.clearSm9Caches();
    for (const sig of sigs) expect(sm9.verify(m, sig, id, signMk.publicKey)).toBe(true);
  });
});
