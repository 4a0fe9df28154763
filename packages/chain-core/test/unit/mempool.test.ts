import { bytesToHex, ed25519, sha256, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  encodeTx,
  type SignedTx,
  signTx,
  type TransferPayload,
  txHash,
  type Validator,
} from "@tandem/ledger";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  Mempool,
  MempoolErrorCode,
  type MempoolOptions,
  type MempoolStateView,
} from "../../src/mempool/index.js";
import { bankModule, StateMachine } from "../../src/state/index.js";
import { MemoryKvStore } from "../../src/store/memory.js";

const CHAIN = "tandem:pool";
const DENOM = "tandem:pool/native:credit";

interface Key {
  sk: Uint8Array;
  addr: Uint8Array;
}

const keyCache = new Map<number, Key>();
function key(n: number): Key {
  let k = keyCache.get(n);
  if (k === undefined) {
    const { secretKey, publicKey } = ed25519.keygen(sha256(utf8ToBytes(`mempool-key-${n}`)));
    k = { sk: secretKey, addr: accountAddress("ed25519", publicKey) };
    keyCache.set(n, k);
  }
  return k;
}

const SINK = new Uint8Array(20).fill(9);

function tx(
  from: Key,
  nonce: number,
  opts: { amount?: bigint; chainId?: string; expiryHeight?: number; memo?: string } = {},
): Uint8Array {
  const signed: SignedTx = signTx<TransferPayload>(
    {
      chainId: opts.chainId ?? CHAIN,
      kind: "transfer",
      nonce,
      expiryHeight: opts.expiryHeight ?? 0,
      payload: { to: SINK, amount: opts.amount ?? 1n, denom: DENOM, memo: opts.memo ?? "" },
    },
    from.sk,
    "ed25519",
  );
  return encodeTx(signed);
}

const hashHex = (b: Uint8Array): string => bytesToHex(txHash(b));

/** The committed state as the mempool sees it: height and next nonces, set by the test. */
class FakeState implements MempoolStateView {
  height = 0;
  readonly nonces = new Map<string, number>();
  kinds: Set<string> | undefined;
  nextNonce(address: Uint8Array): number {
    return this.nonces.get(bytesToHex(address)) ?? 0;
  }
  setNonce(k: Key, n: number): void {
    this.nonces.set(bytesToHex(k.addr), n);
  }
  handlesKind(kind: string): boolean {
    return this.kinds === undefined || this.kinds.has(kind);
  }
}

const pools: Mempool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) {
    p.assertConsistent();
    await p.close();
  }
});

async function pool(
  opts: Partial<MempoolOptions> = {},
  state = new FakeState(),
): Promise<{ mp: Mempool; state: FakeState }> {
  const mp = await Mempool.init({ chainId: CHAIN, verifyWorkers: 0, ...opts }, { state });
  pools.push(mp);
  return { mp, state };
}

async function refusedWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "ADMITTED";
}

const reapNonces = (mp: Mempool, max = 1000, maxBytes?: number): string[] =>
  mp.reap(max, maxBytes).map((r) => `${bytesToHex(r.sender).slice(0, 4)}:${r.nonce}`);
const tag = (k: Key, n: number): string => `${bytesToHex(k.addr).slice(0, 4)}:${n}`;

describe("Mempool entry checks", () => {
  it("admits a valid tx as pending, vouches for its signature and hands it to the proposer", async () => {
    const { mp } = await pool();
    const b = tx(key(1), 0);
    const r = await mp.submit(b);
    expect(r.status).toBe("pending");
    expect(r.hashHex).toBe(hashHex(b));
    expect(mp.verified.has(r.hashHex)).toBe(true);
    expect(mp.size).toBe(1);
    expect(mp.bytes).toBe(b.length);
    expect(mp.reap(10).map((t) => t.bytes)).toEqual([b]);
    expect(mp.size).toBe(1); // reaping does not remove
  });

  it("refuses duplicates, whether already held or in the same batch", async () => {
    const { mp } = await pool();
    const b = tx(key(1), 0);
    await mp.submit(b);
    expect(await refusedWith(mp.submit(b))).toBe(MempoolErrorCode.DUPLICATE);
    const c = tx(key(2), 0);
    const outs = await mp.submitMany([c, c]);
    expect(outs.map((o) => (o.ok ? "OK" : o.code))).toEqual(["OK", MempoolErrorCode.DUPLICATE]);
  });

  it("refuses a bad signature, bad bytes, a tx too large, another chain's tx (B16) and a kind no module runs", async () => {
    const { mp, state } = await pool({ maxTxBytes: 300 });
    const good = tx(key(1), 0);
    const badSig = good.slice();
    badSig[badSig.length - 5] = (badSig[badSig.length - 5] as number) ^ 0x40;
    const outs = await mp.submitMany([
      badSig,
      new Uint8Array([0xde, 0xad]),
      new Uint8Array(0),
      tx(key(2), 0, { memo: "x".repeat(250) }),
      tx(key(3), 0, { chainId: "tandem:elsewhere" }),
    ]);
    expect(outs.map((o) => (o.ok ? "OK" : o.code))).toEqual([
      MempoolErrorCode.BAD_SIGNATURE,
      MempoolErrorCode.MALFORMED,
      MempoolErrorCode.MALFORMED,
      MempoolErrorCode.TOO_LARGE,
      MempoolErrorCode.WRONG_CHAIN,
    ]);
    state.kinds = new Set(["something.else"]);
    expect(await refusedWith(mp.submit(good))).toBe(MempoolErrorCode.UNKNOWN_KIND);
    expect(mp.size).toBe(0);
  });

  it("refuses expired txs; a tx expiring at the next height is accepted and dropped after it", async () => {
    const { mp, state } = await pool();
    state.height = 10;
    mp.update({ height: 10 });
    expect(await refusedWith(mp.submit(tx(key(1), 0, { expiryHeight: 10 })))).toBe(MempoolErrorCode.EXPIRED);
    expect(await refusedWith(mp.submit(tx(key(1), 0, { expiryHeight: 3 })))).toBe(MempoolErrorCode.EXPIRED);
    await mp.submit(tx(key(1), 0, { expiryHeight: 11 }));
    await mp.submit(tx(key(2), 0));
    const r = mp.update({ height: 11 });
    expect(r.expired).toBe(1);
    expect(mp.size).toBe(1);
    expect(mp.reap(10)).toHaveLength(1);
  });

  it("refuses replays of committed nonces, nonces far ahead, and a second tx for a held nonce", async () => {
    const { mp, state } = await pool({ maxPerSender: 8 });
    const a = key(1);
    state.setNonce(a, 5);
    const outs = await mp.submitMany([
      tx(a, 4),
      tx(a, 0),
      tx(a, 13),
      tx(a, 12),
      tx(a, 5),
      tx(a, 5, { amount: 2n }),
    ]);
    expect(outs.map((o) => (o.ok ? o.status : o.code))).toEqual([
      MempoolErrorCode.NONCE_TOO_LOW,
      MempoolErrorCode.NONCE_TOO_LOW,
      MempoolErrorCode.NONCE_TOO_HIGH,
      "queued",
      "pending",
      MempoolErrorCode.NONCE_CONFLICT,
    ]);
    expect(await refusedWith(mp.submit(tx(a, 12, { amount: 3n })))).toBe(MempoolErrorCode.NONCE_CONFLICT);
  });

  it("refuses everything once closed", async () => {
    const { mp } = await pool();
    await mp.close();
    expect(await refusedWith(mp.submit(tx(key(1), 0)))).toBe(MempoolErrorCode.CLOSED);
  });

  it("rejects unusable options", async () => {
    for (const bad of [{ maxTxs: 0 }, { maxPerSender: -1 }, { verifyWorkers: 99 }, { chainId: "nope" }]) {
      await expect(
        Mempool.init({ chainId: CHAIN, ...bad }, { state: new FakeState() }),
      ).rejects.toMatchObject({
        code: "OPTIONS_INVALID",
      });
    }
  });
});

describe("Mempool nonce ordering", () => {
  it("queues a nonce gap and promotes it when the gap is filled", async () => {
    const { mp } = await pool();
    const a = key(1);
    expect((await mp.submit(tx(a, 2))).status).toBe("queued");
    expect((await mp.submit(tx(a, 3))).status).toBe("queued");
    expect(mp.reap(10)).toEqual([]);
    expect((await mp.submit(tx(a, 0))).status).toBe("pending");
    expect(reapNonces(mp)).toEqual([tag(a, 0)]);
    expect(mp.senderInfo(a.addr)).toEqual({ committedNonce: 0, pending: 1, queued: 2 });
    expect((await mp.submit(tx(a, 1))).status).toBe("pending");
    expect(reapNonces(mp)).toEqual([tag(a, 0), tag(a, 1), tag(a, 2), tag(a, 3)]);
    expect(mp.pendingCount).toBe(4);
    expect(mp.queuedCount).toBe(0);
  });

  it("bounds a flood from one sender, and the gapped txs of one sender, without hurting others", async () => {
    const { mp } = await pool({ maxPerSender: 8, maxQueuedPerSender: 3 });
    const flooder = key(1);
    const outs = await mp.submitMany(Array.from({ length: 20 }, (_, n) => tx(flooder, n)));
    expect(outs.filter((o) => o.ok)).toHaveLength(8);
    expect(outs.slice(8).every((o) => !o.ok && o.code === MempoolErrorCode.SENDER_LIMIT)).toBe(true);
    expect(await refusedWith(mp.submit(tx(flooder, 7, { amount: 9n })))).toBe(
      MempoolErrorCode.NONCE_CONFLICT,
    );
    const gapper = key(2);
    const gapped = await mp.submitMany([tx(gapper, 1), tx(gapper, 2), tx(gapper, 3), tx(gapper, 4)]);
    expect(gapped.map((o) => (o.ok ? o.status : o.code))).toEqual([
      "queued",
      "queued",
      "queued",
      MempoolErrorCode.SENDER_LIMIT,
    ]);
    expect((await mp.submit(tx(key(3), 0))).status).toBe("pending");
    // A sender at its limit is refused even for its next executable nonce; a lone nonce far ahead is too high.
    const { mp: small } = await pool({ maxPerSender: 2 });
    await small.submitMany([tx(flooder, 0), tx(flooder, 1)]);
    expect(await refusedWith(small.submit(tx(flooder, 2)))).toBe(MempoolErrorCode.SENDER_LIMIT);
    expect(await refusedWith(small.submit(tx(key(4), 2)))).toBe(MempoolErrorCode.NONCE_TOO_HIGH);
  });

  it("counts in-flight submissions against the sender limit", async () => {
    const { mp, state } = await pool({ maxPerSender: 3 });
    const a = key(1);
    state.setNonce(a, 0);
    const first = mp.submit(tx(a, 0));
    const second = mp.submit(tx(a, 1));
    const third = mp.submit(tx(a, 2));
    await Promise.all([first, second, third]);
    expect(mp.senderInfo(a.addr)?.pending).toBe(3);
  });
});

describe("Mempool limits", () => {
  it("is full at maxTxs and at maxBytes", async () => {
    const { mp } = await pool({ maxTxs: 3 });
    const outs = await mp.submitMany([tx(key(1), 0), tx(key(2), 0), tx(key(3), 0), tx(key(4), 0)]);
    expect(outs.map((o) => (o.ok ? "OK" : o.code))).toEqual(["OK", "OK", "OK", MempoolErrorCode.FULL]);
    const one = tx(key(1), 0);
    const { mp: byBytes } = await pool({ maxBytes: one.length * 2 + 10 });
    const b = await byBytes.submitMany([tx(key(1), 0), tx(key(2), 0), tx(key(3), 0)]);
    expect(b.map((o) => (o.ok ? "OK" : o.code))).toEqual(["OK", "OK", MempoolErrorCode.FULL]);
  });

  it("lets an executable tx evict the oldest queued tx when full, never the other way round", async () => {
    const { mp } = await pool({ maxTxs: 3 });
    const [a, b, c, d] = [key(1), key(2), key(3), key(4)];
    await mp.submit(tx(a, 5)); // queued: oldest
    await mp.submit(tx(b, 5)); // queued
    await mp.submit(tx(c, 0)); // pending
    expect(await refusedWith(mp.submit(tx(d, 9)))).toBe(MempoolErrorCode.FULL); // another gapped tx: no
    const r = await mp.submit(tx(d, 0));
    expect(r.status).toBe("pending");
    expect(mp.size).toBe(3);
    expect(mp.has(hashHex(tx(a, 5)))).toBe(false);
    expect(mp.has(hashHex(tx(b, 5)))).toBe(true);
  });
});

describe("Mempool.reap()", () => {
  it("takes senders round-robin in arrival order, each in nonce order", async () => {
    const { mp } = await pool();
    const [a, b, c] = [key(1), key(2), key(3)];
    await mp.submitMany([0, 1, 2, 3, 4].map((n) => tx(a, n)));
    await mp.submitMany([tx(b, 0), tx(b, 1)]);
    await mp.submit(tx(c, 0));
    expect(reapNonces(mp)).toEqual([
      tag(a, 0),
      tag(b, 0),
      tag(c, 0),
      tag(a, 1),
      tag(b, 1),
      tag(a, 2),
      tag(a, 3),
      tag(a, 4),
    ]);
    expect(reapNonces(mp, 4)).toEqual([tag(a, 0), tag(b, 0), tag(c, 0), tag(a, 1)]);
    const size = tx(a, 0).length;
    // Room for 3 txs: a sender whose next tx does not fit is done, the others go on.
    expect(reapNonces(mp, 100, size * 3 + 1)).toHaveLength(3);
    expect(mp.reap(0)).toEqual([]);
  });

  it("is deterministic: two pools fed the same way reap the same txs in the same order", async () => {
    const feed = async (mp: Mempool): Promise<void> => {
      for (let n = 0; n < 3; n++) await mp.submitMany([tx(key(5), n), tx(key(6), 2 - n), tx(key(7), n)]);
    };
    const { mp: p1 } = await pool();
    const { mp: p2 } = await pool();
    await feed(p1);
    await feed(p2);
    expect(p1.reap(100).map((r) => r.hashHex)).toEqual(p2.reap(100).map((r) => r.hashHex));
  });
});

describe("Mempool.update()", () => {
  it("drops included and stale txs, keeps the rest, and re-promotes gap-filled txs", async () => {
    const { mp, state } = await pool();
    const [a, b, c] = [key(1), key(2), key(3)];
    const a0 = tx(a, 0);
    const a1 = tx(a, 1);
    await mp.submitMany([a0, a1, tx(a, 2), tx(b, 0), tx(c, 1), tx(c, 2)]);
    expect(mp.senderInfo(c.addr)).toMatchObject({ pending: 0, queued: 2 });
    // Block 1 includes a0 and a1, and c's nonce 0 from another node (a tx this pool never saw).
    const c0elsewhere = tx(c, 0, { amount: 77n });
    state.height = 1;
    state.setNonce(a, 2);
    state.setNonce(c, 1);
    const r = mp.update({ height: 1, txs: [a0, a1, c0elsewhere] });
    expect(r).toMatchObject({ committed: 2, promoted: 2 });
    expect(mp.has(hashHex(a0))).toBe(false);
    expect(reapNonces(mp)).toEqual([tag(a, 2), tag(b, 0), tag(c, 1), tag(c, 2)]);
    // b's nonce 0 was taken by a different tx elsewhere: recheckAll finds the stale one.
    state.setNonce(b, 1);
    expect(mp.update({ height: 2, recheckAll: true }).committed).toBe(1);
    expect(mp.senderInfo(b.addr)).toBeUndefined();
    // Replaying an included tx is now too low.
    expect(await refusedWith(mp.submit(a0))).toBe(MempoolErrorCode.NONCE_TOO_LOW);
  });

  it("demotes the txs behind an expired one until the nonce is supplied again", async () => {
    const { mp, state } = await pool();
    const a = key(1);
    await mp.submitMany([tx(a, 0), tx(a, 1, { expiryHeight: 1 }), tx(a, 2)]);
    expect(reapNonces(mp)).toEqual([tag(a, 0), tag(a, 1), tag(a, 2)]);
    state.height = 1;
    // Block 1 contained only a's nonce 0.
    state.setNonce(a, 1);
    const r = mp.update({ height: 1, txs: [tx(a, 0)] });
    expect(r).toMatchObject({ committed: 1, expired: 1, demoted: 1 });
    expect(reapNonces(mp)).toEqual([]);
    expect(mp.senderInfo(a.addr)).toMatchObject({ committedNonce: 1, pending: 0, queued: 1 });
    expect((await mp.submit(tx(a, 1))).status).toBe("pending");
    expect(reapNonces(mp)).toEqual([tag(a, 1), tag(a, 2)]);
  });

  it("refuses a height that goes backwards", async () => {
    const { mp } = await pool();
    mp.update({ height: 3 });
    expect(() => mp.update({ height: 2 })).toThrow(RangeError);
  });

  it("keeps its bookkeeping consistent under random submissions and blocks", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({
              op: fc.constant("submit" as const),
              who: fc.integer({ min: 0, max: 3 }),
              nonce: fc.integer({ min: 0, max: 9 }),
            }),
            fc.record({ op: fc.constant("block" as const), take: fc.integer({ min: 0, max: 5 }) }),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          const state = new FakeState();
          const mp = await Mempool.init(
            { chainId: CHAIN, verifyWorkers: 0, maxTxs: 12, maxPerSender: 5, maxQueuedPerSender: 2 },
            { state },
          );
          for (const o of ops) {
            if (o.op === "submit") {
              const k = key(10 + o.who);
              await mp.submitMany([tx(k, state.nextNonce(k.addr) + o.nonce)]);
            } else {
              // Commit the first `take` reaped txs: each sender's nonce advances past its included txs.
              const reaped = mp.reap(o.take);
              for (const r of reaped) state.nonces.set(bytesToHex(r.sender), r.nonce + 1);
              state.height++;
              mp.update({ height: state.height, txs: reaped.map((r) => r.bytes) });
              for (const r of reaped) expect(mp.has(r.hashHex)).toBe(false);
            }
            mp.assertConsistent();
            expect(mp.size).toBeLessThanOrEqual(12);
            for (const r of mp.reap(100)) expect(r.nonce).toBeGreaterThanOrEqual(state.nextNonce(r.sender));
          }
          await mp.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("Mempool with the state machine", () => {
  it("feeds blocks whose txs execute without re-verifying, then empties itself", async () => {
    const store = MemoryKvStore.open();
    const sm = await StateMachine.init({ chainId: CHAIN }, { store, stateModules: [bankModule()] });
    const senders = [key(1), key(2), key(3)];
    const validators: Validator[] = [
      { address: key(99).addr, publicKey: new Uint8Array(48).fill(1), power: 1n },
    ];
    await sm.commit(
      sm.initGenesis({
        chainId: CHAIN,
        validators,
        balances: senders.map((k) => ({ address: k.addr, denom: DENOM, amount: 100n })),
      }),
    );
    const mp = await Mempool.init({ chainId: CHAIN, verifyWorkers: 0 }, { state: sm });
    pools.push(mp);
    const outs = await mp.submitMany(senders.flatMap((k) => [tx(k, 0), tx(k, 1)]));
    expect(outs.every((o) => o.ok)).toBe(true);
    const reaped = mp.reap(4);
    const exec = sm.executeBlock(
      { height: 1, time: 0, proposer: key(99).addr, txs: reaped.map((r) => r.bytes) },
      { preVerified: mp.verified },
    );
    expect(exec.results.map((r) => r.code)).toEqual(["OK", "OK", "OK", "OK"]);
    await sm.commit(exec);
    mp.update({ height: 1, txs: reaped.map((r) => r.bytes) });
    expect(mp.size).toBe(2);
    const rest = mp.reap(10);
    const exec2 = sm.executeBlock(
      { height: 2, time: 0, proposer: key(99).addr, txs: rest.map((r) => r.bytes) },
      { preVerified: mp.verified },
    );
    expect(exec2.results.map((r) => r.code)).toEqual(["OK", "OK"]);
    await sm.commit(exec2);
    mp.update({ height: 2, txs: rest.map((r) => r.bytes) });
    expect(mp.size).toBe(0);
    expect(sm.balance(SINK, DENOM)).toBe(6n);
  });
});
