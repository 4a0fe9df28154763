import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex, ed25519, sha256, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  decodeSmtProof,
  encodeTx,
  isLedgerError,
  LedgerErrorCode,
  registerTxKind,
  resultsRoot,
  type SignedTx,
  signTx,
  type TransferPayload,
  txHash,
  type Validator,
} from "@tandem/ledger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountKey,
  type BlockExecution,
  balanceKey,
  bankModule,
  denomKey,
  encodeBlockResults,
  StateMachine,
  type StateModule,
  TxErrorCode,
  txError,
  verifyStateProof,
} from "../../src/state/index.js";
import type { KvStore, WriteBatch } from "../../src/store/interface.js";
import { LmdbKvStore } from "../../src/store/lmdb.js";
import { MemoryKvStore } from "../../src/store/memory.js";

const CHAIN = "tandem:test";
const CREDIT = "tandem:test/native:credit";
const GOLD = "tandem:test/native:gold";
const PROPOSER = new Uint8Array(20).fill(0xee);

interface Key {
  sk: Uint8Array;
  pk: Uint8Array;
  addr: Uint8Array;
}

function key(n: number): Key {
  const { secretKey, publicKey } = ed25519.keygen(sha256(utf8ToBytes(`state-test-key-${n}`)));
  return { sk: secretKey, pk: publicKey, addr: accountAddress("ed25519", publicKey) };
}

const alice = key(1);
const bob = key(2);
const carol = key(3);

function validators(n = 1): Validator[] {
  return Array.from({ length: n }, (_, i) => ({
    address: key(100 + i).addr,
    publicKey: new Uint8Array(48).fill(i + 1),
    power: 10n,
  }));
}

function transfer(
  from: Key,
  nonce: number,
  to: Uint8Array,
  amount: bigint,
  opts: { denom?: string; chainId?: string; expiryHeight?: number; memo?: string } = {},
): SignedTx<TransferPayload> {
  return signTx<TransferPayload>(
    {
      chainId: opts.chainId ?? CHAIN,
      kind: "transfer",
      nonce,
      expiryHeight: opts.expiryHeight ?? 0,
      payload: { to, amount, denom: opts.denom ?? CREDIT, memo: opts.memo ?? "" },
    },
    from.sk,
    "ed25519",
  );
}

const bytesOf = (tx: SignedTx): Uint8Array => encodeTx(tx);

async function setup(
  opts: { modules?: StateModule[]; store?: KvStore; balances?: Array<[Key, bigint, string?]> } = {},
): Promise<StateMachine> {
  const store = opts.store ?? MemoryKvStore.open();
  const sm = await StateMachine.init(
    { chainId: CHAIN },
    { store, stateModules: opts.modules ?? [bankModule()] },
  );
  const g = sm.initGenesis({
    chainId: CHAIN,
    validators: validators(),
    denoms: [GOLD],
    balances: (
      opts.balances ?? [
        [alice, 1000n],
        [bob, 50n],
      ]
    ).map(([k, amount, denom]) => ({ address: k.addr, amount, denom: denom ?? CREDIT })),
  });
  await sm.commit(g);
  return sm;
}

async function run(sm: StateMachine, txs: Uint8Array[], preVerified?: Set<string>): Promise<BlockExecution> {
  const exec = sm.executeBlock(
    { height: sm.height + 1, time: 1_700_000_000_000 + sm.height, proposer: PROPOSER, txs },
    preVerified === undefined ? {} : { preVerified },
  );
  await sm.commit(exec);
  return exec;
}

const codes = (exec: BlockExecution): string[] => exec.results.map((r) => r.code);

function batchBytes(b: WriteBatch): string {
  const parts: string[] = [];
  for (const [k, v] of b.put ?? []) parts.push(`P${bytesToHex(k)}=${bytesToHex(v)}`);
  for (const k of b.del ?? []) parts.push(`D${bytesToHex(k)}`);
  return parts.join(";");
}

describe("StateMachine transfers", () => {
  it("moves the amount, consumes the nonce and emits a transfer event", async () => {
    const sm = await setup();
    const exec = await run(sm, [bytesOf(transfer(alice, 0, bob.addr, 300n))]);
    expect(codes(exec)).toEqual(["OK"]);
    expect(sm.balance(alice.addr, CREDIT)).toBe(700n);
    expect(sm.balance(bob.addr, CREDIT)).toBe(350n);
    expect(sm.supply(CREDIT)).toBe(1050n);
    expect(sm.nextNonce(alice.addr)).toBe(1);
    expect(sm.nextNonce(bob.addr)).toBe(0);
    const r = exec.results[0]!;
    expect(r.gasUsed).toBeGreaterThan(0);
    expect(r.events).toEqual([
      {
        type: "transfer",
        attributes: [
          ["sender", bytesToHex(alice.addr)],
          ["recipient", bytesToHex(bob.addr)],
          ["denom", CREDIT],
          ["amount", "300"],
        ],
      },
    ]);
    expect(r.hash).toEqual(txHash(bytesOf(transfer(alice, 0, bob.addr, 300n))));
    expect(sm.stateRoot).toEqual(exec.stateRoot);
    expect(sm.height).toBe(1);
  });

  it("creates the recipient's balance and deletes a balance that reaches zero", async () => {
    const sm = await setup();
    await run(sm, [bytesOf(transfer(bob, 0, carol.addr, 50n))]);
    expect(sm.balance(bob.addr, CREDIT)).toBe(0n);
    expect(sm.get(balanceKey(bob.addr, CREDIT))).toBeUndefined();
    expect(sm.balance(carol.addr, CREDIT)).toBe(50n);
  });

  it("fails with TX_INSUFFICIENT_FUNDS, leaves balances untouched and still consumes the nonce", async () => {
    const sm = await setup();
    const exec = await run(sm, [bytesOf(transfer(bob, 0, alice.addr, 51n))]);
    expect(codes(exec)).toEqual([TxErrorCode.INSUFFICIENT_FUNDS]);
    expect(exec.results[0]!.events).toEqual([]);
    expect(sm.balance(bob.addr, CREDIT)).toBe(50n);
    expect(sm.balance(alice.addr, CREDIT)).toBe(1000n);
    expect(sm.nextNonce(bob.addr)).toBe(1);
    const next = await run(sm, [bytesOf(transfer(bob, 1, alice.addr, 50n))]);
    expect(codes(next)).toEqual(["OK"]);
    expect(sm.balance(alice.addr, CREDIT)).toBe(1050n);
  });

  it("treats a self-transfer as a balance check: nothing moves, nonce advances", async () => {
    const sm = await setup();
    const rootBefore = sm.stateRoot;
    const ok = await run(sm, [bytesOf(transfer(alice, 0, alice.addr, 1000n))]);
    expect(codes(ok)).toEqual(["OK"]);
    expect(sm.balance(alice.addr, CREDIT)).toBe(1000n);
    expect(sm.nextNonce(alice.addr)).toBe(1);
    expect(ok.stateRoot).not.toEqual(rootBefore); // the nonce changed
    const tooMuch = await run(sm, [bytesOf(transfer(alice, 1, alice.addr, 1001n))]);
    expect(codes(tooMuch)).toEqual([TxErrorCode.INSUFFICIENT_FUNDS]);
    expect(sm.balance(alice.addr, CREDIT)).toBe(1000n);
  });

  it("cannot even encode a zero or negative amount, and a zero amount on the wire is TX_MALFORMED", async () => {
    for (const amount of [0n, -1n]) {
      let err: unknown;
      try {
        transfer(alice, 0, bob.addr, amount);
      } catch (e) {
        err = e;
      }
      expect(isLedgerError(err, LedgerErrorCode.ENCODE_INVALID_VALUE), `amount ${amount}`).toBe(true);
    }
    // Patch the u128 amount of a valid encoding to 0: the bytes differ from amount 1 only in its last byte.
    const one = bytesOf(transfer(alice, 0, bob.addr, 1n));
    const two = bytesOf(transfer(alice, 0, bob.addr, 2n));
    const at = one.findIndex((b, i) => b !== two[i]);
    const zero = one.slice();
    zero[at] = 0;
    const sm = await setup();
    const exec = await run(sm, [zero]);
    expect(codes(exec)).toEqual([TxErrorCode.MALFORMED]);
    expect(sm.nextNonce(alice.addr)).toBe(0);
  });

  it("refuses a denom the chain never issued with TX_UNKNOWN_DENOM; an issued denom without balance is insufficient funds", async () => {
    const sm = await setup();
    const exec = await run(sm, [
      bytesOf(transfer(alice, 0, bob.addr, 1n, { denom: "tandem:test/native:ghost" })),
      bytesOf(transfer(alice, 1, bob.addr, 1n, { denom: GOLD })),
    ]);
    expect(codes(exec)).toEqual([TxErrorCode.UNKNOWN_DENOM, TxErrorCode.INSUFFICIENT_FUNDS]);
    expect(sm.supply("tandem:test/native:ghost")).toBeUndefined();
    expect(sm.supply(GOLD)).toBe(0n);
    expect(() => transfer(alice, 0, bob.addr, 1n, { denom: "ETH" })).toThrow(/denom/);
  });

  it("enforces the nonce rule: replays are TX_NONCE_TOO_LOW, gaps TX_NONCE_TOO_HIGH, in and across blocks", async () => {
    const sm = await setup();
    const t0 = bytesOf(transfer(alice, 0, bob.addr, 1n));
    const t2 = bytesOf(transfer(alice, 2, bob.addr, 1n));
    const first = await run(sm, [t0, t0, t2]);
    expect(codes(first)).toEqual(["OK", TxErrorCode.NONCE_TOO_LOW, TxErrorCode.NONCE_TOO_HIGH]);
    const replay = await run(sm, [t0]);
    expect(codes(replay)).toEqual([TxErrorCode.NONCE_TOO_LOW]);
    const t1 = bytesOf(transfer(alice, 1, bob.addr, 1n));
    const filled = await run(sm, [t1, t2]);
    expect(codes(filled)).toEqual(["OK", "OK"]);
    expect(sm.nextNonce(alice.addr)).toBe(3);
    expect(sm.balance(bob.addr, CREDIT)).toBe(53n);
  });

  it("refuses a tx signed for another chain (B16) and an expired tx; expiry 0 never expires", async () => {
    const sm = await setup();
    await run(sm, []);
    await run(sm, []); // height 2 committed; the next block is height 3
    const exec = await run(sm, [
      bytesOf(transfer(alice, 0, bob.addr, 1n, { chainId: "tandem:other" })),
      bytesOf(transfer(alice, 0, bob.addr, 1n, { expiryHeight: 2 })),
      bytesOf(transfer(alice, 0, bob.addr, 1n, { expiryHeight: 3 })),
      bytesOf(transfer(alice, 1, bob.addr, 1n, { expiryHeight: 0 })),
    ]);
    expect(codes(exec)).toEqual([TxErrorCode.WRONG_CHAIN, TxErrorCode.EXPIRED, "OK", "OK"]);
  });

  it("verifies signatures unless the mempool vouches for the tx hash", async () => {
    const good = bytesOf(transfer(alice, 0, bob.addr, 5n));
    const forged = good.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    const sm = await setup();
    const exec = await run(sm, [forged, good]);
    expect(codes(exec)).toEqual([TxErrorCode.BAD_SIGNATURE, "OK"]);
    expect(sm.nextNonce(alice.addr)).toBe(1);
    // The hint is trusted as given: only hashes this node's mempool verified may be in it.
    const sm2 = await setup();
    const vouched = await run(sm2, [forged], new Set([bytesToHex(txHash(forged))]));
    expect(codes(vouched)).toEqual(["OK"]);
    const notVouched = await run(
      sm2,
      [bytesOf(transfer(alice, 1, bob.addr, 1n)).map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b))],
      new Set([bytesToHex(txHash(forged))]),
    );
    expect(codes(notVouched)).toEqual([TxErrorCode.BAD_SIGNATURE]);
  });

  it("records garbage bytes as TX_MALFORMED and a kind without a module as TX_UNKNOWN_KIND", async () => {
    const sm = await setup();
    const orphan = registerTxKind<{ n: number }>({
      kind: "test.orphan",
      id: 0xfe01,
      codec: { encode: (w, p) => void w.u32(p.n), decode: (r) => ({ n: r.u32("n") }) },
    });
    const orphanTx = signTx(
      { chainId: CHAIN, kind: orphan.kind, nonce: 0, expiryHeight: 0, payload: { n: 1 } },
      alice.sk,
      "ed25519",
    );
    const exec = await run(sm, [
      new Uint8Array([1, 2, 3]),
      bytesOf(orphanTx),
      bytesOf(transfer(alice, 0, bob.addr, 1n)),
    ]);
    expect(codes(exec)).toEqual([TxErrorCode.MALFORMED, TxErrorCode.UNKNOWN_KIND, "OK"]);
    expect(exec.results[0]!.log).toBeTypeOf("string");
  });
});

// A module whose txs write state, emit, then fail (or not) as the payload says.
interface ScribblePayload {
  fail: number;
  tag: number;
}
const SCRIBBLE_KIND = registerTxKind<ScribblePayload>({
  kind: "test.scribble",
  id: 0xfe02,
  codec: {
    encode: (w, p) => void w.u8(p.fail).u8(p.tag),
    decode: (r) => ({ fail: r.u8("fail"), tag: r.u8("tag") }),
  },
});
const scribbleKey = (tag: number): Uint8Array => utf8ToBytes(`scribble/${tag}`);
const scribbleModule: StateModule = {
  name: "scribble",
  kinds: [SCRIBBLE_KIND],
  execute(ctx, tx) {
    const p = tx.payload as ScribblePayload;
    ctx.state.set(scribbleKey(p.tag), new Uint8Array([p.tag]));
    ctx.bank.transfer(ctx.sender, carol.addr, CREDIT, 7n);
    ctx.emit("scribbled", [["tag", String(p.tag)]]);
    if (p.fail === 1) throw txError("TEST_REFUSED", "refused after writing");
    if (p.fail === 2) throw new TypeError("a bug");
    return new Uint8Array([p.tag, 42]);
  },
};

function scribble(from: Key, nonce: number, fail: number, tag: number): Uint8Array {
  return bytesOf(
    signTx(
      { chainId: CHAIN, kind: SCRIBBLE_KIND.kind, nonce, expiryHeight: 0, payload: { fail, tag } },
      from.sk,
      "ed25519",
    ),
  );
}

describe("StateMachine committed-nonce cache", () => {
  it("answers the committed nonce before, during and after each commit, and after a failed write", async () => {
    const inner = MemoryKvStore.open();
    let failWrites = false;
    let gate: Promise<void> | undefined;
    const store: KvStore = {
      get: (k) => inner.get(k),
      getRange: (r) => inner.getRange(r),
      async write(b) {
        await gate;
        if (failWrites) throw new Error("disk full");
        await inner.write(b);
      },
      close: () => inner.close(),
    };
    const sm = await setup({ store });
    // Cached before the block (a read fills the cache).
    expect(sm.nextNonce(alice.addr)).toBe(0);
    const exec = sm.executeBlock({
      height: 1,
      time: 1,
      proposer: PROPOSER,
      txs: [bytesOf(transfer(alice, 0, bob.addr, 1n)), bytesOf(transfer(alice, 1, bob.addr, 1n))],
    });
    // Executed, not committed: still the committed nonce, also while the write is in flight.
    expect(sm.nextNonce(alice.addr)).toBe(0);
    let open!: () => void;
    gate = new Promise((r) => {
      open = r;
    });
    const committing = sm.commit(exec);
    expect(sm.nextNonce(alice.addr)).toBe(0);
    open();
    await committing;
    expect(sm.nextNonce(alice.addr)).toBe(2);
    expect(sm.nextNonce(bob.addr)).toBe(0);
    // A write that fails commits nothing and leaves no stale entry.
    gate = undefined;
    failWrites = true;
    const next = sm.executeBlock({
      height: 2,
      time: 2,
      proposer: PROPOSER,
      txs: [bytesOf(transfer(alice, 2, bob.addr, 1n))],
    });
    await expect(sm.commit(next)).rejects.toThrow("disk full");
    expect(sm.nextNonce(alice.addr)).toBe(2);
    failWrites = false;
    await sm.commit(
      sm.executeBlock({
        height: 2,
        time: 2,
        proposer: PROPOSER,
        txs: [bytesOf(transfer(alice, 2, bob.addr, 1n))],
      }),
    );
    expect(sm.nextNonce(alice.addr)).toBe(3);
    // A fresh machine over the same store reads the same nonces.
    const again = await StateMachine.init({ chainId: CHAIN }, { store, stateModules: [bankModule()] });
    expect(again.nextNonce(alice.addr)).toBe(3);
  });
});

describe("StateMachine rollback of failed txs", () => {
  it("keeps executing after a failing tx and leaves none of its writes, transfers or events", async () => {
    const sm = await setup({ modules: [bankModule(), scribbleModule] });
    const exec = await run(sm, [
      scribble(alice, 0, 0, 1),
      scribble(alice, 1, 1, 2),
      scribble(bob, 0, 2, 3),
      scribble(alice, 2, 0, 4),
    ]);
    expect(codes(exec)).toEqual(["OK", "TEST_REFUSED", TxErrorCode.INTERNAL, "OK"]);
    expect(exec.results.map((r) => r.events.length)).toEqual([1, 0, 0, 1]);
    expect(exec.results[0]!.data).toEqual(new Uint8Array([1, 42]));
    expect(exec.results[1]!.data).toEqual(new Uint8Array());
    expect(sm.get(scribbleKey(1))).toEqual(new Uint8Array([1]));
    expect(sm.get(scribbleKey(2))).toBeUndefined();
    expect(sm.get(scribbleKey(3))).toBeUndefined();
    expect(sm.get(scribbleKey(4))).toEqual(new Uint8Array([4]));
    expect(sm.balance(carol.addr, CREDIT)).toBe(14n);
    expect(sm.balance(alice.addr, CREDIT)).toBe(986n);
    expect(sm.balance(bob.addr, CREDIT)).toBe(50n);
    expect(sm.nextNonce(alice.addr)).toBe(3);
    expect(sm.nextNonce(bob.addr)).toBe(1);
    // The results root commits to the codes: the failed tx is visible to light clients.
    expect(exec.resultsRoot).toEqual(resultsRoot(exec.results));
    expect(sm.blockResults(1)?.results.map((r) => r.code)).toEqual(codes(exec));
  });

  it("gives the same root as a block whose failed tx never wrote anything", async () => {
    const a = await setup({ modules: [bankModule(), scribbleModule] });
    const b = await setup({ modules: [bankModule(), scribbleModule] });
    // Both blocks only consume alice's nonce 0: the scribble wrote and transferred before failing.
    const scribbled = await run(a, [scribble(alice, 0, 1, 9)]);
    const refused = await run(b, [bytesOf(transfer(alice, 0, bob.addr, 1_000_000n))]);
    expect(codes(scribbled)).toEqual(["TEST_REFUSED"]);
    expect(codes(refused)).toEqual([TxErrorCode.INSUFFICIENT_FUNDS]);
    expect(scribbled.stateRoot).toEqual(refused.stateRoot);
  });
});

describe("StateMachine determinism", () => {
  it("gives the same root and byte-identical write batches for one block on two fresh states", async () => {
    const txs = [
      bytesOf(transfer(alice, 0, bob.addr, 10n)),
      bytesOf(transfer(bob, 0, carol.addr, 60n)),
      bytesOf(transfer(bob, 1, carol.addr, 5n)),
      bytesOf(transfer(alice, 1, carol.addr, 1n, { denom: GOLD })),
    ];
    const a = await setup();
    const b = await setup();
    const ea = a.executeBlock({ height: 1, time: 5, proposer: PROPOSER, txs });
    const eb = b.executeBlock({ height: 1, time: 5, proposer: PROPOSER, txs });
    const again = a.executeBlock({ height: 1, time: 5, proposer: PROPOSER, txs });
    expect(ea.stateRoot).toEqual(eb.stateRoot);
    expect(batchBytes(ea.writeBatch)).toBe(batchBytes(eb.writeBatch));
    expect(batchBytes(again.writeBatch)).toBe(batchBytes(ea.writeBatch));
    // bob spends alice's 10 in the same block; then he is empty, and alice holds no gold.
    expect(codes(ea)).toEqual(["OK", "OK", TxErrorCode.INSUFFICIENT_FUNDS, TxErrorCode.INSUFFICIENT_FUNDS]);
    // Puts are sorted by key, so the batch bytes do not depend on execution order details.
    const keys = (ea.writeBatch.put ?? []).map(([k]) => bytesToHex(k));
    expect(keys).toEqual([...keys].sort());
  });

  it("runs the built-in bank's transfers on a fast path that matches the generic module path exactly", async () => {
    const keys = [alice, bob, carol, key(4)];
    const NOPE = "tandem:test/native:nope";
    const txArb = fc.record({
      from: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
      amount: fc.oneof(fc.bigInt({ min: 1n, max: 400n }), fc.constantFrom(50n, 100n, 300n, 500n)),
      nonceSkew: fc.constantFrom(0, 0, 0, 0, 0, -1, 1),
      denom: fc.constantFrom(CREDIT, CREDIT, GOLD, NOPE),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(txArb, { maxLength: 8 }), { minLength: 1, maxLength: 4 }),
        async (blocks) => {
          const genesis: Array<[Key, bigint, string?]> = [
            [alice, 500n],
            [bob, 300n],
            [carol, 100n, GOLD],
          ];
          const fast = await setup({ balances: genesis });
          // A copy of the module is not the built-in instance: its transfers take the generic path.
          const generic = await setup({ balances: genesis, modules: [{ ...bankModule() }] });
          const nonces = [0, 0, 0, 0];
          for (const block of blocks) {
            const txs: Uint8Array[] = [];
            for (const t of block) {
              const nonce = nonces[t.from]! + t.nonceSkew;
              if (nonce < 0) continue;
              if (t.nonceSkew === 0) nonces[t.from]!++;
              txs.push(
                bytesOf(transfer(keys[t.from]!, nonce, keys[t.to]!.addr, t.amount, { denom: t.denom })),
              );
            }
            const a = await run(fast, txs);
            const b = await run(generic, txs);
            expect(a.results).toEqual(b.results);
            expect(a.resultsRoot).toEqual(b.resultsRoot);
            expect(a.stateRoot).toEqual(b.stateRoot);
            expect(batchBytes(a.writeBatch)).toBe(batchBytes(b.writeBatch));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("agrees with a reference model and with a second replica on random tx sequences", async () => {
    const keys = [alice, bob, carol, key(4)];
    const txArb = fc.record({
      from: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
      amount: fc.bigInt({ min: 1n, max: 400n }),
      nonceSkew: fc.constantFrom(0, 0, 0, 0, -1, 1),
      gold: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(txArb, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        async (blocks) => {
          const genesis: Array<[Key, bigint, string?]> = [
            [alice, 500n],
            [bob, 300n],
            [carol, 100n, GOLD],
          ];
          const r1 = await setup({ balances: genesis });
          const r2 = await setup({ balances: genesis });
          const model = new Map<string, bigint>();
          const mk = (k: Key, d: string): string => `${bytesToHex(k.addr)}/${d}`;
          for (const [k, amt, d] of genesis) model.set(mk(k, d ?? CREDIT), amt);
          const nonces = [0, 0, 0, 0];
          for (const block of blocks) {
            const txs: Uint8Array[] = [];
            const expected: string[] = [];
            for (const t of block) {
              const from = keys[t.from]!;
              const to = keys[t.to]!;
              const denom = t.gold ? GOLD : CREDIT;
              const nonce = nonces[t.from]! + t.nonceSkew;
              if (nonce < 0) continue;
              txs.push(bytesOf(transfer(from, nonce, to.addr, t.amount, { denom })));
              if (t.nonceSkew !== 0) {
                expected.push(t.nonceSkew < 0 ? TxErrorCode.NONCE_TOO_LOW : TxErrorCode.NONCE_TOO_HIGH);
                continue;
              }
              nonces[t.from]!++;
              const have = model.get(mk(from, denom)) ?? 0n;
              if (have < t.amount) {
                expected.push(TxErrorCode.INSUFFICIENT_FUNDS);
                continue;
              }
              expected.push("OK");
              model.set(mk(from, denom), have - t.amount);
              model.set(mk(to, denom), (model.get(mk(to, denom)) ?? 0n) + t.amount);
            }
            const e1 = await run(r1, txs);
            const e2 = await run(r2, txs);
            expect(codes(e1)).toEqual(expected);
            expect(e1.stateRoot).toEqual(e2.stateRoot);
            expect(batchBytes(e1.writeBatch)).toBe(batchBytes(e2.writeBatch));
          }
          let credit = 0n;
          for (const [i, k] of keys.entries()) {
            expect(r1.nextNonce(k.addr)).toBe(nonces[i]);
            for (const d of [CREDIT, GOLD]) {
              const bal = r1.balance(k.addr, d);
              expect(bal).toBe(model.get(mk(k, d)) ?? 0n);
              if (d === CREDIT) credit += bal;
            }
          }
          expect(credit).toBe(r1.supply(CREDIT)); // supply is conserved
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe("StateMachine genesis and heights", () => {
  it("builds the genesis state: validator set, supplies, balances", async () => {
    const sm = await setup();
    expect(sm.height).toBe(0);
    expect(sm.validatorSet().validators).toHaveLength(1);
    expect(sm.supply(CREDIT)).toBe(1050n);
    expect(sm.supply(GOLD)).toBe(0n);
    expect(sm.balance(alice.addr, CREDIT)).toBe(1000n);
    expect(sm.heightRecord(0)?.stateRoot).toEqual(sm.stateRoot);
    expect(sm.get(denomKey(CREDIT))).toBeDefined();
  });

  it("refuses a second genesis, a genesis for another chain, an empty validator set and bad balances", async () => {
    const sm = await setup();
    expect(() => sm.initGenesis({ chainId: CHAIN, validators: validators() })).toThrow(
      expect.objectContaining({ code: "STATE_ALREADY_INITIALIZED" }),
    );
    const fresh = await StateMachine.init(
      { chainId: CHAIN },
      { store: MemoryKvStore.open(), stateModules: [bankModule()] },
    );
    const bad = [
      { chainId: "tandem:other", validators: validators() },
      { chainId: CHAIN, validators: [] },
      {
        chainId: CHAIN,
        validators: validators(),
        balances: [{ address: alice.addr, denom: CREDIT, amount: 0n }],
      },
      {
        chainId: CHAIN,
        validators: validators(),
        balances: [{ address: alice.addr, denom: "USD", amount: 1n }],
      },
      {
        chainId: CHAIN,
        validators: validators(),
        balances: [{ address: new Uint8Array(19), denom: CREDIT, amount: 1n }],
      },
    ];
    for (const [i, g] of bad.entries()) {
      expect(() => fresh.initGenesis(g), `case ${i}`).toThrow(
        expect.objectContaining({ code: "STATE_GENESIS_INVALID" }),
      );
    }
  });

  it("refuses to execute before genesis or at a height other than the next one", async () => {
    const fresh = await StateMachine.init(
      { chainId: CHAIN },
      { store: MemoryKvStore.open(), stateModules: [bankModule()] },
    );
    expect(() => fresh.executeBlock({ height: 1, time: 0, proposer: PROPOSER, txs: [] })).toThrow(
      expect.objectContaining({ code: "STATE_NOT_INITIALIZED" }),
    );
    const sm = await setup();
    for (const height of [0, 2]) {
      expect(() => sm.executeBlock({ height, time: 0, proposer: PROPOSER, txs: [] })).toThrow(
        expect.objectContaining({ code: "STATE_HEIGHT_MISMATCH" }),
      );
    }
    const exec = sm.executeBlock({ height: 1, time: 0, proposer: PROPOSER, txs: [] });
    await sm.commit(exec);
    await expect(sm.commit(exec)).rejects.toMatchObject({ code: "STATE_HEIGHT_MISMATCH" });
    for (const bad of [
      { height: 2, time: 0, proposer: new Uint8Array(3), txs: [] },
      { height: 2, time: -1, proposer: PROPOSER, txs: [] },
      { height: 2, time: 0, proposer: PROPOSER, txs: ["00" as unknown as Uint8Array] },
    ]) {
      expect(() => sm.executeBlock(bad)).toThrow(expect.objectContaining({ code: "STATE_BLOCK_INVALID" }));
    }
  });

  it("writes nothing until the caller writes the batch, and resumes from the store after a restart", async () => {
    const store = MemoryKvStore.open();
    const sm = await setup({ store });
    const exec = sm.executeBlock({
      height: 1,
      time: 0,
      proposer: PROPOSER,
      txs: [bytesOf(transfer(alice, 0, bob.addr, 1n))],
    });
    expect(sm.height).toBe(0);
    expect(sm.balance(bob.addr, CREDIT)).toBe(50n);
    const marker: WriteBatch = { put: [[utf8ToBytes("b/1"), new Uint8Array([1])]] };
    await sm.commit(exec, marker);
    expect(store.get(utf8ToBytes("b/1"))).toEqual(new Uint8Array([1]));
    const again = await StateMachine.init({ chainId: CHAIN }, { store, stateModules: [bankModule()] });
    expect(again.height).toBe(1);
    expect(again.stateRoot).toEqual(exec.stateRoot);
    expect(again.balance(bob.addr, CREDIT)).toBe(51n);
  });

  it("runs on the LMDB store the node uses", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-state-"));
    try {
      const store = await LmdbKvStore.open({ path: dir });
      const sm = await setup({ store });
      const exec = await run(sm, [bytesOf(transfer(alice, 0, bob.addr, 9n))]);
      expect(codes(exec)).toEqual(["OK"]);
      await store.close();
      const reopened = await LmdbKvStore.open({ path: dir });
      const sm2 = await StateMachine.init(
        { chainId: CHAIN },
        { store: reopened, stateModules: [bankModule()] },
      );
      expect(sm2.stateRoot).toEqual(exec.stateRoot);
      expect(sm2.balance(bob.addr, CREDIT)).toBe(59n);
      const p = sm2.getWithProof(balanceKey(bob.addr, CREDIT));
      expect(verifyStateProof(exec.stateRoot, p.key, p.value, p.proof, sm2.hash)).toBe(true);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("encodes block results canonically (what the batch stores)", async () => {
    const sm = await setup();
    const exec = await run(sm, [bytesOf(transfer(alice, 0, bob.addr, 1n))]);
    const stored = sm.blockResults(1)!;
    expect(encodeBlockResults(stored)).toEqual(
      encodeBlockResults({
        results: exec.results.map((r) => ({
          code: r.code,
          data: r.data,
          gasUsed: r.gasUsed,
          events: r.events,
        })),
        events: exec.events,
      }),
    );
  });
});

describe("StateMachine proofs", () => {
  it("proves membership and absence against the block's state root, at the latest and at past heights", async () => {
    const sm = await setup();
    const h1 = await run(sm, [bytesOf(transfer(alice, 0, bob.addr, 100n))]);
    const h2 = await run(sm, [bytesOf(transfer(alice, 1, bob.addr, 100n))]);
    const bal = balanceKey(bob.addr, CREDIT);

    const latest = sm.getWithProof(bal);
    expect(latest.height).toBe(2);
    expect(latest.root).toEqual(h2.stateRoot);
    expect(sm.balance(bob.addr, CREDIT)).toBe(250n);
    expect(verifyStateProof(h2.stateRoot, bal, latest.value, latest.proof, sm.hash)).toBe(true);
    expect(verifyStateProof(h2.stateRoot, bal, latest.value, latest.proofBytes, sm.hash)).toBe(true);
    expect(decodeSmtProof(latest.proofBytes)).toEqual(latest.proof);

    const past = sm.getWithProof(bal, 1);
    expect(past.root).toEqual(h1.stateRoot);
    expect(sm.balance(bob.addr, CREDIT, 1)).toBe(150n);
    expect(verifyStateProof(h1.stateRoot, bal, past.value, past.proof, sm.hash)).toBe(true);
    // The old value does not verify against the new root, nor the new value against the old.
    expect(verifyStateProof(h2.stateRoot, bal, past.value, past.proof, sm.hash)).toBe(false);
    expect(verifyStateProof(h1.stateRoot, bal, latest.value, past.proof, sm.hash)).toBe(false);
    // A tampered value does not verify.
    const forged = latest.value!.slice();
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    expect(verifyStateProof(h2.stateRoot, bal, forged, latest.proof, sm.hash)).toBe(false);

    const absent = sm.getWithProof(balanceKey(carol.addr, CREDIT));
    expect(absent.value).toBeNull();
    expect(verifyStateProof(h2.stateRoot, absent.key, null, absent.proof, sm.hash)).toBe(true);
    expect(verifyStateProof(h2.stateRoot, absent.key, new Uint8Array(16), absent.proof, sm.hash)).toBe(false);

    const genesisNonce = sm.getWithProof(accountKey(alice.addr), 0);
    expect(genesisNonce.value).toBeNull();
    expect(
      verifyStateProof(sm.heightRecord(0)!.stateRoot, genesisNonce.key, null, genesisNonce.proof, sm.hash),
    ).toBe(true);
    expect(() => sm.getWithProof(bal, 3)).toThrow(
      expect.objectContaining({ code: "STATE_HEIGHT_UNAVAILABLE" }),
    );
  });
});
