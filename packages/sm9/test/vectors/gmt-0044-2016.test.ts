/**
 * Every value of test/vectors/gmt-0044-2016.json (GM/T 0044-2016 part 5 annexes A-D, as reproduced by gmsm,
 * GmSSL and CnPack; see the file's `sources` and `provenance`), checked against both backends: the naive
 * reference and the fast code the public API uses.
 */
import { readFileSync } from "node:fs";
import { bytesToHex, hexToBytes, sm3, sm4EncryptEcb } from "@tandem/crypto";
import { describe, expect, it } from "vitest";
import type { AnyBackend } from "../../src/backend.js";
import { signatureFromDer, signatureToDer } from "../../src/der.js";
import { h1, h2, kdf, scalarToBytes } from "../../src/hash.js";
import { naiveBackend } from "../../src/naive/backend.js";
import { invMod, N, P, SIX_T_PLUS_2, T } from "../../src/params.js";
import { createSm9 } from "../../src/scheme.js";
import { BACKENDS } from "../unit/backends.js";

type Section = Record<string, string>;
const file = JSON.parse(readFileSync(new URL("./gmt-0044-2016.json", import.meta.url), "utf8")) as {
  conventions: Record<string, string>;
  sources: Record<string, string>;
  vectors: Record<string, Section>;
};
const V = file.vectors;
const sec = (name: string): Section => {
  const s = V[name];
  if (s === undefined) throw new Error(`missing vector section ${name}`);
  return s;
};
const hex = (s: Section, k: string): string => {
  const v = s[k];
  if (v === undefined) throw new Error(`missing vector value ${k}`);
  return v;
};
const bytes = (s: Section, k: string): Uint8Array => hexToBytes(hex(s, k));
const big = (s: Section, k: string): bigint => BigInt(`0x${hex(s, k)}`);
const sign = sec("sign");
const kx = sec("key_exchange");
const kem = sec("kem");
const encX = sec("encrypt_xor");
const encS = sec("encrypt_sm4");

describe("vector file", () => {
  it("has every section and the conventions it is read with", () => {
    expect(Object.keys(V).sort()).toEqual(
      ["curve", "encrypt_sm4", "encrypt_xor", "kem", "key_exchange", "sign", "sign_extra_valid_der"].sort(),
    );
    expect(file.conventions.G2_point).toContain("04||x1||x0||y1||y0");
    expect(Object.keys(file.sources)).toEqual(expect.arrayContaining(["gmsm", "gmssl"]));
  });

  it("curve constants: t, p, N, 6t+2", () => {
    const c = sec("curve");
    expect(big(c, "t")).toBe(T);
    expect(big(c, "p")).toBe(P);
    expect(big(c, "N")).toBe(N);
    expect(big(c, "sixTPlus2")).toBe(SIX_T_PLUS_2);
  });

  it("hash values H1, H2 (backend independent)", () => {
    expect(h1(bytes(sign, "ID_A"), 0x01)).toBe(big(sign, "H1_IDA_hid"));
    expect(h1(bytes(kx, "ID_A"), 0x02)).toBe(big(kx, "H1_IDA_hid"));
    expect(h1(bytes(kem, "ID_B"), 0x03)).toBe(big(kem, "H1_IDB_hid"));
    expect(h1(bytes(encX, "ID_B"), 0x03)).toBe(big(encX, "H1_IDB_hid"));
    expect(h2(bytes(sign, "H2_input_M_w"))).toBe(big(sign, "h"));
    expect(hex(sign, "M") + hex(sign, "w")).toBe(hex(sign, "H2_input_M_w"));
  });

  it("key-derivation scalars t1, t2 and l", () => {
    const ks = big(sign, "ks");
    const t1 = (big(sign, "H1_IDA_hid") + ks) % N;
    expect(t1).toBe(big(sign, "t1"));
    expect((ks * invMod(t1, N)) % N).toBe(big(sign, "t2"));
    expect((big(sign, "r") - big(sign, "h") + N) % N).toBe(big(sign, "l"));
    expect((big(kem, "H1_IDB_hid") + big(kem, "ke")) % N).toBe(big(kem, "t1"));
    expect((big(encX, "H1_IDB_hid") + big(encX, "ke")) % N).toBe(big(encX, "t1"));
  });

  it("KDF outputs K1||K2 of both encryption examples and K of the KEM (backend independent)", () => {
    const idB = bytes(encX, "ID_B");
    const zx = new Uint8Array([...bytes(encX, "C1").subarray(1), ...bytes(encX, "w"), ...idB]);
    expect(bytesToHex(kdf(zx, 20 + 32))).toBe(hex(encX, "K1_K2"));
    const zs = new Uint8Array([...bytes(encS, "C1").subarray(1), ...bytes(encX, "w"), ...idB]);
    expect(bytesToHex(kdf(zs, 16 + 32))).toBe(hex(encS, "K1_K2"));
    const zk = new Uint8Array([...bytes(kem, "C").subarray(1), ...bytes(kem, "w"), ...bytes(kem, "ID_B")]);
    expect(bytesToHex(kdf(zk, 32))).toBe(hex(kem, "K"));
  });

  it("C2 and C3 of both encryption examples (XOR and SM4-ECB with PKCS#7)", () => {
    const m = bytes(encX, "M");
    const kx1 = bytes(encX, "K1_K2");
    expect(bytesToHex(m.map((x, i) => x ^ (kx1[i] as number)))).toBe(hex(encX, "C2"));
    expect(bytesToHex(sm3(new Uint8Array([...bytes(encX, "C2"), ...kx1.subarray(20)])))).toBe(hex(encX, "C3"));
    const ks1 = bytes(encS, "K1_K2");
    expect(bytesToHex(sm4EncryptEcb(ks1.subarray(0, 16), bytes(encS, "M")))).toBe(hex(encS, "C2"));
    expect(bytesToHex(sm3(new Uint8Array([...bytes(encS, "C2"), ...ks1.subarray(16)])))).toBe(hex(encS, "C3"));
  });

  it("the extra DER signature decodes to its h and S and encodes back to the same bytes", () => {
    const d = sec("sign_extra_valid_der");
    const sig = signatureFromDer(bytes(d, "signature_der"));
    expect(bytesToHex(sig.h)).toBe(hex(d, "h"));
    expect(bytesToHex(sig.S)).toBe(hex(d, "S"));
    expect(bytesToHex(signatureToDer(sig))).toBe(hex(d, "signature_der"));
  });
});

function backendSuite(name: string, b: AnyBackend): void {
  const sm9 = createSm9(b);
  const gtHex = (x: unknown): string => bytesToHex(b.gtEncode(x));

  describe(`annex vectors, ${name} backend`, () => {
    it("generators P1 and P2 encode as in the file", () => {
      const c = sec("curve");
      expect(bytesToHex(b.g1Encode(b.g1MulGen(1n)))).toBe(hex(c, "P1"));
      expect(bytesToHex(b.g2Encode(b.g2MulGen(1n)))).toBe(hex(c, "P2"));
    });

    it("annex A signature: keys, g, w, h, S, and the verifier's t, P, u, w'", () => {
      const mk = sm9.signMasterKey(bytes(sign, "ks"));
      expect(bytesToHex(mk.publicKey)).toBe(hex(sign, "Ppub_s"));
      expect(bytesToHex(mk.secret)).toBe(hex(sign, "ks"));
      const dsA = sm9.signUserKey(bytes(sign, "ks"), bytes(sign, "ID_A"), 0x01);
      expect(bytesToHex(dsA)).toBe(hex(sign, "dsA"));
      expect(bytesToHex(b.g1Encode(b.g1MulGen(big(sign, "t2"))))).toBe(hex(sign, "dsA"));

      const ppub = b.g2Decode(mk.publicKey);
      const g = b.pairing(b.g1MulGen(1n), ppub);
      expect(gtHex(g)).toBe(hex(sign, "g"));
      expect(gtHex(b.signBase(ppub, mk.publicKey).value)).toBe(hex(sign, "g"));
      expect(gtHex(b.gtPow(g, big(sign, "r")))).toBe(hex(sign, "w"));
      expect(gtHex(b.signBase(ppub, mk.publicKey).pow(big(sign, "r")))).toBe(hex(sign, "w"));
      expect(bytesToHex(b.g1Encode(b.g1Mul(b.g1Decode(dsA), big(sign, "l"))))).toBe(hex(sign, "S"));

      const sig = sm9.sign(bytes(sign, "M"), dsA, mk.publicKey, { r: bytes(sign, "r") });
      expect(bytesToHex(sig.h)).toBe(hex(sign, "h"));
      expect(bytesToHex(sig.S)).toBe(hex(sign, "S"));

      const t = b.gtPow(g, big(sign, "h"));
      expect(gtHex(t)).toBe(hex(sign, "verify_t"));
      const p = b.g2Add(b.g2MulGen(big(sign, "verify_h1")), ppub);
      expect(bytesToHex(b.g2Encode(p))).toBe(hex(sign, "verify_P"));
      const u = b.pairing(b.g1Decode(sig.S), p);
      expect(gtHex(u)).toBe(hex(sign, "verify_u"));
      expect(gtHex(b.gtMul(u, t))).toBe(hex(sign, "verify_w_prime"));
      expect(sm9.verify(bytes(sign, "M"), sig, bytes(sign, "ID_A"), mk.publicKey)).toBe(true);
    });

    it("the extra DER signature verifies under the annex A master key", () => {
      const d = sec("sign_extra_valid_der");
      const sig = signatureFromDer(bytes(d, "signature_der"));
      expect(sm9.verify(bytes(sign, "M"), sig, bytes(sign, "ID_A"), bytes(sign, "Ppub_s"))).toBe(true);
    });

    it("annex B key exchange: keys, RA, RB, g1, g2, g3, SK, SB, SA", () => {
      const mk = sm9.encryptMasterKey(bytes(kx, "ke"));
      expect(bytesToHex(mk.publicKey)).toBe(hex(kx, "Ppub_e"));
      const idA = bytes(kx, "ID_A");
      const idB = bytes(kx, "ID_B");
      const deA = sm9.exchangeUserKey(mk.secret, idA);
      const deB = sm9.exchangeUserKey(mk.secret, idB);
      expect(bytesToHex(deA)).toBe(hex(kx, "deA"));
      expect(bytesToHex(deB)).toBe(hex(kx, "deB"));
      const ppub = b.g1Decode(mk.publicKey);
      expect(bytesToHex(b.g1Encode(b.g1Add(b.g1MulGen(h1(idB, 2)), ppub)))).toBe(hex(kx, "QB"));
      expect(bytesToHex(b.g1Encode(b.g1Add(b.g1MulGen(h1(idA, 2)), ppub)))).toBe(hex(kx, "QA"));

      const init = sm9.exchangeInitiate(idB, mk.publicKey, { r: bytes(kx, "rA") });
      expect(bytesToHex(init.R)).toBe(hex(kx, "RA"));
      expect(bytesToHex(init.r)).toBe(hex(kx, "rA"));

      // The responder's pairing values.
      const g1 = b.pairing(b.g1Decode(init.R), b.g2Decode(deB));
      expect(gtHex(g1)).toBe(hex(kx, "g1"));
      expect(gtHex(b.pairingWithKey(b.g1Decode(init.R), b.g2Decode(deB), deB))).toBe(hex(kx, "g1"));
      const g = b.encBase(ppub, mk.publicKey);
      expect(gtHex(g.pow(big(kx, "rB")))).toBe(hex(kx, "g2"));
      expect(gtHex(b.gtPow(g1, big(kx, "rB")))).toBe(hex(kx, "g3"));
      expect(gtHex(g.pow(big(kx, "rA")))).toBe(hex(kx, "initiator_g1_prime"));
      const idsR = new Uint8Array([...idA, ...idB, ...init.R.subarray(1), ...bytes(kx, "RB").subarray(1)]);
      const inner = sm3(new Uint8Array([...bytes(kx, "g2"), ...bytes(kx, "g3"), ...idsR]));
      expect(bytesToHex(inner)).toBe(hex(kx, "inner_hash"));

      const klen = Number.parseInt(hex(kx, "klen_bytes"), 16);
      const resp = sm9.exchangeRespond({
        selfId: idB,
        selfKey: deB,
        peerId: idA,
        peerR: init.R,
        masterPublicKey: mk.publicKey,
        klen,
        confirm: true,
        r: bytes(kx, "rB"),
      });
      expect(bytesToHex(resp.R)).toBe(hex(kx, "RB"));
      expect(bytesToHex(resp.SK)).toBe(hex(kx, "SK"));
      expect(bytesToHex(resp.S2 ?? new Uint8Array())).toBe(hex(kx, "SB"));

      const done = sm9.exchangeComplete({
        selfId: idA,
        selfKey: deA,
        peerId: idB,
        selfR: init.R,
        r: init.r,
        peerR: resp.R,
        masterPublicKey: mk.publicKey,
        klen,
        S2: resp.S2,
      });
      expect(bytesToHex(done.SK)).toBe(hex(kx, "SK"));
      expect(bytesToHex(done.S1)).toBe(hex(kx, "SA"));
      expect(resp.checkConfirmation(done.S1)).toBe(true);
    });

    it("annex C key encapsulation: deB, QB, g, C, w, K, and decapsulation", () => {
      const mk = sm9.encryptMasterKey(bytes(kem, "ke"));
      expect(bytesToHex(mk.publicKey)).toBe(hex(kem, "Ppub_e"));
      const idB = bytes(kem, "ID_B");
      const deB = sm9.encryptUserKey(mk.secret, idB);
      expect(bytesToHex(deB)).toBe(hex(kem, "deB"));
      const ppub = b.g1Decode(mk.publicKey);
      expect(bytesToHex(b.g1Encode(b.g1Add(b.g1MulGen(h1(idB, 3)), ppub)))).toBe(hex(kem, "QB"));
      const g = b.encBase(ppub, mk.publicKey);
      expect(gtHex(g.value)).toBe(hex(kem, "g"));
      expect(gtHex(b.pairing(ppub, b.g2MulGen(1n)))).toBe(hex(kem, "g"));
      expect(gtHex(g.pow(big(kem, "r")))).toBe(hex(kem, "w"));
      const klen = Number.parseInt(hex(kem, "klen_bytes"), 16);
      const { K, C } = sm9.encapsulate(idB, mk.publicKey, klen, { r: bytes(kem, "r") });
      expect(bytesToHex(C)).toBe(hex(kem, "C"));
      expect(bytesToHex(K)).toBe(hex(kem, "K"));
      expect(gtHex(b.pairing(b.g1Decode(C), b.g2Decode(deB)))).toBe(hex(kem, "w"));
      expect(bytesToHex(sm9.decapsulate(C, idB, deB, klen))).toBe(hex(kem, "K"));
    });

    it("annex D encryption, XOR mode: C1, w, C1||C3||C2, and decryption", () => {
      const mk = sm9.encryptMasterKey(bytes(encX, "ke"));
      const idB = bytes(encX, "ID_B");
      const deB = sm9.encryptUserKey(mk.secret, idB);
      expect(bytesToHex(deB)).toBe(hex(encX, "deB"));
      const ct = sm9.encrypt(bytes(encX, "M"), idB, mk.publicKey, { r: bytes(encX, "r") });
      expect(bytesToHex(ct)).toBe(hex(encX, "ciphertext_C1_C3_C2"));
      expect(bytesToHex(ct.subarray(0, 64))).toBe(hex(encX, "C1").slice(2));
      expect(gtHex(b.pairing(b.g1Decode(bytes(encX, "C1")), b.g2Decode(deB)))).toBe(hex(encX, "w"));
      expect(bytesToHex(sm9.decrypt(ct, idB, deB))).toBe(hex(encX, "M"));
    });

    it("annex D encryption, SM4-ECB mode: C1||C3||C2 and decryption", () => {
      const mk = sm9.encryptMasterKey(bytes(encS, "ke"));
      const idB = bytes(encS, "ID_B");
      const deB = sm9.encryptUserKey(mk.secret, idB);
      const ct = sm9.encrypt(bytes(encS, "M"), idB, mk.publicKey, { r: bytes(encS, "r"), mode: "sm4-ecb" });
      expect(bytesToHex(ct)).toBe(hex(encS, "ciphertext_C1_C3_C2"));
      expect(bytesToHex(sm9.decrypt(ct, idB, deB, { mode: "sm4-ecb" }))).toBe(hex(encS, "M"));
    });

    it("scalars and points round-trip through the encodings", () => {
      expect(bytesToHex(scalarToBytes(big(sign, "ks")))).toBe(hex(sign, "ks"));
      expect(bytesToHex(b.g2Encode(b.g2Decode(bytes(kx, "deA"))))).toBe(hex(kx, "deA"));
      expect(gtHex(b.gtDecode(bytes(sign, "g")))).toBe(hex(sign, "g"));
    });
  });
}

for (const [name, b] of BACKENDS) backendSuite(name, b);
void naiveBackend;
