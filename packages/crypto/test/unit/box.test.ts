import { readFileSync } from "node:fs";
import { x25519 as nobleX25519 } from "@noble/curves/ed25519.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BOX_OVERHEAD,
  boxOpen,
  boxSeal,
  open,
  SEAL_OVERHEAD,
  seal,
  x25519Keygen,
  x25519PublicKey,
  x25519SharedSecret,
} from "../../src/box.js";
import { bytesToHex, CryptoError, concatBytes, hexToBytes, utf8ToBytes } from "../../src/bytes.js";

const rfc7748 = JSON.parse(
  readFileSync(new URL("../vectors/x25519-rfc7748.json", import.meta.url), "utf8"),
) as {
  source: string;
  scalar_mult: { id: string; scalar: string; u: string; output: string }[];
  iterated: { start: string; after_1: string; after_1000: string };
  dh: { alice_secret: string; alice_public: string; bob_secret: string; bob_public: string; shared: string };
};

/** u-coordinates of small order (and their non-canonical aliases), as listed by libsodium and RFC 7748 §7. */
const SMALL_ORDER_U = [
  "0000000000000000000000000000000000000000000000000000000000000000", // 0
  "0100000000000000000000000000000000000000000000000000000000000000", // 1
  "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
  "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157", // order 8
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p − 1
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p (= 0)
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // p + 1 (= 1)
];
const withTopBit = (h: string) => {
  const b = hexToBytes(h);
  b[31]! |= 0x80; // X25519 ignores bit 255: still the same small-order point
  return b;
};

function expectCryptoError(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(CryptoError);
  expect((thrown as CryptoError).code).toBe(code);
}

const alice = x25519Keygen(new Uint8Array(32).fill(1));
const bob = x25519Keygen(new Uint8Array(32).fill(2));

describe("X25519 known answers (RFC 7748 §5.2, §6.1)", () => {
  for (const v of rfc7748.scalar_mult) {
    it(`reproduces ${v.id}`, () => {
      expect(bytesToHex(x25519SharedSecret(hexToBytes(v.scalar), hexToBytes(v.u)))).toBe(v.output);
    });
  }

  it("reproduces the iterated vector after 1 and 1,000 iterations", () => {
    let k = hexToBytes(rfc7748.iterated.start);
    let u = k;
    for (let i = 1; i <= 1000; i++) {
      const next = x25519SharedSecret(k, u);
      u = k;
      k = next;
      if (i === 1) expect(bytesToHex(k)).toBe(rfc7748.iterated.after_1);
    }
    expect(bytesToHex(k)).toBe(rfc7748.iterated.after_1000);
  });

  it("reproduces the Alice/Bob exchange of §6.1", () => {
    const { dh } = rfc7748;
    expect(bytesToHex(x25519PublicKey(hexToBytes(dh.alice_secret)))).toBe(dh.alice_public);
    expect(bytesToHex(x25519Keygen(hexToBytes(dh.bob_secret)).publicKey)).toBe(dh.bob_public);
    expect(bytesToHex(x25519SharedSecret(hexToBytes(dh.alice_secret), hexToBytes(dh.bob_public)))).toBe(
      dh.shared,
    );
    expect(bytesToHex(x25519SharedSecret(hexToBytes(dh.bob_secret), hexToBytes(dh.alice_public)))).toBe(
      dh.shared,
    );
  });

  it("matches @noble/curves x25519 on random keys", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (sk, peerSk) => {
          const peer = nobleX25519.getPublicKey(peerSk);
          expect(bytesToHex(x25519PublicKey(sk))).toBe(bytesToHex(nobleX25519.getPublicKey(sk)));
          expect(bytesToHex(x25519SharedSecret(sk, peer))).toBe(
            bytesToHex(nobleX25519.getSharedSecret(sk, peer)),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it("rejects every small-order peer key, with and without bit 255 set", () => {
    for (const u of SMALL_ORDER_U) {
      expectCryptoError(() => x25519SharedSecret(alice.secretKey, hexToBytes(u)), "CRYPTO_SMALL_ORDER_KEY");
      expectCryptoError(() => x25519SharedSecret(alice.secretKey, withTopBit(u)), "CRYPTO_SMALL_ORDER_KEY");
    }
  });
});

describe("sealed box (seal/open)", () => {
  it("round-trips any plaintext and AAD", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        (pt, aad) => {
          const sealed = seal(pt, bob.publicKey, aad === undefined ? undefined : { aad });
          expect(sealed.length).toBe(pt.length + SEAL_OVERHEAD);
          expect(bytesToHex(open(sealed, bob.secretKey, aad === undefined ? {} : { aad }))).toBe(
            bytesToHex(pt),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it("uses a fresh ephemeral key and nonce for every message", () => {
    const pt = utf8ToBytes("same");
    const a = seal(pt, bob.publicKey);
    const b = seal(pt, bob.publicKey);
    expect(bytesToHex(a.subarray(0, 32))).not.toBe(bytesToHex(b.subarray(0, 32)));
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
  });

  it("rejects every single-bit flip in every byte", () => {
    const sealed = seal(utf8ToBytes("pay 10 to carol"), bob.publicKey, { aad: utf8ToBytes("ctx") });
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Uint8Array.from(sealed);
        bad[i]! ^= 1 << bit;
        expectCryptoError(
          () => open(bad, bob.secretKey, { aad: utf8ToBytes("ctx") }),
          "CRYPTO_DECRYPT_FAILED",
        );
      }
    }
  });

  it("rejects the wrong recipient key, the wrong AAD, a missing AAD and an unexpected AAD", () => {
    const aad = utf8ToBytes("tandem:acme");
    const sealed = seal(utf8ToBytes("secret"), bob.publicKey, { aad });
    expectCryptoError(() => open(sealed, alice.secretKey, { aad }), "CRYPTO_DECRYPT_FAILED");
    expectCryptoError(
      () => open(sealed, bob.secretKey, { aad: utf8ToBytes("tandem:acmf") }),
      "CRYPTO_DECRYPT_FAILED",
    );
    expectCryptoError(() => open(sealed, bob.secretKey), "CRYPTO_DECRYPT_FAILED");
    const plain = seal(utf8ToBytes("secret"), bob.publicKey);
    expectCryptoError(() => open(plain, bob.secretKey, { aad }), "CRYPTO_DECRYPT_FAILED");
  });

  it("rejects every truncation and an appended byte", () => {
    const sealed = seal(utf8ToBytes("0123456789"), bob.publicKey);
    for (let len = 0; len < sealed.length; len++) {
      expectCryptoError(() => open(sealed.subarray(0, len), bob.secretKey), "CRYPTO_DECRYPT_FAILED");
    }
    expectCryptoError(
      () => open(concatBytes(sealed, new Uint8Array(1)), bob.secretKey),
      "CRYPTO_DECRYPT_FAILED",
    );
  });

  it("rejects a sealed box whose ephemeral key is of small order", () => {
    const sealed = seal(utf8ToBytes("x"), bob.publicKey);
    for (const u of SMALL_ORDER_U) {
      const bad = concatBytes(hexToBytes(u), sealed.subarray(32));
      expectCryptoError(() => open(bad, bob.secretKey), "CRYPTO_DECRYPT_FAILED");
    }
  });

  it("refuses to seal to a small-order recipient key", () => {
    for (const u of SMALL_ORDER_U) {
      expectCryptoError(() => seal(utf8ToBytes("x"), hexToBytes(u)), "CRYPTO_SMALL_ORDER_KEY");
    }
  });
});

describe("authenticated box (boxSeal/boxOpen)", () => {
  it("round-trips any plaintext and AAD between two static keys", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
        (pt, aad) => {
          const box = boxSeal(pt, alice.secretKey, bob.publicKey, aad);
          expect(box.length).toBe(pt.length + BOX_OVERHEAD);
          expect(bytesToHex(boxOpen(box, bob.secretKey, alice.publicKey, aad))).toBe(bytesToHex(pt));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("rejects every single-bit flip in every byte", () => {
    const box = boxSeal(utf8ToBytes("device hello"), alice.secretKey, bob.publicKey, utf8ToBytes("a"));
    for (let i = 0; i < box.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Uint8Array.from(box);
        bad[i]! ^= 1 << bit;
        expectCryptoError(
          () => boxOpen(bad, bob.secretKey, alice.publicKey, utf8ToBytes("a")),
          "CRYPTO_DECRYPT_FAILED",
        );
      }
    }
  });

  it("rejects the wrong sender, the wrong recipient, the wrong AAD, truncation, and a reflected box", () => {
    const carol = x25519Keygen(new Uint8Array(32).fill(3));
    const box = boxSeal(utf8ToBytes("hi bob"), alice.secretKey, bob.publicKey);
    expectCryptoError(() => boxOpen(box, bob.secretKey, carol.publicKey), "CRYPTO_DECRYPT_FAILED");
    expectCryptoError(() => boxOpen(box, carol.secretKey, alice.publicKey), "CRYPTO_DECRYPT_FAILED");
    expectCryptoError(
      () => boxOpen(box, bob.secretKey, alice.publicKey, utf8ToBytes("x")),
      "CRYPTO_DECRYPT_FAILED",
    );
    for (let len = 0; len < box.length; len++) {
      expectCryptoError(
        () => boxOpen(box.subarray(0, len), bob.secretKey, alice.publicKey),
        "CRYPTO_DECRYPT_FAILED",
      );
    }
    // Alice cannot be fooled into reading her own message as one from Bob (same DH secret, other direction).
    expectCryptoError(() => boxOpen(box, alice.secretKey, bob.publicKey), "CRYPTO_DECRYPT_FAILED");
  });

  it("refuses small-order keys on either side", () => {
    for (const u of SMALL_ORDER_U) {
      expectCryptoError(
        () => boxSeal(utf8ToBytes("x"), alice.secretKey, hexToBytes(u)),
        "CRYPTO_SMALL_ORDER_KEY",
      );
      expectCryptoError(
        () => boxOpen(new Uint8Array(40), bob.secretKey, hexToBytes(u)),
        "CRYPTO_SMALL_ORDER_KEY",
      );
    }
  });
});

describe("box wrong inputs", () => {
  const k = alice.secretKey;
  const pk = bob.publicKey;
  const m = new Uint8Array(3);
  it("throws labelled TypeError on non-bytes arguments", () => {
    expect(() => x25519Keygen("seed" as never)).toThrow(TypeError);
    expect(() => x25519PublicKey(null as never)).toThrow(TypeError);
    expect(() => x25519SharedSecret([1] as never, pk)).toThrow(TypeError);
    expect(() => x25519SharedSecret(k, "pk" as never)).toThrow(/x25519 peer public key: expected Uint8Array/);
    expect(() => seal("m" as never, pk)).toThrow(TypeError);
    expect(() => seal(m, pk, { aad: "x" as never })).toThrow(TypeError);
    expect(() => seal(m, pk, "opts" as never)).toThrow(TypeError);
    expect(() => open({} as never, k)).toThrow(TypeError);
    expect(() => open(seal(m, pk), k, { aad: 1 as never })).toThrow(TypeError);
    expect(() => boxSeal(m, k, pk, "aad" as never)).toThrow(TypeError);
    expect(() => boxOpen(m, k, pk, [] as never)).toThrow(TypeError);
    expect(() => boxOpen(undefined as never, k, pk)).toThrow(TypeError);
  });

  it("throws labelled RangeError on keys that are not 32 bytes", () => {
    expect(() => x25519Keygen(new Uint8Array(31))).toThrow(RangeError);
    expect(() => x25519PublicKey(new Uint8Array(33))).toThrow(RangeError);
    expect(() => x25519SharedSecret(k, new Uint8Array(31))).toThrow(RangeError);
    expect(() => seal(m, new Uint8Array(31))).toThrow(/seal recipient public key: expected 32 bytes/);
    expect(() => open(seal(m, pk), new Uint8Array(64))).toThrow(RangeError);
    expect(() => boxSeal(m, new Uint8Array(16), pk)).toThrow(RangeError);
    expect(() => boxSeal(m, k, new Uint8Array(0))).toThrow(RangeError);
    expect(() => boxOpen(m, k, new Uint8Array(33))).toThrow(RangeError);
  });

  it("draws a fresh key pair without a seed", () => {
    const a = x25519Keygen();
    const b = x25519Keygen();
    expect(bytesToHex(a.secretKey)).not.toBe(bytesToHex(b.secretKey));
    expect(bytesToHex(x25519PublicKey(a.secretKey))).toBe(bytesToHex(a.publicKey));
  });
});
