/** H1/H2 and the SM3 KDF, including the input lengths a widely used implementation gets wrong. */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { h1, h2, kdf } from "../../src/hash.js";
import { N } from "../../src/params.js";
import { hex } from "./helpers.js";

/** An independent KDF: OpenSSL's streaming SM3 over Z, then the counter, block by block. */
function referenceKdf(z: Uint8Array, klen: number): Uint8Array {
  const out = Buffer.alloc(Math.ceil(klen / 32) * 32);
  for (let ct = 1; (ct - 1) * 32 < klen; ct++) {
    const h = createHash("sm3");
    for (let off = 0; off < z.length; off += 7) h.update(z.subarray(off, off + 7));
    const c = Buffer.alloc(4);
    c.writeUInt32BE(ct);
    h.update(c);
    h.digest().copy(out, (ct - 1) * 32);
  }
  return new Uint8Array(out.subarray(0, klen));
}

describe("KDF", () => {
  it("matches a streaming SM3 KDF for len(Z) mod 64 in 60..63 and klen > 96 bytes (4+ blocks)", () => {
    for (const base of [0, 64, 448, 448 + 64 * 3]) {
      for (const r of [60, 61, 62, 63]) {
        const z = Uint8Array.from({ length: base + r }, (_, i) => (i * 31 + r) & 0xff);
        for (const klen of [97, 128, 129, 200, 1000]) {
          expect(hex(kdf(z, klen))).toBe(hex(referenceKdf(z, klen)));
        }
      }
    }
  });

  it("matches the streaming KDF on random inputs and is a prefix-consistent stream", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 400 }), (z, klen) => {
        const k = kdf(z, klen);
        expect(k.length).toBe(klen);
        expect(hex(k)).toBe(hex(referenceKdf(z, klen)));
        expect(hex(kdf(z, klen + 5)).startsWith(hex(k))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects lengths it cannot produce", () => {
    expect(() => kdf(new Uint8Array(1), -1)).toThrow(RangeError);
    expect(() => kdf(new Uint8Array(1), 1.5)).toThrow(RangeError);
    expect(() => kdf(new Uint8Array(1), 0xffffffff * 32 + 1)).toThrow(RangeError);
  });
});

describe("H1 and H2", () => {
  it("land in [1, N-1] and depend on every input byte and on hid", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.integer({ min: 0, max: 255 }),
        (id, hid) => {
          const h = h1(id, hid);
          expect(h >= 1n && h < N).toBe(true);
          expect(h1(id, hid ^ 1)).not.toBe(h);
          const flipped = new Uint8Array(id);
          flipped[0] = (flipped[0] as number) ^ 1;
          expect(h1(flipped, hid)).not.toBe(h);
          const g = h2(id);
          expect(g >= 1n && g < N).toBe(true);
          expect(g).not.toBe(h);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("accept the empty identity and message", () => {
    expect(h1(new Uint8Array(0), 1) >= 1n).toBe(true);
    expect(h2(new Uint8Array(0)) >= 1n).toBe(true);
  });
});
