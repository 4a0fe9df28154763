/**
 * Primitive figures (ops/s, medians of timed windows): signatures rotated over 64 keys and 32-byte
 * messages (a tx hash), hashes on 250 B (one tx), sealed box on 256 B. The Ed25519 overhead of our
 * wrapper is measured against bare `crypto.verify` with a cached KeyObject in interleaved windows,
 * so both see the same machine load; target ratio ≥ 0.90.
 */
import { createPublicKey, type KeyObject, verify as nodeVerify, randomBytes } from "node:crypto";
import { type Emit, median, opsPerSecond } from "@tandem/test-utils/bench";
import { open, seal, x25519Keygen } from "../src/box.js";
import { ed25519, ed25519Portable } from "../src/ed25519.js";
import { sha256, sha256Portable, sm3 } from "../src/hash.js";
import { secp256k1, secp256k1Portable } from "../src/secp256k1.js";
import type { SignatureScheme } from "../src/signature.js";
import { sm2 } from "../src/sm2.js";
import { sm3Portable } from "../src/sm3.js";

const BENCH = "crypto";
const ROTATE = 64;
const ED25519_RATIO_TARGET = 0.9;

interface Fixture {
  sks: Uint8Array[];
  pks: Uint8Array[];
  msgs: Uint8Array[];
  sigs: Uint8Array[];
}

function fixture(scheme: SignatureScheme): Fixture {
  const sks: Uint8Array[] = [];
  const pks: Uint8Array[] = [];
  const msgs: Uint8Array[] = [];
  const sigs: Uint8Array[] = [];
  for (let i = 0; i < ROTATE; i++) {
    const { secretKey, publicKey } = scheme.keygen();
    const msg = new Uint8Array(randomBytes(32));
    sks.push(secretKey);
    pks.push(publicKey);
    msgs.push(msg);
    sigs.push(scheme.sign(msg, secretKey));
    if (!scheme.verify(sigs[i]!, msg, publicKey))
      throw new Error(`${scheme.name} bench: fixture does not verify`);
  }
  return { sks, pks, msgs, sigs };
}

/** A function that runs `op(i)` over the fixture indices in turn. */
function rotating(op: (i: number) => unknown): () => void {
  let i = 0;
  return () => {
    op(i);
    i = (i + 1) & (ROTATE - 1);
  };
}

function rate(fn: () => void, windowMs: number): number {
  let n = 0;
  const start = performance.now();
  let t = 0;
  do {
    fn();
    n++;
    t = performance.now() - start;
  } while (t < windowMs);
  return n / (t / 1000);
}

/** Alternating windows of a and b (order swapped each round): medians and the median per-round ratio a/b. */
function interleaved(a: () => void, b: () => void, rounds = 9, windowMs = 250) {
  const ra: number[] = [];
  const rb: number[] = [];
  const ratios: number[] = [];
  rate(a, 150);
  rate(b, 150);
  for (let r = 0; r < rounds; r++) {
    let x: number;
    let y: number;
    if (r % 2 === 0) {
      x = rate(a, windowMs);
      y = rate(b, windowMs);
    } else {
      y = rate(b, windowMs);
      x = rate(a, windowMs);
    }
    ra.push(x);
    rb.push(y);
    ratios.push(x / y);
  }
  return { a: median(ra), b: median(rb), ratio: median(ratios) };
}

const round = (v: number, digits = 0) => Number(v.toFixed(digits));

export async function run(emit: Emit): Promise<void> {
  const ops = (name: string, fn: () => void, extra: Record<string, unknown> = {}, windowMs = 300) => {
    emit({
      bench: BENCH,
      name,
      value: round(opsPerSecond(fn, { windowMs, windows: 5, warmupMs: 150 })),
      unit: "ops/s",
      ...extra,
    });
  };

  // Ed25519: our verify (input checks + LRU lookup + crypto.verify) against bare crypto.verify.
  const ed = fixture(ed25519);
  const spki = Buffer.from("302a300506032b6570032100", "hex");
  const keyObjects: KeyObject[] = ed.pks.map((pk) =>
    createPublicKey({ key: Buffer.concat([spki, pk]), format: "der", type: "spki" }),
  );
  const ours = rotating((i) => ed25519.verify(ed.sigs[i]!, ed.msgs[i]!, ed.pks[i]!));
  const bare = rotating((i) => nodeVerify(null, ed.msgs[i]!, keyObjects[i]!, ed.sigs[i]!));
  const cmp = interleaved(ours, bare);
  emit({ bench: BENCH, name: "ed25519.verify", value: round(cmp.a), unit: "ops/s", keys: ROTATE });
  emit({ bench: BENCH, name: "ed25519.verify.bare-node", value: round(cmp.b), unit: "ops/s", keys: ROTATE });
  emit({
    bench: BENCH,
    name: "ed25519.verify.ratio",
    value: round(cmp.ratio, 3),
    unit: "ratio",
    target: ED25519_RATIO_TARGET,
    ok: cmp.ratio >= ED25519_RATIO_TARGET,
  });
  ops(
    "ed25519.sign",
    rotating((i) => ed25519.sign(ed.msgs[i]!, ed.sks[i]!)),
  );
  ops(
    "ed25519Portable.verify",
    rotating((i) => ed25519Portable.verify(ed.sigs[i]!, ed.msgs[i]!, ed.pks[i]!)),
  );

  const k1 = fixture(secp256k1);
  ops(
    "secp256k1.verify",
    rotating((i) => secp256k1.verify(k1.sigs[i]!, k1.msgs[i]!, k1.pks[i]!)),
  );
  ops(
    "secp256k1Portable.verify",
    rotating((i) => secp256k1Portable.verify(k1.sigs[i]!, k1.msgs[i]!, k1.pks[i]!)),
  );

  const s2 = fixture(sm2);
  ops(
    "sm2.verify",
    rotating((i) => sm2.verify(s2.sigs[i]!, s2.msgs[i]!, s2.pks[i]!)),
  );
  ops(
    "sm2.sign",
    rotating((i) => sm2.sign(s2.msgs[i]!, s2.sks[i]!)),
  );

  const tx = new Uint8Array(randomBytes(250));
  ops("sha256.250B", () => sha256(tx), { bytes: 250 });
  ops("sha256Portable.250B", () => sha256Portable(tx), { bytes: 250 });
  ops("sm3.250B", () => sm3(tx), { bytes: 250 });
  ops("sm3Portable.250B", () => sm3Portable(tx), { bytes: 250 });

  const recipient = x25519Keygen();
  const plaintext = new Uint8Array(randomBytes(256));
  const sealed = seal(plaintext, recipient.publicKey);
  ops("box.seal.256B", () => seal(plaintext, recipient.publicKey), { bytes: 256 });
  ops("box.open.256B", () => open(sealed, recipient.secretKey), { bytes: 256 });
}
