import { createCipheriv, createDecipheriv } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, CryptoError, hexToBytes } from "../../src/bytes.js";
import {
  SM4_BLOCK_BYTES,
  Sm4,
  sm4DecryptCbc,
  sm4DecryptEcb,
  sm4EncryptCbc,
  sm4EncryptEcb,
  sm4KeySchedule,
  sm4RoundOutputs,
} from "../../src/sm4.js";

interface Sm4Vector {
  id: string;
  mode?: string;
  key: string;
  iv?: string;
  plaintext: string;
  ciphertext: string;
  iterations?: number;
  round_keys?: string[];
  round_outputs?: string[];
}

const file = JSON.parse(readFileSync(new URL("../vectors/sm4.json", import.meta.url), "utf8")) as {
  sources: Record<string, string>;
  vectors: Sm4Vector[];
};

function vector(id: string): Sm4Vector {
  const v = file.vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`missing vector ${id}`);
  return v;
}

const hex32 = (w: number): string => w.toString(16).padStart(8, "0");

/** Modes the package does not export, built here over the block cipher to cover the remaining vectors. */
function xorInto(a: Uint8Array, b: Uint8Array): Uint8Array {
  return a.map((x, i) => x ^ (b[i] as number));
}

function streamMode(
  mode: "OFB" | "CFB" | "CTR",
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Uint8Array {
  const c = new Sm4(key);
  const out = new Uint8Array(data.length);
  let reg: Uint8Array = new Uint8Array(iv);
  for (let off = 0; off < data.length; off += SM4_BLOCK_BYTES) {
    const ks = c.encryptBlock(reg);
    const chunk = xorInto(data.subarray(off, off + SM4_BLOCK_BYTES), ks);
    out.set(chunk, off);
    if (mode === "OFB") reg = ks;
    else if (mode === "CFB") reg = new Uint8Array(chunk);
    else {
      for (let i = SM4_BLOCK_BYTES - 1; i >= 0; i--) {
        reg[i] = ((reg[i] as number) + 1) & 0xff;
        if (reg[i] !== 0) break;
      }
    }
  }
  return out;
}

describe("SM4 known answers (GB/T 32907-2016 annex A and public suites, test/vectors/sm4.json)", () => {
  it("annex A example 1: ciphertext, the 32 round keys and the 32 round outputs", () => {
    const v = vector("gbt32907-annexA-example1");
    const key = hexToBytes(v.key);
    const pt = hexToBytes(v.plaintext);
    expect(Array.from(sm4KeySchedule(key), hex32)).toEqual(v.round_keys);
    expect(Array.from(sm4RoundOutputs(key, pt), hex32)).toEqual(v.round_outputs);
    const c = new Sm4(key);
    expect(bytesToHex(c.encryptBlock(pt))).toBe(v.ciphertext);
    expect(bytesToHex(c.decryptBlock(hexToBytes(v.ciphertext)))).toBe(v.plaintext);
  });

  for (const id of ["gbt32907-example2-after-1000", "gbt32907-annexA-example2-1000000"]) {
    it(`annex A example 2 chain: ${id} (encrypt n times, then decrypt n times back)`, () => {
      const v = vector(id);
      const c = new Sm4(hexToBytes(v.key));
      const block = hexToBytes(v.plaintext);
      const n = v.iterations ?? 0;
      const start = performance.now();
      for (let i = 0; i < n; i++) c.encryptBlockInto(block, 0, block, 0);
      expect(bytesToHex(block)).toBe(v.ciphertext);
      for (let i = 0; i < n; i++) c.decryptBlockInto(block, 0, block, 0);
      expect(bytesToHex(block)).toBe(v.plaintext);
      // 2,000,000 block operations well inside the 10 s budget of the issue.
      expect(performance.now() - start).toBeLessThan(10_000);
    });
  }

  const ecb = file.vectors.filter((v) => v.mode === "ECB");
  it("has the ECB vectors", () => expect(ecb.length).toBeGreaterThanOrEqual(5));
  for (const v of ecb) {
    it(`ECB without padding: ${v.id}`, () => {
      const key = hexToBytes(v.key);
      expect(bytesToHex(sm4EncryptEcb(key, hexToBytes(v.plaintext), { padding: false }))).toBe(v.ciphertext);
      expect(bytesToHex(sm4DecryptEcb(key, hexToBytes(v.ciphertext), { padding: false }))).toBe(v.plaintext);
    });
  }

  for (const v of file.vectors.filter((x) => x.mode === "CBC")) {
    it(`CBC without padding: ${v.id}`, () => {
      const key = hexToBytes(v.key);
      const iv = hexToBytes(v.iv ?? "");
      expect(bytesToHex(sm4EncryptCbc(key, iv, hexToBytes(v.plaintext), { padding: false }))).toBe(
        v.ciphertext,
      );
      expect(bytesToHex(sm4DecryptCbc(key, iv, hexToBytes(v.ciphertext), { padding: false }))).toBe(
        v.plaintext,
      );
    });
  }

  for (const [id, mode] of [
    ["mode-ofb-2blocks", "OFB"],
    ["mode-cfb128-2blocks", "CFB"],
    ["mode-ctr-4blocks", "CTR"],
  ] as const) {
    it(`the block cipher under ${mode} (mode built in the test): ${id}`, () => {
      const v = vector(id);
      const out = streamMode(mode, hexToBytes(v.key), hexToBytes(v.iv ?? ""), hexToBytes(v.plaintext));
      expect(bytesToHex(out)).toBe(v.ciphertext);
    });
  }
});

describe("SM4 ECB/CBC with PKCS#7", () => {
  const key = hexToBytes("0123456789abcdeffedcba9876543210");

  it("pads a block-aligned input with a whole block of 0x10", () => {
    const ct = sm4EncryptEcb(key, new Uint8Array(16));
    expect(ct.length).toBe(32);
    const raw = sm4DecryptEcb(key, ct, { padding: false });
    expect(bytesToHex(raw.subarray(16))).toBe("10".repeat(16));
  });

  it("encrypts the empty message to one block of padding", () => {
    const ct = sm4EncryptEcb(key, new Uint8Array(0));
    expect(ct.length).toBe(16);
    expect(sm4DecryptEcb(key, ct).length).toBe(0);
  });

  it("matches OpenSSL's sm4-ecb and sm4-cbc (PKCS#7) on random inputs, both directions", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ maxLength: 200 }),
        (k, iv, data) => {
          const e = createCipheriv("sm4-ecb", k, null);
          const refEcb = new Uint8Array(Buffer.concat([e.update(data), e.final()]));
          expect(bytesToHex(sm4EncryptEcb(k, data))).toBe(bytesToHex(refEcb));
          expect(bytesToHex(sm4DecryptEcb(k, refEcb))).toBe(bytesToHex(data));
          const c = createCipheriv("sm4-cbc", k, iv);
          const refCbc = new Uint8Array(Buffer.concat([c.update(data), c.final()]));
          expect(bytesToHex(sm4EncryptCbc(k, iv, data))).toBe(bytesToHex(refCbc));
          const d = createDecipheriv("sm4-cbc", k, iv);
          expect(bytesToHex(new Uint8Array(Buffer.concat([d.update(refCbc), d.final()])))).toBe(
            bytesToHex(data),
          );
          expect(bytesToHex(sm4DecryptCbc(k, iv, refCbc))).toBe(bytesToHex(data));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("never modifies its input, even a Buffer (whose slice() is a view)", () => {
    const data = Buffer.from(key);
    sm4EncryptEcb(key, data, { padding: false });
    sm4DecryptEcb(key, data, { padding: false });
    expect(bytesToHex(data)).toBe(bytesToHex(key));
  });

  it("rejects every malformed PKCS#7 tail with CryptoError CRYPTO_DECRYPT_FAILED", () => {
    const tails: number[][] = [[0x00], [0x11], [0xff], [0x02, 0x03], [0x03, 0x03], [0x10], [0x01, 0x10]];
    for (const tail of tails) {
      const body = new Uint8Array(32);
      body.set(tail, 32 - tail.length);
      const ct = sm4EncryptEcb(key, body, { padding: false });
      let err: unknown;
      try {
        sm4DecryptEcb(key, ct);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CryptoError);
      expect((err as CryptoError).code).toBe("CRYPTO_DECRYPT_FAILED");
    }
  });

  it("rejects wrong key, IV and ciphertext lengths and wrong types", () => {
    expect(() => sm4EncryptEcb(new Uint8Array(15), new Uint8Array(1))).toThrow(RangeError);
    expect(() => sm4EncryptEcb("k" as unknown as Uint8Array, new Uint8Array(1))).toThrow(TypeError);
    expect(() => sm4EncryptEcb(key, [1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sm4DecryptEcb(key, new Uint8Array(15))).toThrow(RangeError);
    expect(() => sm4DecryptEcb(key, new Uint8Array(0))).toThrow(RangeError);
    expect(() => sm4EncryptEcb(key, new Uint8Array(15), { padding: false })).toThrow(RangeError);
    expect(() => sm4EncryptCbc(key, new Uint8Array(8), new Uint8Array(16))).toThrow(RangeError);
    expect(() => sm4DecryptCbc(key, new Uint8Array(16), new Uint8Array(17))).toThrow(RangeError);
    expect(() => sm4EncryptEcb(key, new Uint8Array(16), { padding: "yes" as unknown as boolean })).toThrow(
      TypeError,
    );
    expect(() => new Sm4(key).encryptBlock(new Uint8Array(17))).toThrow(RangeError);
  });
});
