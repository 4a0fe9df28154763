import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, utf8ToBytes } from "../../src/bytes.js";
import { hashFnPortable, sm3 } from "../../src/hash.js";
import { SM3, sm3Portable } from "../../src/sm3.js";

interface Sm3Vector {
  id: string;
  input_hex?: string;
  input_repeat?: { ascii: string; count: number };
  input_spec?: string;
  input_len?: string;
  digest: string;
}

const file = JSON.parse(readFileSync(new URL("../vectors/sm3.json", import.meta.url), "utf8")) as {
  sources: Record<string, string>;
  vectors: Sm3Vector[];
};

function inputOf(v: Sm3Vector): Uint8Array {
  if (v.input_hex !== undefined) return hexToBytes(v.input_hex);
  if (v.input_repeat !== undefined) return utf8ToBytes(v.input_repeat.ascii.repeat(v.input_repeat.count));
  if (v.id === "sixty-four-k") return Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff);
  throw new Error(`vector ${v.id}: unknown input form`);
}

describe("SM3 known answers (GB/T 32905 annex A and public test suites, test/vectors/sm3.json)", () => {
  it("has the vectors it claims, with their sources", () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(60);
    expect(Object.keys(file.sources)).toContain("standard");
    expect(file.vectors.some((v) => v.id === "million-a")).toBe(true);
  });

  for (const v of file.vectors) {
    it(`gives the listed digest natively and portably: ${v.id}`, () => {
      const input = inputOf(v);
      if (v.input_len !== undefined) expect(input.length).toBe(Number(v.input_len));
      expect(bytesToHex(sm3(input))).toBe(v.digest);
      expect(bytesToHex(sm3Portable(input))).toBe(v.digest);
    });
  }

  it("gives the annex A digest when fed in odd-sized chunks", () => {
    const v = file.vectors.find((x) => x.id === "digits-x1000")!;
    const input = inputOf(v);
    const h = sm3Portable.create();
    for (let off = 0, step = 1; off < input.length; off += step, step = (step * 7 + 3) % 131) {
      h.update(input.subarray(off, off + step));
    }
    expect(bytesToHex(h.digest())).toBe(v.digest);
  });
});

describe("SM3 portable properties", () => {
  it("matches OpenSSL's sm3 on random inputs", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        expect(bytesToHex(sm3Portable(data))).toBe(bytesToHex(sm3(data)));
      }),
      { numRuns: 300 },
    );
  });

  it("gives the same digest however the input is split across updates", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const h = sm3Portable.create();
          let prev = 0;
          for (const p of [...points, data.length]) {
            h.update(data.subarray(prev, p));
            prev = p;
          }
          expect(bytesToHex(h.digest())).toBe(bytesToHex(sm3(data)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("continues independently from a clone taken mid-stream", () => {
    const h = sm3Portable.create().update(utf8ToBytes("abc"));
    const c = h.clone();
    h.update(utf8ToBytes("def"));
    c.update(utf8ToBytes("xyz"));
    expect(bytesToHex(h.digest())).toBe(bytesToHex(sm3(utf8ToBytes("abcdef"))));
    expect(bytesToHex(c.digest())).toBe(bytesToHex(sm3(utf8ToBytes("abcxyz"))));
  });

  it("has the noble hash shape: 32-byte output, 64-byte block, create()", () => {
    expect(sm3Portable.outputLen).toBe(32);
    expect(sm3Portable.blockLen).toBe(64);
    expect(sm3Portable.create()).toBeInstanceOf(SM3);
  });
});

describe("SM3 wrong inputs", () => {
  it("rejects a non-bytes input with a TypeError in every entry point", () => {
    expect(() => sm3("abc" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sm3Portable("abc" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => hashFnPortable("sm3")([1, 2] as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sm3Portable.create().update(null as unknown as Uint8Array)).toThrow(TypeError);
  });

  it("refuses to update or digest a finished hash", () => {
    const h = sm3Portable.create();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow();
    expect(() => h.digest()).toThrow();
  });
});
