/** Every public function against wrong types, lengths, encodings and out-of-range values. */
import { beforeAll, describe, expect, it } from "vitest";
import * as sm9 from "../../src/index.js";
import { N } from "../../src/params.js";

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const b32 = (x: bigint): Uint8Array => Uint8Array.from(Buffer.from(x.toString(16).padStart(64, "0"), "hex"));
const notBytes = ["ab", [1, 2], null, undefined, 42, {}] as unknown as Uint8Array[];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof sm9.Sm9Error) return e.code;
    if (e instanceof RangeError) return "RangeError";
    if (e instanceof TypeError) return "TypeError";
    return `other: ${String(e)}`;
  }
  return "no error";
}

let smk: sm9.MasterKeyPair;
let emk: sm9.MasterKeyPair;
let dsA: Uint8Array;
let deB: Uint8Array;
const id = utf8("id");

beforeAll(() => {
  smk = sm9.signMasterKey();
  emk = sm9.encryptMasterKey();
  dsA = sm9.signUserKey(smk.secret, id);
  deB = sm9.encryptUserKey(emk.secret, id);
});

describe("master keys and scalars", () => {
  it("accept exactly 32-byte secrets in [1, N-1]", () => {
    for (const gen of [sm9.signMasterKey, sm9.encryptMasterKey]) {
      expect(codeOf(() => gen(b32(1n)))).toBe("no error");
      expect(codeOf(() => gen(b32(N - 1n)))).toBe("no error");
      expect(codeOf(() => gen(b32(0n)))).toBe("SM9_BAD_SCALAR");
      expect(codeOf(() => gen(b32(N)))).toBe("SM9_BAD_SCALAR");
      expect(codeOf(() => gen(new Uint8Array(32).fill(0xff)))).toBe("SM9_BAD_SCALAR");
      expect(codeOf(() => gen(new Uint8Array(31)))).toBe("RangeError");
      expect(codeOf(() => gen(new Uint8Array(33)))).toBe("RangeError");
      for (const x of notBytes.filter((v) => v !== undefined)) expect(codeOf(() => gen(x))).toBe("TypeError");
    }
  });

  it("user key extraction checks the secret, the ID and hid", () => {
    for (const f of [sm9.signUserKey, sm9.encryptUserKey]) {
      expect(codeOf(() => f(b32(0n), id))).toBe("SM9_BAD_SCALAR");
      expect(codeOf(() => f(smk.secret.subarray(1), id))).toBe("RangeError");
      expect(codeOf(() => f(smk.secret, "id" as unknown as Uint8Array))).toBe("TypeError");
      expect(codeOf(() => f(smk.secret, id, 256))).toBe("RangeError");
      expect(codeOf(() => f(smk.secret, id, -1))).toBe("RangeError");
      expect(codeOf(() => f(smk.secret, id, 1.5))).toBe("TypeError");
      expect(codeOf(() => f(smk.secret, id, "1" as unknown as number))).toBe("TypeError");
    }
    expect(codeOf(() => sm9.exchangeUserKey(b32(N), id))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.signUserKey(smk.secret, new Uint8Array(0)))).toBe("no error");
  });

  it("a given r must be 32 bytes in [1, N-1]", () => {
    expect(codeOf(() => sm9.sign(id, dsA, smk.publicKey, { r: b32(0n) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.sign(id, dsA, smk.publicKey, { r: b32(N) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.sign(id, dsA, smk.publicKey, { r: new Uint8Array(16) }))).toBe("RangeError");
    expect(codeOf(() => sm9.encrypt(id, id, emk.publicKey, { r: b32(N + 1n) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.encapsulate(id, emk.publicKey, 16, { r: b32(0n) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.exchangeInitiate(id, emk.publicKey, { r: b32(N) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.sign(id, dsA, smk.publicKey, "r" as never))).toBe("TypeError");
  });
});

describe("points", () => {
  it("keys of the wrong group, length or encoding are rejected", () => {
    // Signing: userKey G1 (65), mpk G2 (129).
    expect(codeOf(() => sm9.sign(id, deB, smk.publicKey))).toBe("RangeError");
    expect(codeOf(() => sm9.sign(id, dsA, emk.publicKey))).toBe("RangeError");
    const badPrefix = new Uint8Array(smk.publicKey);
    badPrefix[0] = 0x02;
    expect(codeOf(() => sm9.sign(id, dsA, badPrefix))).toBe("SM9_BAD_POINT");
    const offCurve = new Uint8Array(smk.publicKey);
    offCurve[128] = (offCurve[128] as number) ^ 1;
    expect(codeOf(() => sm9.sign(id, dsA, offCurve))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.verify(id, { h: new Uint8Array(32), S: dsA }, id, offCurve))).toBe(
      "SM9_BAD_POINT",
    );
    const zeros = new Uint8Array(65);
    zeros[0] = 4;
    expect(codeOf(() => sm9.sign(id, zeros, smk.publicKey))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.encrypt(id, id, zeros))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.encrypt(id, id, smk.publicKey))).toBe("RangeError");
    expect(codeOf(() => sm9.decrypt(new Uint8Array(96), id, dsA))).toBe("RangeError");
    expect(codeOf(() => sm9.pairing(deB, dsA))).toBe("RangeError");
    expect(sm9.pairing(dsA, deB).length).toBe(384);
  });
});

describe("types, lengths and options of every function", () => {
  it("messages, IDs and signatures must be Uint8Array", () => {
    const sig = sm9.sign(id, dsA, smk.publicKey);
    for (const x of notBytes) {
      expect(codeOf(() => sm9.sign(x, dsA, smk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.sign(id, x, smk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.verify(x, sig, id, smk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.verify(id, sig, x, smk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.verify(id, { h: x, S: sig.S }, id, smk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.encrypt(x, id, emk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.decrypt(x, id, deB))).toBe("TypeError");
      expect(codeOf(() => sm9.encapsulate(x, emk.publicKey, 16))).toBe("TypeError");
      expect(codeOf(() => sm9.decapsulate(x, id, deB, 16))).toBe("TypeError");
      expect(codeOf(() => sm9.exchangeInitiate(x, emk.publicKey))).toBe("TypeError");
      expect(codeOf(() => sm9.pairing(x, deB))).toBe("TypeError");
    }
    expect(codeOf(() => sm9.verify(id, null as never, id, smk.publicKey))).toBe("TypeError");
  });

  it("klen, hid and mode", () => {
    for (const klen of [0, -1, 1.5, Number.NaN, 2 ** 40]) {
      expect(["RangeError", "TypeError"]).toContain(codeOf(() => sm9.encapsulate(id, emk.publicKey, klen)));
    }
    expect(codeOf(() => sm9.encapsulate(id, emk.publicKey, "16" as never))).toBe("TypeError");
    expect(codeOf(() => sm9.encapsulate(id, emk.publicKey, 16, { hid: 300 }))).toBe("RangeError");
    expect(codeOf(() => sm9.verify(id, sm9.sign(id, dsA, smk.publicKey), id, smk.publicKey, 999))).toBe(
      "RangeError",
    );
    expect(codeOf(() => sm9.encrypt(id, id, emk.publicKey, { mode: "sm4-cbc" as never }))).toBe("RangeError");
    expect(codeOf(() => sm9.encrypt(id, id, emk.publicKey, { mode: 1 as never }))).toBe("TypeError");
    expect(codeOf(() => sm9.decrypt(new Uint8Array(120), id, deB, { mode: "aes" as never }))).toBe(
      "RangeError",
    );
  });

  it("key exchange parameters", () => {
    const init = sm9.exchangeInitiate(id, emk.publicKey);
    const good = {
      selfId: id,
      selfKey: sm9.exchangeUserKey(emk.secret, id),
      peerId: id,
      peerR: init.R,
      masterPublicKey: emk.publicKey,
      klen: 16,
    };
    expect(codeOf(() => sm9.exchangeRespond(good))).toBe("no error");
    expect(codeOf(() => sm9.exchangeRespond(null as never))).toBe("TypeError");
    expect(codeOf(() => sm9.exchangeRespond({ ...good, klen: 0 }))).toBe("RangeError");
    expect(codeOf(() => sm9.exchangeRespond({ ...good, confirm: "yes" as never }))).toBe("TypeError");
    expect(codeOf(() => sm9.exchangeRespond({ ...good, peerR: init.R.subarray(1) }))).toBe("RangeError");
    expect(codeOf(() => sm9.exchangeRespond({ ...good, selfKey: dsA }))).toBe("RangeError");
    expect(codeOf(() => sm9.exchangeRespond({ ...good, peerId: "x" as never }))).toBe("TypeError");
    const resp = sm9.exchangeRespond(good);
    const done = {
      selfId: id,
      selfKey: good.selfKey,
      peerId: id,
      selfR: init.R,
      r: init.r,
      peerR: resp.R,
      masterPublicKey: emk.publicKey,
      klen: 16,
    };
    expect(codeOf(() => sm9.exchangeComplete(done))).toBe("no error");
    expect(codeOf(() => sm9.exchangeComplete({ ...done, r: b32(0n) }))).toBe("SM9_BAD_SCALAR");
    expect(codeOf(() => sm9.exchangeComplete({ ...done, selfR: new Uint8Array(65) }))).toBe("SM9_BAD_POINT");
    expect(codeOf(() => sm9.exchangeComplete({ ...done, S2: "s" as never }))).toBe("TypeError");
    expect(codeOf(() => resp.checkConfirmation("s" as never))).toBe("TypeError");
  });

  it("inputs are never modified, even when they are Buffers", () => {
    const m = Buffer.from("message");
    const idBuf = Buffer.from("id");
    const sig = sm9.sign(m, Buffer.from(dsA), Buffer.from(smk.publicKey));
    expect(sm9.verify(m, sig, idBuf, Buffer.from(smk.publicKey))).toBe(true);
    const c = Buffer.from(sm9.encrypt(m, idBuf, Buffer.from(emk.publicKey)));
    const before = Buffer.from(c);
    expect(Buffer.from(sm9.decrypt(c, idBuf, Buffer.from(deB))).toString()).toBe("message");
    expect(c.equals(before)).toBe(true);
    expect(m.toString()).toBe("message");
  });
});
