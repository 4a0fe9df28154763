/**
 * `tandem status` and `tandem transfer` against a real nats-server and an in-process chain (chain-core's
 * Testnet) served by a tiny NATS responder that answers `tandem.<ref>.rpc.*` with the RPC method table.
 */
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Testnet } from "@tandem/chain-core/testing";
import { handleRpcBytes, type RpcContext } from "@tandem/chain-runtime";
import { addressToHex } from "@tandem/ledger";
import { freePort, NatsServer } from "@tandem/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeAccountKeyFile } from "../src/account-key.js";
import { accountCreate } from "../src/commands/account.js";
import { type ChainStatusRow, status } from "../src/commands/status.js";
import { transfer } from "../src/commands/transfer.js";
import { main } from "../src/main.js";
import { MemoryOutput } from "../src/output.js";
import { codeOf, tempDir } from "./helpers.js";

const CHAIN = "tandem:cli-e2e";
let nats: NatsServer;
let net: Testnet;
let server: NatsConnection;
let dir: string;
let cleanup: () => Promise<void>;
let aliceKey: string;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  nats = await NatsServer.start({ jetstream: false });
  net = await Testnet.create({ chainId: CHAIN, validators: 1, accounts: 2 });
  await net.startAll();
  await net.waitForHeight(1);
  const node = net.node(0);
  const ctx: RpcContext = {
    node,
    chainId: CHAIN,
    hash: node.hash,
    name: "alpha",
    profile: "home",
    peers: () => 0,
    denoms: [net.denom],
    validator: true,
  };
  server = await connect({ servers: nats.url });
  server.subscribe("tandem.cli-e2e.rpc.*", {
    callback: (err, msg) => {
      if (err !== null) return;
      const method = msg.subject.slice(msg.subject.lastIndexOf(".") + 1);
      void handleRpcBytes(ctx, method, msg.data).then((out) => msg.respond(out));
    },
  });
  await server.flush();
  const alice = net.accounts[0];
  if (alice === undefined) throw new Error("no account");
  aliceKey = join(dir, "alice.key");
  await writeAccountKeyFile(aliceKey, {
    scheme: "ed25519",
    secretKey: alice.secretKey,
    publicKey: alice.publicKey,
  });
});

afterAll(async () => {
  await server?.close();
  await net?.close();
  await nats?.stop();
  await cleanup?.();
});

describe("tandem status", () => {
  it("prints a row per chain from getStatus", async () => {
    const o = new MemoryOutput();
    const rows = await status({ nats: nats.url, chain: [CHAIN] }, o);
    const row = rows[0] as Extract<ChainStatusRow, { ok: true }>;
    expect(row.ok).toBe(true);
    expect(row.status.height).toBeGreaterThanOrEqual(1);
    expect(o.stdout[0]).toMatch(/^CHAIN\s+NAME\s+HEIGHT\s+HEAD\s+MODE\s+PEERS\s+MEMPOOL$/);
    expect(o.stdout[1]).toContain(CHAIN);
    expect(o.stdout[1]).toContain("alpha");
    expect(o.stdout[1]).toContain(row.status.headHash.slice(0, 12));
  });

  it("shows a chain nobody serves as an error row and fails with its code", async () => {
    const o = new MemoryOutput();
    const p = status({ nats: nats.url, chain: [CHAIN, "tandem:nobody"], json: true, timeout: 1000 }, o);
    expect(await codeOf(p)).toBe("RPC_NO_RESPONDERS");
    const rows = o.json<ChainStatusRow[]>();
    expect(rows.map((r) => [r.chainId, r.ok])).toEqual([
      [CHAIN, true],
      ["tandem:nobody", false],
    ]);
  });

  it("--watch refreshes until stopped", async () => {
    const ac = new AbortController();
    const o = new MemoryOutput();
    const run = status({ nats: nats.url, chain: [CHAIN], watch: true, interval: 100, json: true }, o, {
      signal: ac.signal,
    });
    const start = Date.now();
    while (o.stdout.length < 3 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await run;
    expect(o.stdout.length).toBeGreaterThanOrEqual(3);
    const frames = o.stdout.map((l) => JSON.parse(l) as { chains: ChainStatusRow[] });
    expect(frames.every((f) => f.chains[0]?.ok === true)).toBe(true);
  });

  it("fails with NATS_CONNECT_FAILED when no server listens", async () => {
    const url = `nats://127.0.0.1:${await freePort()}`;
    expect(await codeOf(status({ nats: url, chain: [CHAIN] }, new MemoryOutput()))).toBe(
      "NATS_CONNECT_FAILED",
    );
  });
});

describe("tandem transfer", () => {
  it("signs with the account key file, submits, waits, verifies the proof", async () => {
    const bob = await accountCreate({ out: join(dir, "bob.key"), chainId: CHAIN }, new MemoryOutput());
    const o = new MemoryOutput();
    const r = await transfer(
      {
        nats: nats.url,
        chain: CHAIN,
        from: aliceKey,
        to: bob.accountId,
        amount: "1234",
        memo: "hello",
        wait: true,
        json: true,
      },
      o,
      { pollMs: 50 },
    );
    expect(r.hashSuite).toBe("sha256");
    expect(r.nonce).toBe(0);
    expect(r.committed).toMatchObject({ code: "OK", proofVerified: true });
    expect(o.json()).toMatchObject({ hash: r.hash, committed: { height: r.committed?.height } });
    const err = o.stderr.join("\n");
    expect(err).toContain("nonce 0");
    expect(err).toContain("inclusion proof verified");
    const node = net.node(0);
    const bal = node.getBalance(Buffer.from(bob.address, "hex"), net.denom);
    expect(bal.amount).toBe(1234n);

    // The next one reads nonce 1 from the chain, through the commander wiring.
    const o2 = new MemoryOutput();
    const argv = ["transfer", "--nats", nats.url, "--chain", CHAIN, "--from", aliceKey, "--to", bob.address];
    expect(await main([...argv, "--amount", "6", "--wait", "--wait-timeout", "20000"], { output: o2 })).toBe(
      0,
    );
    expect(o2.text).toMatch(/nonce:\s+1/);
    expect(o2.text).toMatch(/result:\s+OK/);
    expect(o2.text).toMatch(/proof:\s+verified/);
    expect(node.getBalance(Buffer.from(bob.address, "hex"), net.denom).amount).toBe(1240n);

    // Without --wait: submitted, not yet awaited.
    const o3 = new MemoryOutput();
    expect(await main([...argv, "--amount", "1"], { output: o3 })).toBe(0);
    expect(o3.text).toMatch(/status:\s+(pending|queued)/);
  });

  it("reports a transfer the chain refuses or fails with the chain's code", async () => {
    const poor = join(dir, "poor.key");
    const info = await accountCreate({ out: poor }, new MemoryOutput());
    const o = new MemoryOutput();
    const argv = ["transfer", "--nats", nats.url, "--chain", CHAIN, "--from", poor, "--to", info.address];
    expect(await main([...argv, "--amount", "5", "--wait", "--wait-timeout", "20000"], { output: o })).toBe(
      1,
    );
    const last = o.stderr.at(-1) ?? "";
    expect(last).toMatch(/^error \[[A-Z_]+\]: /);
    expect(last).not.toMatch(/INTERNAL/);
    expect(o.stderr.join("\n")).toContain("balance is below the amount");
  });

  it("rejects bad options before sending anything", async () => {
    const o = new MemoryOutput();
    const base = {
      nats: nats.url,
      chain: CHAIN,
      from: aliceKey,
      to: addressToHex(new Uint8Array(20)),
      amount: "1",
    };
    expect(await codeOf(transfer({ ...base, amount: "0" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(transfer({ ...base, amount: "-3" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(transfer({ ...base, to: `tandem:other:${"00".repeat(20)}` }, o))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await codeOf(transfer({ ...base, memo: "x".repeat(300) }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(transfer({ ...base, nats: "http://x" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(transfer({ ...base, from: join(dir, "none.key") }, o))).toBe("ACCOUNT_KEY_INVALID");
    expect(await codeOf(transfer({ ...base, chain: "tandem:nobody" }, o))).toBe("RPC_NO_RESPONDERS");
    expect(o.stdout).toEqual([]);
  });
});
