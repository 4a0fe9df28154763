/**
 * Consensus agreement: `ed25519` (OpenSSL) and `ed25519Portable` (noble points) must return the same
 * boolean for every input, including hand-built edge cases that implementations are known to decide
 * differently. Each case is also run through BARE OpenSSL (crypto.verify, raw SPKI import) and BARE
 * noble (`verify(…, {zip215: false})`); the "measured" tests pin down where those two disagree, which
 * is why ed25519.ts adds pre-checks and evaluates the cofactorless equation itself.
 */
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import { ED25519_TORSION_SUBGROUP, ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from "../../src/bytes.js";
import {
  ed25519,
  ed25519Portable,
  isCanonicalPointNotSmallOrder,
  isCanonicalScalar,
} from "../../src/ed25519.js";

const Point = nobleEd25519.Point;
type EdPoint = ReturnType<typeof Point.fromBytes>;
const B = Point.BASE;
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const SPKI_PREFIX = hexToBytes("302a300506032b6570032100");

function le(n: bigint, len = 32): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}
function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}
/** An encoding from y and the sign bit, without any validity check. */
function encode(y: bigint, sign: 0 | 1): Uint8Array {
  return le(y | (BigInt(sign) << 255n));
}
function challenge(R: Uint8Array, A: Uint8Array, M: Uint8Array): bigint {
  return fromLe(sha512(concatBytes(R, A, M))) % L;
}
function sig(R: Uint8Array, S: bigint): Uint8Array {
  return concatBytes(R, le(S));
}

function bareOpenSsl(s: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.from(concatBytes(SPKI_PREFIX, pk)),
      format: "der",
      type: "spki",
    });
    return nodeVerify(null, m, key, s);
  } catch {
    return false;
  }
}
function bareNoble(s: Uint8Array, m: Uint8Array, pk: Uint8Array): boolean {
  try {
    return nobleEd25519.verify(s, m, pk, { zip215: false });
  } catch {
    return false;
  }
}

interface Case {
  name: string;
  sig: Uint8Array;
  msg: Uint8Array;
  pk: Uint8Array;
  /** What the rule in ed25519.ts says. */
  expected: boolean;
}

const torsion: EdPoint[] = ED25519_TORSION_SUBGROUP.map((h) => Point.fromBytes(hexToBytes(h)));
function orderOf(T: EdPoint): number {
  let n = 1;
  for (let Q = T; !Q.is0(); Q = Q.add(T)) n++;
  return n;
}

/** An honest key with a known secret scalar a. */
const a = 0x1234567890abcdef1234567890abcdefn;
const A = B.multiply(a);
const Ab = A.toBytes();

/** Every encoding of a small-order point: the 8 canonical ones, y ≥ p aliases, and negative zero. */
function smallOrderEncodings(): { label: string; bytes: Uint8Array; point: EdPoint }[] {
  const out: { label: string; bytes: Uint8Array; point: EdPoint }[] = torsion.map((T, i) => ({
    label: `torsion[${i}] order ${orderOf(T)} canonical`,
    bytes: T.toBytes(),
    point: T,
  }));
  const zero = Point.ZERO;
  const order2 = torsion.find((T) => orderOf(T) === 2)!;
  const order4 = torsion.find((T) => orderOf(T) === 4)!; // y = 0
  out.push({ label: "identity, y = 1 with sign bit (negative zero)", bytes: encode(1n, 1), point: zero });
  out.push({
    label: "order 2, y = p − 1 with sign bit (negative zero)",
    bytes: encode(P - 1n, 1),
    point: order2,
  });
  out.push({ label: "identity, y = p + 1 (non-canonical)", bytes: encode(P + 1n, 0), point: zero });
  out.push({ label: "identity, y = p + 1 with sign bit", bytes: encode(P + 1n, 1), point: zero });
  for (const sign of [0, 1] as const) {
    const target = sign === 0 ? order4 : order4.negate();
    // y = p aliases y = 0 (the order-4 points ±(√−1, 0)); which x the sign bit selects does not matter here.
    out.push({
      label: `order 4, y = p (non-canonical), sign ${sign}`,
      bytes: encode(P, sign),
      point: target,
    });
  }
  return out;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const M0 = utf8ToBytes("tandem adversarial");

  // RFC 8032-style honest signatures and simple corruptions.
  for (let i = 0; i < 4; i++) {
    const sk = new Uint8Array(32).fill(i + 11);
    const pk = ed25519.getPublicKey(sk);
    const m = utf8ToBytes(`honest ${i}`);
    const s = ed25519.sign(m, sk);
    cases.push({ name: `honest ${i}`, sig: s, msg: m, pk, expected: true });
    const S = fromLe(s.subarray(32));
    cases.push({
      name: `honest ${i}, S + L`,
      sig: sig(s.subarray(0, 32), S + L),
      msg: m,
      pk,
      expected: false,
    });
    cases.push({
      name: `honest ${i}, S + 2L`,
      sig: sig(s.subarray(0, 32), S + 2n * L),
      msg: m,
      pk,
      expected: false,
    });
    cases.push({ name: `honest ${i}, S = L`, sig: sig(s.subarray(0, 32), L), msg: m, pk, expected: false });
    cases.push({
      name: `honest ${i}, S = L − 1`,
      sig: sig(s.subarray(0, 32), L - 1n),
      msg: m,
      pk,
      expected: false,
    });
    cases.push({ name: `honest ${i}, S = 0`, sig: sig(s.subarray(0, 32), 0n), msg: m, pk, expected: false });
    cases.push({
      name: `honest ${i}, S = 2^256 − 1`,
      sig: sig(s.subarray(0, 32), 2n ** 256n - 1n),
      msg: m,
      pk,
      expected: false,
    });
  }

  // Small-order public keys in every encoding. R = identity, S = 0 satisfies the cofactorless
  // equation whenever [k]A = 0, so search a message for which it does: OpenSSL alone accepts those.
  for (const { label, bytes, point } of smallOrderEncodings()) {
    let found = 0;
    for (let j = 0; j < 64 && found < 2; j++) {
      const m = utf8ToBytes(`small-A ${j}`);
      const R = Point.ZERO.toBytes();
      if (!point.multiplyUnsafe(challenge(R, bytes, m)).is0()) continue;
      found++;
      cases.push({
        name: `small-order A: ${label} (R = O, S = 0, [k]A = O)`,
        sig: sig(R, 0n),
        msg: m,
        pk: bytes,
        expected: false,
      });
    }
    // Also R = B, S = 1: [1]B − [k]A = B − [k]A, equal to B exactly when [k]A = O.
    for (let j = 0; j < 64; j++) {
      const m = utf8ToBytes(`small-A-B ${j}`);
      const R = B.toBytes();
      if (!point.multiplyUnsafe(challenge(R, bytes, m)).is0()) continue;
      cases.push({
        name: `small-order A: ${label} (R = B, S = 1)`,
        sig: sig(R, 1n),
        msg: m,
        pk: bytes,
        expected: false,
      });
      break;
    }
    cases.push({
      name: `small-order A: ${label} (random sig)`,
      sig: sig(B.multiply(77n).toBytes(), 5n),
      msg: M0,
      pk: bytes,
      expected: false,
    });
  }

  // Small-order R under an honest key: S = k·a makes [S]B − [k]A = O, so only R = O passes the
  // cofactorless equation; cofactored checks accept every torsion R.
  for (const { label, bytes } of smallOrderEncodings()) {
    const S = (challenge(bytes, Ab, M0) * a) % L;
    cases.push({
      name: `small-order R: ${label}, S = k·a`,
      sig: sig(bytes, S),
      msg: M0,
      pk: Ab,
      expected: false,
    });
  }

  // Mixed-order keys A' = aB + T, signed honestly with a: cofactorless passes iff [k]T = O.
  for (const [ti, T] of torsion.entries()) {
    if (T.is0()) continue;
    const Amixed = A.add(T).toBytes();
    for (let j = 0; j < 6; j++) {
      const r = 1000n + BigInt(j);
      const R = B.multiply(r).toBytes();
      const m = utf8ToBytes(`mixed ${ti} ${j}`);
      const k = challenge(R, Amixed, m);
      const expected = T.multiplyUnsafe(k).is0();
      cases.push({
        name: `mixed-order A (T${ti}, k mod 8 = ${k % 8n})`,
        sig: sig(R, (r + k * a) % L),
        msg: m,
        pk: Amixed,
        expected,
      });
    }
  }

  // R with a torsion component: R' = rB + T, S = r + k·a.
  for (const [ti, T] of torsion.entries()) {
    const r = 4242n + BigInt(ti);
    const R = B.multiply(r).add(T).toBytes();
    const S = (r + challenge(R, Ab, M0) * a) % L;
    cases.push({ name: `R + torsion T${ti}`, sig: sig(R, S), msg: M0, pk: Ab, expected: T.is0() });
  }

  // Non-canonical R: the identity encoded as y = p + 1, with S = k·a (the equation gives O).
  for (const Rb of [encode(P + 1n, 0), encode(P + 1n, 1), encode(1n, 1)]) {
    const S = (challenge(Rb, Ab, M0) * a) % L;
    cases.push({
      name: `non-canonical identity R ${bytesToHex(Rb).slice(0, 8)}…`,
      sig: sig(Rb, S),
      msg: M0,
      pk: Ab,
      expected: false,
    });
  }
  // Non-canonical R of an honest signature cannot be built (its y is large), so flip R to y ≥ p bytes.
  {
    const sk = new Uint8Array(32).fill(99);
    const pk = ed25519.getPublicKey(sk);
    const s = ed25519.sign(M0, sk);
    for (const y of [P, P + 2n, P + 18n, 2n ** 255n - 1n]) {
      cases.push({
        name: `R with y = ${y - P} + p`,
        sig: concatBytes(encode(y, 0), s.subarray(32)),
        msg: M0,
        pk,
        expected: false,
      });
    }
  }

  // Non-canonical A (y ≥ p) of points that are not small order; and A off the curve.
  for (let y = 2n; y < 19n; y++) {
    for (const sign of [0, 1] as const) {
      let ok = true;
      try {
        Point.fromBytes(encode(y, sign));
      } catch {
        ok = false;
      }
      if (!ok) {
        cases.push({
          name: `A off the curve (y = ${y})`,
          sig: sig(B.toBytes(), 1n),
          msg: M0,
          pk: encode(y, sign),
          expected: false,
        });
        continue;
      }
      const pk = encode(y + P, sign);
      const R = B.multiply(31n).toBytes();
      cases.push({
        name: `non-canonical A, y = ${y} + p, sign ${sign}`,
        sig: sig(R, 7n),
        msg: M0,
        pk,
        expected: false,
      });
    }
  }

  return cases;
}

const cases = buildCases();

describe("Ed25519 adversarial agreement between node:crypto and noble", () => {
  it("builds every class of edge case", () => {
    const names = cases.map((c) => c.name).join("\n");
    for (const marker of [
      "small-order A",
      "small-order R",
      "mixed-order A",
      "R + torsion",
      "non-canonical A",
      "S + L",
      "S = L",
      "non-canonical identity R",
      "A off the curve",
    ]) {
      expect(names).toContain(marker);
    }
    expect(
      cases.filter((c) => c.name.startsWith("small-order A") && c.name.includes("[k]A = O")).length,
    ).toBeGreaterThanOrEqual(14);
    expect(cases.length).toBeGreaterThan(100);
  });

  it("gives the same verdict on both paths, and the documented one, for every crafted case", () => {
    const mismatches: string[] = [];
    for (const c of cases) {
      const fast = ed25519.verify(c.sig, c.msg, c.pk);
      const portable = ed25519Portable.verify(c.sig, c.msg, c.pk);
      if (fast !== portable || fast !== c.expected)
        mismatches.push(`${c.name}: fast=${fast} portable=${portable} expected=${c.expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("agrees on the RFC 8032 vectors and their corruptions", () => {
    const file = JSON.parse(readFileSyncVectors()) as {
      vectors: { public_key: string; message: string; signature: string }[];
    };
    for (const v of file.vectors) {
      const [s, m, pk] = [hexToBytes(v.signature), hexToBytes(v.message), hexToBytes(v.public_key)];
      expect(ed25519.verify(s, m, pk)).toBe(true);
      expect(ed25519Portable.verify(s, m, pk)).toBe(true);
      for (const i of [0, 31, 32, 63]) {
        const bad = Uint8Array.from(s);
        bad[i]! ^= 0x80;
        expect(ed25519.verify(bad, m, pk)).toBe(ed25519Portable.verify(bad, m, pk));
        expect(ed25519.verify(bad, m, pk)).toBe(false);
      }
    }
  });

  it("agrees on random valid signatures and random corruptions of them", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom("none", "sig-bit", "msg-bit", "pk-bit", "s-plus-l", "r-random", "pk-random"),
        fc.nat(),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sk, msg, mutation, n, junk) => {
          const pk = ed25519.getPublicKey(sk);
          let s = ed25519.sign(msg, sk);
          let m = msg;
          let k = pk;
          switch (mutation) {
            case "sig-bit":
              s = Uint8Array.from(s);
              s[n % 64]! ^= 1 << (n % 8);
              break;
            case "msg-bit":
              m = msg.length === 0 ? new Uint8Array([1]) : Uint8Array.from(msg);
              if (msg.length > 0) m[n % msg.length]! ^= 1 << (n % 8);
              break;
            case "pk-bit":
              k = Uint8Array.from(pk);
              k[n % 32]! ^= 1 << (n % 8);
              break;
            case "s-plus-l":
              s = sig(s.subarray(0, 32), fromLe(s.subarray(32)) + L);
              break;
            case "r-random":
              s = concatBytes(junk, s.subarray(32));
              break;
            case "pk-random":
              k = junk;
              break;
          }
          const fast = ed25519.verify(s, m, k);
          expect(ed25519Portable.verify(s, m, k)).toBe(fast);
          if (mutation === "none") expect(fast).toBe(true);
          if (mutation === "s-plus-l" || mutation === "sig-bit" || mutation === "msg-bit")
            expect(fast).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("agrees on random 64-byte signatures under random keys (almost all invalid)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (s, pk) => {
          expect(ed25519.verify(s, M1, pk)).toBe(ed25519Portable.verify(s, M1, pk));
        },
      ),
      { numRuns: 150 },
    );
  });
});

const M1 = utf8ToBytes("m");

function readFileSyncVectors(): string {
  return readFileSync(new URL("../vectors/ed25519-rfc8032.json", import.meta.url), "utf8");
}

describe("Ed25519: what bare OpenSSL and bare noble do (measured; the reason for the pre-checks)", () => {
  const byName = (prefix: string) => cases.filter((c) => c.name.startsWith(prefix));

  it("OpenSSL alone accepts small-order public keys in every encoding, noble alone rejects them", () => {
    const smallA = cases.filter((c) => c.name.startsWith("small-order A") && c.name.includes("[k]A = O"));
    for (const c of smallA) {
      expect(bareOpenSsl(c.sig, c.msg, c.pk), c.name).toBe(true);
      expect(bareNoble(c.sig, c.msg, c.pk), c.name).toBe(false);
    }
  });

  it("OpenSSL alone accepts R = identity with S = k·a, noble (cofactored) also accepts every torsion R", () => {
    const identityR = byName("small-order R: torsion[0]")[0]!;
    expect(bareOpenSsl(identityR.sig, identityR.msg, identityR.pk)).toBe(true);
    for (const c of byName("small-order R: torsion[")) {
      expect(bareNoble(c.sig, c.msg, c.pk), c.name).toBe(true);
    }
    for (const c of byName("small-order R: torsion[").slice(1)) {
      expect(bareOpenSsl(c.sig, c.msg, c.pk), c.name).toBe(false);
    }
  });

  it("noble (cofactored) accepts mixed-order keys and torsioned R that OpenSSL (cofactorless) rejects", () => {
    const cofactorOnly = [...byName("mixed-order A"), ...byName("R + torsion")].filter((c) => !c.expected);
    expect(cofactorOnly.length).toBeGreaterThan(10);
    for (const c of cofactorOnly) {
      expect(bareNoble(c.sig, c.msg, c.pk), c.name).toBe(true);
      expect(bareOpenSsl(c.sig, c.msg, c.pk), c.name).toBe(false);
    }
  });

  it("both reject S ≥ L and non-canonical R on their own", () => {
    for (const c of [
      ...cases.filter((x) => /S \+ L|S \+ 2L|S = L$|2\^256/.test(x.name)),
      ...byName("non-canonical identity R"),
      ...byName("R with y"),
    ]) {
      expect(bareOpenSsl(c.sig, c.msg, c.pk), c.name).toBe(false);
      expect(bareNoble(c.sig, c.msg, c.pk), c.name).toBe(false);
    }
  });
});

describe("Ed25519 byte-level rule checks", () => {
  it("isCanonicalScalar is exactly S < L", () => {
    for (const S of [
      0n,
      1n,
      L - 1n,
      L,
      L + 1n,
      2n ** 252n,
      2n ** 253n - 1n,
      2n ** 256n - 1n,
      L - 2n ** 200n,
      L + 2n ** 100n,
    ]) {
      expect(isCanonicalScalar(le(S)), S.toString(16)).toBe(S < L);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: L - 2n ** 130n, max: L + 2n ** 130n }), (S) => {
        expect(isCanonicalScalar(le(S))).toBe(S < L);
      }),
    );
  });

  it("isCanonicalPointNotSmallOrder is exactly: y < p and y is not a small-order point's y", () => {
    const smallY = new Set(torsion.map((T) => T.toAffine().y));
    const ref = (b: Uint8Array) => {
      const y = fromLe(b) & (2n ** 255n - 1n);
      return y < P && !smallY.has(y);
    };
    const special = [0n, 1n, 2n, P - 2n, P - 1n, P, P + 1n, P + 18n, 2n ** 255n - 1n, ...smallY];
    for (const y of special) {
      for (const sign of [0, 1] as const) {
        expect(isCanonicalPointNotSmallOrder(encode(y, sign)), `${y} ${sign}`).toBe(ref(encode(y, sign)));
      }
    }
    // Near-misses of the small-order ys, byte by byte.
    for (const y of smallY) {
      const b = le(y);
      for (let i = 0; i < 32; i++) {
        const c = Uint8Array.from(b);
        c[i]! ^= 1;
        expect(isCanonicalPointNotSmallOrder(c)).toBe(ref(c));
      }
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (b) => {
        expect(isCanonicalPointNotSmallOrder(b)).toBe(ref(b));
      }),
      { numRuns: 500 },
    );
  });
});
