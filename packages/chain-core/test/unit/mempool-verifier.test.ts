import { createHash } from "node:crypto";
import { bytesToHex, ed25519, hexToBytes, secp256k1, sha256, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  defaultTxKinds,
  encodeTx,
  type SignedTx,
  signTx,
  type TransferPayload,
  txSignBytes,
} from "@tandem/ledger";
import { afterAll, describe, expect, it } from "vitest";
import {
  Ed25519WorkerPool,
  INLINE_SLICE,
  Mempool,
  MempoolErrorCode,
  TxSignatureVerifier,
} from "../../src/mempool/index.js";

const CHAIN = "tandem:verify";
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i] as number);
  return n;
}

interface Case {
  name: string;
  pk: Uint8Array;
  sig: Uint8Array;
  msg: Uint8Array;
}

/** Adversarial ed25519 inputs: every class the validity rule in @tandem/crypto's ed25519.ts names. */
function cases(): Case[] {
  const out: Case[] = [];
  const smallOrder = [
    "0100000000000000000000000000000000000000000000000000000000000000", // identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = p - 1)
    "0000000000000000000000000000000000000000000000000000000000000000", // order 4 (y = 0)
    "0000000000000000000000000000000000000000000000000000000000000080", // y = 0, sign bit set
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8, sign bit
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8 (p - y8)
    "0100000000000000000000000000000000000000000000000000000000000080", // identity, "negative zero"
  ].map((h) => hexToBytes(h));
  const nonCanonical = [
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  ].map((h) => hexToBytes(h));
  for (let i = 0; i < 24; i++) {
    const { secretKey, publicKey } = ed25519.keygen(sha256(utf8ToBytes(`diff-${i}`)));
    const msg = sha256(utf8ToBytes(`msg-${i}`));
    const sig = ed25519.sign(msg, secretKey);
    out.push({ name: `valid ${i}`, pk: publicKey, sig, msg });
    const flip = (b: Uint8Array, at: number): Uint8Array => {
      const c = b.slice();
      c[at] = (c[at] as number) ^ (1 << (i % 8));
      return c;
    };
    out.push({ name: `R bit ${i}`, pk: publicKey, sig: flip(sig, i % 32), msg });
    out.push({ name: `S bit ${i}`, pk: publicKey, sig: flip(sig, 32 + (i % 32)), msg });
    out.push({ name: `msg bit ${i}`, pk: publicKey, sig, msg: flip(msg, i % 32) });
    out.push({ name: `pk bit ${i}`, pk: flip(publicKey, i % 32), sig, msg });
    // S + L: the same point equation, a non-canonical scalar (malleability).
    const s = fromLe(sig.subarray(32));
    const malleated = sig.slice();
    malleated.set(le32(s + L), 32);
    out.push({ name: `S+L ${i}`, pk: publicKey, sig: malleated, msg });
    const bad = smallOrder[i % smallOrder.length] as Uint8Array;
    out.push({ name: `small-order pk ${i}`, pk: bad, sig, msg });
    const smallR = sig.slice();
    smallR.set(bad, 0);
    out.push({ name: `small-order R ${i}`, pk: publicKey, sig: smallR, msg });
    out.push({
      name: `non-canonical pk ${i}`,
      pk: nonCanonical[i % nonCanonical.length] as Uint8Array,
      sig,
      msg,
    });
    out.push({ name: `random pk ${i}`, pk: sha256(utf8ToBytes(`rnd-${i}`)), sig, msg });
  }
  // The forgery OpenSSL alone accepts: A = identity, R = identity, S = 0.
  const identity = smallOrder[0] as Uint8Array;
  const forged = new Uint8Array(64);
  forged.set(identity, 0);
  for (let i = 0; i < 4; i++)
    out.push({ name: `identity forgery ${i}`, pk: identity, sig: forged, msg: sha256(new Uint8Array([i])) });
  // Under A = identity, R = [a]B and S = a mod L satisfy OpenSSL's cofactorless equation for every
  // message: only rule 2 (A not of small order) rejects them.
  for (let i = 0; i < 4; i++) {
    const seed = sha256(utf8ToBytes(`small-order-key-${i}`));
    const h = createHash("sha512").update(seed).digest();
    const a = new Uint8Array(h.subarray(0, 32));
    a[0] = (a[0] as number) & 248;
    a[31] = ((a[31] as number) & 127) | 64;
    const sig = new Uint8Array(64);
    sig.set(ed25519.getPublicKey(seed), 0);
    sig.set(le32(fromLe(a) % L), 32);
    out.push({
      name: `identity key, valid equation ${i}`,
      pk: identity,
      sig,
      msg: sha256(new Uint8Array([i, 1])),
    });
  }
  // R = identity with S = k·a mod L: a valid equation under a normal key; only rule 3 rejects it.
  for (let i = 0; i < 4; i++) {
    const seed = sha256(utf8ToBytes(`identity-r-${i}`));
    const h = createHash("sha512").update(seed).digest();
    const a = new Uint8Array(h.subarray(0, 32));
    a[0] = (a[0] as number) & 248;
    a[31] = ((a[31] as number) & 127) | 64;
    const pk = ed25519.getPublicKey(seed);
    const msg = sha256(new Uint8Array([i, 2]));
    const k =
      fromLe(new Uint8Array(createHash("sha512").update(identity).update(pk).update(msg).digest())) % L;
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    sig.set(le32((k * fromLe(a)) % L), 32);
    out.push({ name: `identity R, valid equation ${i}`, pk, sig, msg });
  }
  out.push({ name: "zero signature", pk: identity, sig: new Uint8Array(64), msg: new Uint8Array(32) });
  out.push({
    name: "0xff signature",
    pk: identity,
    sig: new Uint8Array(64).fill(0xff),
    msg: new Uint8Array(32),
  });
  return out;
}

const toClose: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  for (const c of toClose) await c.close();
});

describe("Ed25519WorkerPool", () => {
  it("decides every adversarial case exactly like @tandem/crypto's ed25519.verify", async () => {
    const pool = Ed25519WorkerPool.start(1);
    toClose.push(pool);
    const all = cases();
    const records = new Uint8Array(all.length * 128);
    all.forEach((c, i) => {
      records.set(c.pk, i * 128);
      records.set(c.sig, i * 128 + 32);
      records.set(c.msg, i * 128 + 96);
    });
    const verdicts = await pool.verify(records, all.length);
    let valid = 0;
    for (const [i, c] of all.entries()) {
      const expected = ed25519.verify(c.sig, c.msg, c.pk);
      if (expected) valid++;
      expect(verdicts[i] === 1, c.name).toBe(expected);
    }
    expect(valid).toBe(24); // only the untouched signatures
  });

  it("splits work over several threads and refuses malformed requests", async () => {
    const pool = Ed25519WorkerPool.start(2);
    toClose.push(pool);
    const all = cases().slice(0, 40);
    const pack = (cs: Case[]): Uint8Array => {
      const r = new Uint8Array(cs.length * 128);
      cs.forEach((c, i) => {
        r.set(c.pk, i * 128);
        r.set(c.sig, i * 128 + 32);
        r.set(c.msg, i * 128 + 96);
      });
      return r;
    };
    const [a, b] = await Promise.all([
      pool.verify(pack(all.slice(0, 20)), 20),
      pool.verify(pack(all.slice(20)), 20),
    ]);
    const joined = [...a, ...b];
    for (const [i, c] of all.entries())
      expect(joined[i] === 1, c.name).toBe(ed25519.verify(c.sig, c.msg, c.pk));
    await expect(pool.verify(new Uint8Array(100), 1)).rejects.toThrow(RangeError);
    expect(() => Ed25519WorkerPool.start(0)).toThrow(RangeError);
  });
});

describe("TxSignatureVerifier", () => {
  function signedTxs(): { txs: SignedTx[]; expected: boolean[] } {
    const txs: SignedTx[] = [];
    const expected: boolean[] = [];
    for (let i = 0; i < 40; i++) {
      const useSecp = i % 10 === 9;
      const scheme = useSecp ? secp256k1 : ed25519;
      const { secretKey } = scheme.keygen(sha256(utf8ToBytes(`v-${i}`)));
      const tx = signTx<TransferPayload>(
        {
          chainId: CHAIN,
          kind: "transfer",
          nonce: i,
          expiryHeight: 0,
          payload: { to: new Uint8Array(20), amount: 1n, denom: "tandem:verify/native:x", memo: "" },
        },
        secretKey,
        useSecp ? "secp256k1" : "ed25519",
      );
      const bad = i % 3 === 0;
      if (bad) {
        const sig = tx.signature.slice();
        sig[7] = (sig[7] as number) ^ 1;
        txs.push({ ...tx, signature: sig });
      } else {
        txs.push(tx);
      }
      expected.push(!bad);
    }
    return { txs, expected };
  }

  it("gives the same verdicts inline and on worker threads, for every scheme", async () => {
    const { txs, expected } = signedTxs();
    const inline = new TxSignatureVerifier({
      hash: sha256,
      registry: defaultTxKinds,
      workers: 0,
      workerBatchMin: 1,
    });
    const pooled = new TxSignatureVerifier({
      hash: sha256,
      registry: defaultTxKinds,
      workers: 2,
      workerBatchMin: 4,
    });
    toClose.push(pooled);
    expect(await inline.verify(txs)).toEqual(expected);
    expect(pooled.workersStarted).toBe(false);
    expect(await pooled.verify(txs)).toEqual(expected);
    expect(pooled.workersStarted).toBe(true);
    // Small batches stay inline.
    const small = new TxSignatureVerifier({
      hash: sha256,
      registry: defaultTxKinds,
      workers: 2,
      workerBatchMin: 64,
    });
    expect(await small.verify(txs.slice(0, 5))).toEqual(expected.slice(0, 5));
    expect(small.workersStarted).toBe(false);
    // The worker checks the ledger's sign bytes.
    expect(txSignBytes(txs[1] as SignedTx)).toHaveLength(32);
  });

  it("verifies a large batch inline in slices, letting other events run between them", async () => {
    const { txs, expected } = signedTxs();
    // 4 × 40 txs: more than two slices.
    const many = [...txs, ...txs, ...txs, ...txs];
    const want = [...expected, ...expected, ...expected, ...expected];
    expect(many.length).toBeGreaterThan(2 * INLINE_SLICE);
    const inline = new TxSignatureVerifier({
      hash: sha256,
      registry: defaultTxKinds,
      workers: 0,
      workerBatchMin: 1,
    });
    const order: string[] = [];
    setImmediate(() => order.push("other event"));
    const verdicts = inline.verify(many).then((v) => {
      order.push("verdicts");
      return v;
    });
    expect(await verdicts).toEqual(want);
    expect(order).toEqual(["other event", "verdicts"]);
    // A batch within one slice is verified without yielding.
    let yielded = false;
    setImmediate(() => {
      yielded = true;
    });
    const one = inline.verify(txs);
    await Promise.resolve();
    await Promise.resolve();
    expect(yielded).toBe(false);
    expect(await one).toEqual(expected);
  });

  it("admits through the worker pool exactly the txs whose signatures verify", async () => {
    const { txs, expected } = signedTxs();
    // Every tx has its own sender; the state says each sender's next nonce is its tx's nonce.
    const next = new Map(txs.map((t) => [bytesToHex(accountAddress(t.scheme, t.sender)), t.nonce]));
    const mp = await Mempool.init(
      { chainId: CHAIN, verifyWorkers: 2, workerBatchMin: 8 },
      { state: { height: 0, nextNonce: (a) => next.get(bytesToHex(a)) ?? 0 } },
    );
    toClose.push(mp);
    const outs = await mp.submitMany(txs.map((t) => encodeTx(t)));
    expect(outs.map((o) => (o.ok ? o.status : o.code))).toEqual(
      expected.map((ok) => (ok ? "pending" : MempoolErrorCode.BAD_SIGNATURE)),
    );
    expect(mp.workersStarted).toBe(true);
    mp.assertConsistent();
  });
});
