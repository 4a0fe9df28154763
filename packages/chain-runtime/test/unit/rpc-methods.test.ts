/**
 * The RPC method table against a real in-process chain node (chain-core's Testnet): every method's
 * happy path, proofs that verify, the coded errors of bad requests and refused txs, and no request
 * whatsoever that makes handleRpc throw or answer RPC_INTERNAL.
 */
import { accountKey, balanceKey, verifyStateProof } from "@tandem/chain-core";
import { Testnet } from "@tandem/chain-core/testing";
import { bytesToHex, utf8ToBytes } from "@tandem/crypto";
import { decodeTx, encodeTx, formatTandemAccountId, headerHash } from "@tandem/ledger";
import { waitFor } from "@tandem/test-utils";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AccountResult,
  type BlockResult,
  chainSubjectToken,
  decodeRpcRequest,
  handleRpc,
  handleRpcBytes,
  headerFromJson,
  RPC_MAX_BATCH,
  RPC_METHOD_NAMES,
  type RpcContext,
  RpcErrorCode,
  type RpcReply,
  rpcSubject,
  rpcSubjects,
  type StatusResult,
  type SubmitTxResult,
  type SubmitTxsResult,
  stateProofFromJson,
  type TxResult,
  type ValidatorsResult,
  verifyAccountProof,
  verifyTxInclusion,
} from "../../src/rpc/index.js";

let net: Testnet;
let ctx: RpcContext;
const internal: unknown[] = [];

beforeAll(async () => {
  net = await Testnet.create({ chainId: "tandem:rpc-test", validators: 1, accounts: 4 });
  await net.startAll();
  await net.waitForHeight(2);
  ctx = {
    node: net.node(0),
    chainId: net.chainId,
    hash: net.node(0).hash,
    name: "node0",
    profile: "home",
    peers: () => 0,
    natsConnected: () => true,
    denoms: [net.denom],
    logger: {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (m, c) => internal.push({ m, c }),
    },
  };
});

afterAll(async () => {
  await net?.close();
});

function ok<R>(r: RpcReply): R {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.result as R;
}

function errCode(r: RpcReply): string {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.result)}`);
  return r.error.code;
}

const account = (i: number) => {
  const a = net.accounts[i];
  if (a === undefined) throw new Error(`no account ${i}`);
  return a;
};

async function committed(hash: string): Promise<TxResult> {
  return waitFor(
    async () => {
      const r = await handleRpc(ctx, "getTx", { hash, proof: true });
      return r.ok ? (r.result as TxResult) : undefined;
    },
    { what: `tx ${hash} committed`, timeoutMs: 15_000 },
  );
}

describe("subjects", () => {
  it("one subject per method under the chain's CAIP-2 reference", () => {
    expect(chainSubjectToken("tandem:acme")).toBe("acme");
    expect(rpcSubject("tandem:acme", "getTx")).toBe("tandem.acme.rpc.getTx");
    const all = rpcSubjects("tandem:home-7f3a");
    expect(Object.keys(all).sort()).toEqual([...RPC_METHOD_NAMES].sort());
    expect(all.submitTx).toBe("tandem.home-7f3a.rpc.submitTx");
    expect(() => chainSubjectToken("eip155:1")).toThrow(expect.objectContaining({ code: "CAIP_INVALID" }));
    expect(() => chainSubjectToken("tandem:a.b")).toThrow(expect.objectContaining({ code: "CAIP_INVALID" }));
  });
});

describe("happy paths", () => {
  it("getStatus", async () => {
    const s = ok<StatusResult>(await handleRpc(ctx, "getStatus", {}));
    expect(s).toMatchObject({
      chainId: net.chainId,
      name: "node0",
      profile: "home",
      peers: 0,
      natsConnected: true,
    });
    expect(s.height).toBeGreaterThanOrEqual(2);
    expect(s.headHash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.stateRoot).toMatch(/^[0-9a-f]{64}$/);
    expect(["syncing", "consensus"]).toContain(s.mode);
    expect(typeof s.validator).toBe("boolean");
    expect(s.mempool.size).toBeGreaterThanOrEqual(0);
    // No body at all means no parameters.
    expect((await handleRpc(ctx, "getStatus", undefined)).ok).toBe(true);
    await waitFor(async () => ok<StatusResult>(await handleRpc(ctx, "getStatus", {})).mode === "consensus");
    expect(ok<StatusResult>(await handleRpc(ctx, "getStatus", {})).validator).toBe(true);
  });

  it("submitTx → committed; getTx with proof verifies; getBlock holds it", async () => {
    const tx = net.transfer(account(0), account(1).address, 1234n, { memo: "rpc" });
    const sub = ok<SubmitTxResult>(await handleRpc(ctx, "submitTx", { tx: bytesToHex(tx) }));
    expect(sub.accepted).toBe(true);
    expect(sub.hash).toMatch(/^[0-9a-f]{64}$/);
    const found = await committed(sub.hash);
    expect(found.result.code).toBe("OK");
    expect(found.tx).toBe(bytesToHex(tx));
    expect(verifyTxInclusion(found, sub.hash, ctx.hash)).toBe(true);
    // Any change to what the proof covers breaks it.
    expect(verifyTxInclusion(found, "00".repeat(32), ctx.hash)).toBe(false);
    expect(
      verifyTxInclusion({ ...found, result: { ...found.result, code: "TX_INSUFFICIENT_FUNDS" } }, sub.hash),
    ).toBe(false);
    expect(verifyTxInclusion({ ...found, index: found.index + 1 }, sub.hash)).toBe(false);
    if (found.proof === undefined) throw new Error("no proof");
    expect(
      verifyTxInclusion(
        { ...found, proof: { ...found.proof, header: { ...found.proof.header, time: 1 } } },
        sub.hash,
      ),
    ).toBe(false);
    const { proof: _p, ...plain } = ok<TxResult>(await handleRpc(ctx, "getTx", { hash: sub.hash }));
    expect(_p).toBeUndefined();
    expect(verifyTxInclusion(plain as TxResult, sub.hash)).toBe(false);

    const block = ok<BlockResult>(await handleRpc(ctx, "getBlock", { height: found.height, txs: true }));
    expect(block.txHashes[found.index]).toBe(sub.hash);
    expect(block.txs?.[found.index]).toBe(bytesToHex(tx));
    expect(block.results[found.index]?.code).toBe("OK");
    expect(block.hash).toBe(found.blockHash);
    expect(bytesToHex(headerHash(headerFromJson(block.header), ctx.hash))).toBe(block.hash);
    expect(block.commit.blockHash).toBe(block.hash);
    const byHash = ok<BlockResult>(await handleRpc(ctx, "getBlock", { hash: block.hash.toUpperCase() }));
    expect(byHash).toEqual({ ...block, txs: undefined });
    expect(byHash.txs).toBeUndefined();
    const head = ok<BlockResult>(await handleRpc(ctx, "getBlock", {}));
    expect(head.height).toBeGreaterThanOrEqual(found.height);
  });

  it("getAccount with proof verifies against the state root, by address or CAIP-10 id, at a past height", async () => {
    const a = account(2);
    const tx = net.transfer(a, account(3).address, 5n);
    const sub = ok<SubmitTxResult>(await handleRpc(ctx, "submitTx", { tx: bytesToHex(tx) }));
    const found = await committed(sub.hash);
    const caip = formatTandemAccountId(net.chainId, a.address);
    const acct = ok<AccountResult>(await handleRpc(ctx, "getAccount", { account: caip, proof: true }));
    expect(acct.account).toBe(caip);
    expect(acct.address).toBe(bytesToHex(a.address));
    expect(acct.nonce).toBe(1);
    expect(acct.balances).toEqual([{ denom: net.denom, amount: (10n ** 15n - 5n).toString() }]);
    expect(verifyAccountProof(acct, ctx.hash)).toBe(true);
    const header = ok<BlockResult>(await handleRpc(ctx, "getBlock", { height: acct.height })).header;
    expect(acct.proof?.stateRoot).toBe(header.stateRoot);
    // chain-core's own verifier accepts each proof as it comes off the wire.
    for (const [json, key] of [
      [acct.proof?.account, accountKey(a.address)],
      [acct.proof?.balances[0], balanceKey(a.address, net.denom)],
    ] as const) {
      const sp = stateProofFromJson(json);
      expect(bytesToHex(sp.key)).toBe(bytesToHex(key));
      expect(verifyStateProof(sp.root, sp.key, sp.value, sp.proof, ctx.hash)).toBe(true);
    }
    // A doctored amount no longer matches its proof.
    expect(verifyAccountProof({ ...acct, balances: [{ denom: net.denom, amount: "1" }] }, ctx.hash)).toBe(
      false,
    );
    expect(verifyAccountProof({ ...acct, nonce: 7 }, ctx.hash)).toBe(false);

    // Before the transfer: nonce 0 (a proof of absence) and the genesis balance.
    const before = ok<AccountResult>(
      await handleRpc(ctx, "getAccount", {
        account: bytesToHex(a.address),
        height: found.height - 1,
        proof: true,
      }),
    );
    expect(before.nonce).toBe(0);
    expect(before.height).toBe(found.height - 1);
    expect(before.balances[0]?.amount).toBe((10n ** 15n).toString());
    expect(verifyAccountProof(before, ctx.hash)).toBe(true);

    // An unused account: zeros, proven absent; other denoms on request.
    const nobody = "ab".repeat(20);
    const empty = ok<AccountResult>(
      await handleRpc(ctx, "getAccount", {
        account: nobody,
        proof: true,
        denoms: [net.denom, "tandem:other/native:x"],
      }),
    );
    expect(empty.nonce).toBe(0);
    expect(empty.balances.map((b) => b.amount)).toEqual(["0", "0"]);
    expect(verifyAccountProof(empty, ctx.hash)).toBe(true);
    const noProof = ok<AccountResult>(await handleRpc(ctx, "getAccount", { account: nobody }));
    expect(noProof.proof).toBeUndefined();
  });

  it("getValidators: the set that signs a height, hashing to the header's validatorsHash", async () => {
    const v = ok<ValidatorsResult>(await handleRpc(ctx, "getValidators", { height: 2 }));
    expect(v.height).toBe(2);
    expect(v.validators).toHaveLength(1);
    expect(v.validators[0]).toMatchObject({ power: "10" });
    expect(v.validators[0]?.address).toBe(bytesToHex(net.member(0).operator.address));
    expect(v.validators[0]?.blsPublicKey).toMatch(/^[0-9a-f]+$/);
    expect(v.totalPower).toBe("10");
    const header = ok<BlockResult>(await handleRpc(ctx, "getBlock", { height: 2 })).header;
    expect(v.validatorsHash).toBe(header.validatorsHash);
    const next = ok<ValidatorsResult>(await handleRpc(ctx, "getValidators", {}));
    expect(next.height).toBeGreaterThan(2);
    expect(next.validatorsHash).toBe(v.validatorsHash);
  });

  it("submitTx batches: one outcome per tx, refusals included", async () => {
    const a = account(3);
    const good1 = net.transfer(a, account(0).address, 1n);
    const good2 = net.transfer(a, account(0).address, 2n);
    const r = ok<SubmitTxsResult>(
      await handleRpc(ctx, "submitTx", {
        txs: [bytesToHex(good1), "00ff", bytesToHex(good2), bytesToHex(good1)],
      }),
    );
    expect(r.results).toHaveLength(4);
    expect(r.results[0]).toMatchObject({ ok: true });
    expect(r.results[1]).toMatchObject({ ok: false, code: "TX_MALFORMED" });
    expect(r.results[2]).toMatchObject({ ok: true });
    expect(r.results[3]).toMatchObject({ ok: false, code: "TX_DUPLICATE" });
    expect(r.accepted).toBe(2);
    expect(r.rejected).toBe(2);
    const h2 = r.results[2];
    if (h2?.ok !== true) throw new Error("unreachable");
    await committed(h2.hash);
  });
});

describe("coded errors", () => {
  it("bad requests → RPC_BAD_REQUEST with issues", async () => {
    const cases: Array<[string, unknown]> = [
      ["submitTx", {}],
      ["submitTx", { tx: 12 }],
      ["submitTx", { tx: "zz" }],
      ["submitTx", { tx: "abc" }],
      ["submitTx", { tx: "00", txs: ["00"] }],
      ["submitTx", { txs: [] }],
      ["submitTx", { txs: Array.from({ length: RPC_MAX_BATCH + 1 }, () => "00") }],
      ["submitTx", { tx: "00", extra: 1 }],
      ["submitTx", "00ff"],
      ["submitTx", [1, 2]],
      ["getStatus", { x: 1 }],
      ["getBlock", { height: -1 }],
      ["getBlock", { height: 1.5 }],
      ["getBlock", { height: "1" }],
      ["getBlock", { height: 0 }],
      ["getBlock", { height: 2 ** 60 }],
      ["getBlock", { hash: "00" }],
      ["getBlock", { height: 1, hash: "00".repeat(32) }],
      ["getTx", {}],
      ["getTx", { hash: "xyz" }],
      ["getTx", { hash: "00".repeat(32), proof: "yes" }],
      ["getAccount", {}],
      ["getAccount", { account: "tandem:rpc-test:XYZ" }],
      ["getAccount", { account: "eip155:1:0xab16a96d359ec26a11e2c2b3d8f8b8942d5bfcdb" }],
      ["getAccount", { account: `tandem:rpc-test:${"AB".repeat(20)}` }],
      ["getAccount", { account: "ab".repeat(19) }],
      ["getAccount", { account: "ab".repeat(20), denoms: ["USD"] }],
      ["getAccount", { account: "ab".repeat(20), denoms: Array.from({ length: 33 }, () => net.denom) }],
      ["getValidators", { height: 0 }],
    ];
    for (const [method, req] of cases) {
      const r = await handleRpc(ctx, method, req);
      expect(errCode(r), `${method} ${JSON.stringify(req).slice(0, 80)}`).toBe(RpcErrorCode.BAD_REQUEST);
      if (!r.ok) {
        expect(Array.isArray(r.error.issues)).toBe(true);
        expect(r.error.message).toMatch(/^bad request/);
      }
    }
  });

  it("unknown method, other chain's account, missing block or tx, unavailable height", async () => {
    for (const m of ["nope", "constructor", "__proto__", "toString", ""]) {
      expect(errCode(await handleRpc(ctx, m, {}))).toBe(RpcErrorCode.UNKNOWN_METHOD);
    }
    const other = await handleRpc(ctx, "getAccount", { account: `tandem:elsewhere:${"ab".repeat(20)}` });
    expect(errCode(other)).toBe(RpcErrorCode.WRONG_CHAIN);
    if (!other.ok) expect(other.error).toMatchObject({ chainId: "tandem:elsewhere", expected: net.chainId });
    expect(errCode(await handleRpc(ctx, "getBlock", { height: 10_000_000 }))).toBe(
      RpcErrorCode.BLOCK_NOT_FOUND,
    );
    expect(errCode(await handleRpc(ctx, "getBlock", { hash: "11".repeat(32) }))).toBe(
      RpcErrorCode.BLOCK_NOT_FOUND,
    );
    expect(errCode(await handleRpc(ctx, "getTx", { hash: "11".repeat(32), proof: true }))).toBe(
      RpcErrorCode.TX_NOT_FOUND,
    );
    expect(
      errCode(await handleRpc(ctx, "getAccount", { account: "ab".repeat(20), height: 10_000_000 })),
    ).toBe("STATE_HEIGHT_UNAVAILABLE");
    expect(errCode(await handleRpc(ctx, "getValidators", { height: 10_000_000 }))).toBe(
      "STATE_HEIGHT_UNAVAILABLE",
    );
  });

  it("non-JSON bytes → RPC_BAD_REQUEST; empty bytes mean no parameters", async () => {
    for (const bytes of [
      utf8ToBytes("{not json"),
      new Uint8Array([0xff, 0xfe, 0x7b]),
      utf8ToBytes('{"a":'),
    ]) {
      expect(() => decodeRpcRequest(bytes)).toThrow(
        expect.objectContaining({ code: RpcErrorCode.BAD_REQUEST }),
      );
      const reply = JSON.parse(new TextDecoder().decode(await handleRpcBytes(ctx, "getStatus", bytes)));
      expect(reply).toMatchObject({ ok: false, error: { code: RpcErrorCode.BAD_REQUEST } });
    }
    expect(decodeRpcRequest(new Uint8Array())).toBeUndefined();
    const reply = JSON.parse(
      new TextDecoder().decode(await handleRpcBytes(ctx, "getStatus", new Uint8Array())),
    );
    expect(reply.ok).toBe(true);
  });

  it("malformed and badly signed txs → the mempool's codes", async () => {
    const malformed = await handleRpc(ctx, "submitTx", { tx: "0102030405" });
    expect(errCode(malformed)).toBe("TX_MALFORMED");
    const good = net.transfer(account(1), account(0).address, 1n, { nonce: net.nextNonce(account(1)) });
    const tx = decodeTx(good);
    const sig = tx.signature.slice();
    sig[0] = (sig[0] ?? 0) ^ 0xff;
    const bad = encodeTx({ ...tx, signature: sig });
    const r = await handleRpc(ctx, "submitTx", { tx: bytesToHex(bad) });
    expect(errCode(r)).toBe("TX_BAD_SIGNATURE");
    if (!r.ok) expect(typeof r.error.message).toBe("string");
    // A tx of another chain.
    const foreign = net.signed(account(1), {
      chainId: "tandem:elsewhere",
      kind: "transfer",
      nonce: 0,
      expiryHeight: 0,
      payload: { to: account(0).address, amount: 1n, denom: net.denom, memo: "" },
    });
    expect(errCode(await handleRpc(ctx, "submitTx", { tx: bytesToHex(foreign) }))).toBe("TX_WRONG_CHAIN");
  });

  it("an unexpected failure is RPC_INTERNAL with a generic message, logged", async () => {
    const broken: RpcContext = {
      ...ctx,
      peers: () => {
        throw new Error("secret detail");
      },
    };
    const before = internal.length;
    const r = await handleRpc(broken, "getStatus", {});
    expect(r).toEqual({ ok: false, error: { code: RpcErrorCode.INTERNAL, message: "internal error" } });
    expect(internal.length).toBe(before + 1);
  });

  it("nothing a client sends makes handleRpc throw, answer RPC_INTERNAL, or reply with non-JSON", async () => {
    const keys = ["tx", "txs", "height", "hash", "proof", "account", "denoms"];
    const hexish = fc.oneof(
      fc.string(),
      fc.uint8Array({ maxLength: 80 }).map((b) => bytesToHex(b)),
      fc.constantFrom("ab".repeat(20), "00".repeat(32), `${net.chainId}:${"ab".repeat(20)}`),
    );
    const value = fc.oneof(
      fc.jsonValue(),
      hexish,
      fc.array(hexish, { maxLength: 4 }),
      fc.integer(),
      fc.boolean(),
    );
    const request = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 }));
    const before = internal.length;
    for (const method of RPC_METHOD_NAMES) {
      await fc.assert(
        fc.asyncProperty(request, async (req) => {
          const r = await handleRpc(ctx, method, req);
          const wire = JSON.parse(JSON.stringify(r)) as RpcReply;
          expect(wire.ok === true || wire.ok === false).toBe(true);
          if (!r.ok) {
            expect(typeof r.error.code).toBe("string");
            expect(r.error.code).not.toBe(RpcErrorCode.INTERNAL);
          }
        }),
        { numRuns: 250 },
      );
    }
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.jsonValue(), async (m, req) => {
        const r = await handleRpc(ctx, m, req);
        expect(r.ok === true || r.ok === false).toBe(true);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        const out = JSON.parse(new TextDecoder().decode(await handleRpcBytes(ctx, "getBlock", bytes)));
        expect(typeof out.ok).toBe("boolean");
      }),
      { numRuns: 200 },
    );
    expect(internal.length).toBe(before);
  });
});
