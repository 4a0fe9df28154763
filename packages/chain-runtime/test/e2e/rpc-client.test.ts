/**
 * ChainRpcClient against a real nats-server and a tiny responder (one subscription per method subject,
 * each calling handleRpcBytes on an in-process chain node): round trips of every method, proofs that
 * verify on the client side, error replies as thrown RpcErrors with the node's codes, and the
 * transport failures (no responders, timeout, closed connection, a reply that is not an envelope).
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Testnet } from "@tandem/chain-core/testing";
import { bytesToHex } from "@tandem/crypto";
import { formatTandemAccountId, LedgerError } from "@tandem/ledger";
import { NatsServer, waitFor } from "@tandem/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChainRpcClient,
  handleRpcBytes,
  type RpcContext,
  RpcError,
  RpcErrorCode,
  rpcSubject,
  rpcSubjects,
  verifyAccountProof,
  verifyTxInclusion,
} from "../../src/rpc/index.js";

let nats: NatsServer;
let net: Testnet;
let server: NatsConnection;
let nc: NatsConnection;
let client: ChainRpcClient;
let ctx: RpcContext;

beforeAll(async () => {
  nats = await NatsServer.start({ jetstream: false });
  net = await Testnet.create({ chainId: "tandem:rpc-e2e", validators: 1, accounts: 3 });
  await net.startAll();
  await net.waitForHeight(1);
  const node = net.node(0);
  ctx = {
    node,
    chainId: net.chainId,
    hash: node.hash,
    name: "n0",
    profile: "enterprise",
    peers: () => 0,
    natsConnected: () => !server.isClosed(),
    denoms: [net.denom],
  };
  server = await connect({ servers: nats.url });
  for (const [method, subject] of Object.entries(rpcSubjects(net.chainId))) {
    server.subscribe(subject, {
      callback: (err, msg) => {
        if (err !== null) return;
        void handleRpcBytes(ctx, method, msg.data).then((out) => msg.respond(out));
      },
    });
  }
  await server.flush();
  nc = await connect({ servers: nats.url });
  client = new ChainRpcClient(nc, net.chainId, { timeoutMs: 5000 });
});

afterAll(async () => {
  await nc?.close();
  await server?.close();
  await net?.close();
  await nats?.stop();
});

async function rejection(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(RpcError);
    expect(e).toBeInstanceOf(LedgerError);
    return e as RpcError;
  }
  throw new Error("expected a rejection");
}

describe("ChainRpcClient round trips", () => {
  it("status, submit, tx with proof, block, account with proof, validators", async () => {
    const status = await client.getStatus();
    expect(status.chainId).toBe(net.chainId);
    expect(status.natsConnected).toBe(true);
    const [a, b] = [net.accounts[0], net.accounts[1]];
    if (a === undefined || b === undefined) throw new Error("accounts");
    const tx = net.transfer(a, b.address, 42n);
    const sub = await client.submitTx(tx);
    expect(sub).toMatchObject({ accepted: true });
    const found = await waitFor(() => client.getTx(sub.hash, { proof: true }).catch(() => undefined), {
      what: "tx committed",
      timeoutMs: 15_000,
    });
    expect(found.result.code).toBe("OK");
    expect(verifyTxInclusion(found, sub.hash, ctx.hash)).toBe(true);
    expect(verifyTxInclusion(found, bytesToHex(new Uint8Array(32)), ctx.hash)).toBe(false);

    const block = await client.getBlock({ height: found.height });
    expect(block.txHashes).toContain(sub.hash);
    expect(await client.getBlock({ hash: block.hash })).toEqual(block);
    expect((await client.getBlock({}, { txs: true })).txs).toBeDefined();

    const acct = await client.getAccount(formatTandemAccountId(net.chainId, a.address), { proof: true });
    expect(acct.nonce).toBe(1);
    expect(acct.balances[0]?.amount).toBe((10n ** 15n - 42n).toString());
    expect(verifyAccountProof(acct, ctx.hash)).toBe(true);
    const byBytes = await client.getAccount(b.address, { height: found.height, denoms: [net.denom] });
    expect(byBytes.balances[0]?.amount).toBe((10n ** 15n + 42n).toString());

    const vals = await client.getValidators();
    expect(vals.validators).toHaveLength(1);
    expect(vals.totalPower).toBe("10");
    const atBlock = await client.getValidators({ height: found.height });
    expect(atBlock.validatorsHash).toBe(block.header.validatorsHash);

    const batch = await client.submitTxs([net.transfer(a, b.address, 1n), new Uint8Array([1, 2, 3])]);
    expect(batch.accepted).toBe(1);
    expect(batch.results[1]).toMatchObject({ ok: false, code: "TX_MALFORMED" });
  });

  it("an error reply is a thrown RpcError with the node's code and meta", async () => {
    const missing = await rejection(client.getTx(new Uint8Array(32)));
    expect(missing.code).toBe(RpcErrorCode.TX_NOT_FOUND);
    expect(missing.meta).toMatchObject({ hash: "00".repeat(32) });
    expect((await rejection(client.submitTx(new Uint8Array([9, 9, 9])))).code).toBe("TX_MALFORMED");
    expect((await rejection(client.getBlock({ height: 99_999_999 }))).code).toBe(
      RpcErrorCode.BLOCK_NOT_FOUND,
    );
    expect((await rejection(client.getAccount(`tandem:other:${"ab".repeat(20)}`))).code).toBe(
      RpcErrorCode.WRONG_CHAIN,
    );
    const bad = await rejection(client.call("getBlock", { height: -3 }));
    expect(bad.code).toBe(RpcErrorCode.BAD_REQUEST);
    expect(Array.isArray(bad.meta.issues)).toBe(true);
    // Raw bytes that are not JSON, straight onto the subject.
    const raw = await nc.request(rpcSubject(net.chainId, "getStatus"), new TextEncoder().encode("{oops"));
    expect(raw.json()).toMatchObject({ ok: false, error: { code: RpcErrorCode.BAD_REQUEST } });
  });
});

describe("transport failures", () => {
  it("nobody serving the chain → RPC_NO_RESPONDERS", async () => {
    const other = new ChainRpcClient(nc, "tandem:nobody-here", { timeoutMs: 2000 });
    const t0 = Date.now();
    expect((await rejection(other.getStatus())).code).toBe(RpcErrorCode.NO_RESPONDERS);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("a responder that never answers → RPC_TIMEOUT; one that answers garbage → RPC_BAD_REPLY", async () => {
    const silent = server.subscribe(rpcSubject("tandem:silent", "getStatus"), { callback: () => {} });
    const garbage = server.subscribe(rpcSubject("tandem:garbage", "getStatus"), {
      callback: (_e, m) => {
        m.respond(new TextEncoder().encode("<html>"));
      },
    });
    const envelope = server.subscribe(rpcSubject("tandem:garbage", "getTx"), {
      callback: (_e, m) => {
        m.respond(new TextEncoder().encode(JSON.stringify({ ok: "maybe" })));
      },
    });
    await server.flush();
    const t0 = Date.now();
    const e = await rejection(new ChainRpcClient(nc, "tandem:silent", { timeoutMs: 300 }).getStatus());
    expect(e.code).toBe(RpcErrorCode.TIMEOUT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    const g = new ChainRpcClient(nc, "tandem:garbage", { timeoutMs: 2000 });
    expect((await rejection(g.getStatus())).code).toBe(RpcErrorCode.BAD_REPLY);
    expect((await rejection(g.getTx(new Uint8Array(32)))).code).toBe(RpcErrorCode.BAD_REPLY);
    silent.unsubscribe();
    garbage.unsubscribe();
    envelope.unsubscribe();
  });

  it("a closed connection → RPC_CONNECTION", async () => {
    const c = await connect({ servers: nats.url });
    await c.close();
    expect((await rejection(new ChainRpcClient(c, net.chainId).getStatus())).code).toBe(
      RpcErrorCode.CONNECTION,
    );
  });

  it("a chain id without a subject is refused up front", () => {
    expect(() => new ChainRpcClient(nc, "not-a-chain")).toThrow(
      expect.objectContaining({ code: "CAIP_INVALID" }),
    );
  });
});
