import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultHash, hashSuite, SHORT_SHA256_MAX, sha256Short } from "../../src/index.js";

const reference = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("sha256Short", () => {
  it("gives node:crypto's digest for every input length up to past the cut-off", () => {
    for (let n = 0; n <= SHORT_SHA256_MAX + 70; n++) {
      const data = new Uint8Array(randomBytes(n));
      expect(hex(sha256Short(data))).toBe(reference(data));
    }
  });

  it("matches on random inputs, views at odd offsets, and the FIPS 180-4 examples", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(7), (bytes, skip) => {
        const view = bytes.subarray(Math.min(skip, bytes.length));
        expect(hex(sha256Short(view))).toBe(reference(view));
      }),
      { numRuns: 300 },
    );
    expect(hex(sha256Short(new TextEncoder().encode("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(hex(sha256Short(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it("is the sha256 suite and the default hash; a result is a fresh array", () => {
    expect(hashSuite("sha256")).toBe(sha256Short);
    expect(defaultHash).toBe(sha256Short);
    const a = sha256Short(new Uint8Array([1, 2, 3]));
    const b = sha256Short(new Uint8Array([1, 2, 3]));
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });
});
