/**
 * Source of the ed25519 verification worker (started with `eval: true`, so it needs no build step and no
 * loader in tests, and nothing but node:crypto inside the thread).
 *
 * It decides validity EXACTLY like `@tandem/crypto`'s `ed25519.verify` (the fast path in ed25519.ts):
 *   1. S < L;  2./3. A and R are canonical encodings and not of small order (byte checks);
 *   4. OpenSSL's cofactorless verify on the JWK-imported key.
 * The functions below are transcriptions of `isCanonicalScalar` and `isCanonicalPointNotSmallOrder`;
 * test/unit/mempool-verifier.test.ts checks the worker against `ed25519.verify` on every adversarial
 * class (S ≥ L, small-order and non-canonical keys and R, wrong messages, bit flips). A verdict that
 * differed would let two nodes disagree on a tx, so keep them in step with ed25519.ts.
 *
 * Protocol: the parent posts `{ id, buf, n }` where `buf` (transferred) holds n records of
 * publicKey 32 ‖ signature 64 ‖ message 32; the worker answers `{ id, out }` with one byte per record
 * (1 = valid), transferred back.
 */
export const ED25519_WORKER_SOURCE = `
"use strict";
const { parentPort } = require("node:worker_threads");
const { createPublicKey, verify } = require("node:crypto");

const L_LE = Buffer.from("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", "hex");
const Y8_LE = Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex");
const Y8_NEG_LE = Buffer.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "hex");

function isCanonicalScalar(b, off) {
  const top = b[off + 31];
  if (top < 0x10) return true;
  if (top > 0x10) return false;
  for (let i = 30; i >= 0; i--) {
    const d = b[off + i] - L_LE[i];
    if (d !== 0) return d < 0;
  }
  return false;
}

function equalsMasked(b, off, ref) {
  for (let i = 0; i < 31; i++) if (b[off + i] !== ref[i]) return false;
  return (b[off + 31] & 0x7f) === ref[31];
}

function isCanonicalPointNotSmallOrder(b, off) {
  const top = b[off + 31] & 0x7f;
  if (top === 0x7f) {
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0xff) return true;
    return b[off] < 0xec;
  }
  if (top === 0x00) {
    for (let i = 1; i < 31; i++) if (b[off + i] !== 0) return true;
    return b[off] > 1;
  }
  if (top === 0x7a) return !equalsMasked(b, off, Y8_LE);
  if (top === 0x05) return !equalsMasked(b, off, Y8_NEG_LE);
  return true;
}

const CAPACITY = 4096;
const keys = new Map();

function keyOf(pk) {
  const id = pk.toString("latin1");
  const hit = keys.get(id);
  if (hit !== undefined) return hit;
  let key = null;
  if (isCanonicalPointNotSmallOrder(pk, 0)) {
    try {
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: pk.toString("base64url") }, format: "jwk" });
    } catch {
      key = null;
    }
  }
  if (keys.size >= CAPACITY) keys.delete(keys.keys().next().value);
  keys.set(id, key);
  return key;
}

parentPort.on("message", (msg) => {
  const n = msg.n;
  const b = Buffer.from(msg.buf);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * 128;
    const sig = b.subarray(o + 32, o + 96);
    if (!isCanonicalScalar(sig, 32) || !isCanonicalPointNotSmallOrder(sig, 0)) continue;
    const key = keyOf(b.subarray(o, o + 32));
    if (key === null) continue;
    try {
      out[i] = verify(null, b.subarray(o + 96, o + 128), key, sig) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id: msg.id, out }, [out.buffer]);
});
`;
