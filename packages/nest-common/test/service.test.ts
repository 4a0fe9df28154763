/**
 * The Nest host of a chain node, in process: a one-validator enterprise chain (it commits on its own) on
 * real LMDB in a temp dir, against a real nats-server. HTTP /health and /metrics, NATS RPC through the
 * Nest microservice as any plain NATS client sees it, close() and reopening the same data dir, and the
 * coded boot errors, the data dir lock. One service is shared by the file; the close/reopen test runs after
 * the tests that use it.
 */
import { spawnSync } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  buildGenesisFile,
  ChainRpcClient,
  generateNodeKey,
  type NodeConfig,
  type NodeKey,
  nodePublicInfo,
  parseNodeConfig,
  verifyTxInclusion,
  writeNodeKeyFile,
} from "@tandem/chain-runtime";
import { bytesToHex, ed25519, randomBytes } from "@tandem/crypto";
import {
  accountAddress,
  encodeTx,
  hashSuite,
  isLedgerError,
  signTx,
  type TransferPayload,
} from "@tandem/ledger";
import { makeTempDir, NatsServer, removeDir, waitFor } from "@tandem/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockStreamService, type ChainService, describeError, runChainService } from "../src/index.js";

const CHAIN_ID = "tandem:nestsvc";
const REF = "nestsvc";
const DENOM = `${CHAIN_ID}/native:credit`;
const NAME = "n1";

let dir: string;
let nats: NatsServer;
let nc: NatsConnection;
let rpc: ChainRpcClient;
let key: NodeKey;
let config: NodeConfig;
let service: ChainService;
/** The second service of the close/reopen test (closed in afterAll). */
let reopened: ChainService | undefined;
const sender = ed25519.keygen(new Uint8Array(randomBytes(32)));
const recipient = ed25519.keygen(new Uint8Array(randomBytes(32)));
const addressOf = (publicKey: Uint8Array) => accountAddress("ed25519", publicKey, hashSuite("sha256"));

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A raw NATS request, as a client in any language would send it; the reply parsed. */
async function rawRequest(subject: string, body: Uint8Array | string): Promise<Record<string, unknown>> {
  const data = typeof body === "string" ? encoder.encode(body) : body;
  const msg = await nc.request(subject, data, { timeout: 5000 });
  return JSON.parse(decoder.decode(msg.data)) as Record<string, unknown>;
}

function nodeConfig(over: Record<string, unknown> = {}): NodeConfig {
  return parseNodeConfig({
    profile: "enterprise",
    name: NAME,
    dataDir: join(dir, "node"),
    keyFile: join(dir, "node.key.json"),
    genesisFile: join(dir, "genesis.json"),
    // Loopback and an ephemeral port: never the profile's fixed 0.0.0.0:26656.
    p2p: { listen: ["/ip4/127.0.0.1/tcp/0"] },
    nats: { servers: [nats.url] },
    http: { port: 0 },
    log: { level: "info", file: join(dir, "service.log") },
    tuning: { emptyBlockWaitMs: 100, timeoutProposeMs: 500, timeoutPrevoteMs: 200, timeoutPrecommitMs: 200 },
    ...over,
  });
}

async function inConsensus(s: ChainService, minHeight = 1): Promise<void> {
  await waitFor(() => s.runtime.node.mode === "consensus" && s.runtime.node.height >= minHeight, {
    what: `node in consensus at height ≥ ${minHeight}`,
    timeoutMs: 20_000,
  });
}

async function health(s: ChainService): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.httpUrl}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = makeTempDir("nest-common");
  // A data dir of our own keeps it across stop(), so the health test can stop and restart the server.
  nats = await NatsServer.start({ dataDir: join(dir, "nats") });
  key = await generateNodeKey();
  await writeNodeKeyFile(join(dir, "node.key.json"), key);
  const genesis = buildGenesisFile({
    chainId: CHAIN_ID,
    validators: [{ ...nodePublicInfo(key), name: NAME }],
    denoms: [DENOM],
    balances: [{ address: bytesToHex(addressOf(sender.publicKey)), denom: DENOM, amount: 1_000_000n }],
  });
  await writeFile(join(dir, "genesis.json"), JSON.stringify(genesis, null, 2));
  config = nodeConfig();
  service = await runChainService({ config });
  nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  rpc = new ChainRpcClient(nc, CHAIN_ID, { timeoutMs: 5000 });
  await inConsensus(service);
});

afterAll(async () => {
  await reopened?.close();
  await service?.close();
  await nc?.close();
  await nats?.stop();
  if (dir !== undefined) removeDir(dir);
});

describe("NATS RPC through the Nest microservice", () => {
  it("a plain NATS request on tandem.<ref>.rpc.getStatus gets the bare {ok, result} envelope", async () => {
    const reply = await rawRequest(`tandem.${REF}.rpc.getStatus`, "{}");
    // Exactly the envelope: none of Nest's packet fields (id, isDisposed, response, err).
    expect(Object.keys(reply).sort()).toEqual(["ok", "result"]);
    expect(reply.ok).toBe(true);
    const result = reply.result as Record<string, unknown>;
    expect(result.chainId).toBe(CHAIN_ID);
    expect(result.name).toBe(NAME);
    expect(result.profile).toBe("enterprise");
    expect(result.mode).toBe("consensus");
    expect(result.validator).toBe(true);
    expect(result.natsConnected).toBe(true);
    expect(result.height).toBeGreaterThanOrEqual(1);
  });

  it("the node's own subject tandem.<ref>.rpc.getStatus.<name> answers too", async () => {
    const reply = await rawRequest(`tandem.${REF}.rpc.getStatus.${NAME}`, "{}");
    expect(reply.ok).toBe(true);
    expect((reply.result as { name: string }).name).toBe(NAME);
  });

  it("an empty body is a request without parameters", async () => {
    const reply = await rawRequest(`tandem.${REF}.rpc.getStatus`, new Uint8Array(0));
    expect(reply.ok).toBe(true);
    expect((reply.result as { chainId: string }).chainId).toBe(CHAIN_ID);
  });

  it("bytes that are not JSON get RPC_BAD_REQUEST, not a timeout", async () => {
    for (const body of ["not json", "{", new Uint8Array([0xff, 0xfe, 0x00])]) {
      const reply = await rawRequest(`tandem.${REF}.rpc.getStatus`, body);
      expect(reply.ok).toBe(false);
      expect((reply.error as { code: string }).code).toBe("RPC_BAD_REQUEST");
      expect(Object.keys(reply).sort()).toEqual(["error", "ok"]);
    }
  });

  it("JSON that breaks the method's schema gets RPC_BAD_REQUEST with issues", async () => {
    const reply = await rawRequest(`tandem.${REF}.rpc.getBlock`, JSON.stringify({ height: "one" }));
    expect(reply.ok).toBe(false);
    const error = reply.error as { code: string; issues: Array<{ path: string }> };
    expect(error.code).toBe("RPC_BAD_REQUEST");
    expect(error.issues[0]?.path).toBe("height");
  });

  it("a signed transfer submitted with ChainRpcClient is committed; getTx's proof verifies", async () => {
    const tx = encodeTx(
      signTx(
        {
          chainId: CHAIN_ID,
          kind: "transfer",
          nonce: 0,
          expiryHeight: 0,
          payload: {
            to: addressOf(recipient.publicKey),
            amount: 25n,
            denom: DENOM,
            memo: "nest-common",
          } satisfies TransferPayload,
        },
        sender.secretKey,
        "ed25519",
        { hash: hashSuite("sha256") },
      ),
    );
    const sent = await rpc.submitTx(tx);
    expect(sent.accepted).toBe(true);
    const found = await waitFor(
      async () => {
        try {
          return await rpc.getTx(sent.hash, { proof: true });
        } catch (e) {
          if (isLedgerError(e, "TX_NOT_FOUND")) return undefined;
          throw e;
        }
      },
      { what: "the transfer committed", timeoutMs: 15_000 },
    );
    expect(found.result.code).toBe("OK");
    expect(verifyTxInclusion(found, sent.hash)).toBe(true);
    // A proof for another hash does not verify: the check is not vacuous.
    expect(verifyTxInclusion(found, "00".repeat(32))).toBe(false);
    const account = await rpc.getAccount(bytesToHex(addressOf(recipient.publicKey)));
    expect(account.balances).toEqual([{ denom: DENOM, amount: "25" }]);
  });

  it("200 concurrent requests all get answers", async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        rawRequest(i % 2 === 0 ? `tandem.${REF}.rpc.getStatus` : `tandem.${REF}.rpc.getStatus.${NAME}`, "{}"),
      ),
    );
    expect(replies).toHaveLength(200);
    for (const r of replies) expect(r.ok).toBe(true);
  });
});

describe("/metrics", () => {
  it("is Prometheus text with the chain gauges, counters and the commit latency histogram, labelled", async () => {
    // The transfer test committed a tx; wait until its block is counted.
    await waitFor(async () => /^tandem_txs_committed_total\{[^}]*\} [1-9]/m.test(await scrape(service)), {
      what: "a committed tx counted",
    });
    const res = await fetch(`${service.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    const labels = `chain="${CHAIN_ID}",node="${NAME}"`;
    for (const name of [
      "tandem_chain_height",
      "tandem_p2p_peers",
      "tandem_mempool_size",
      "tandem_nats_connected",
      "tandem_blocks_committed_total",
      "tandem_txs_committed_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
      expect(text).toMatch(new RegExp(`^${name}\\{${labels}\\} \\d+`, "m"));
    }
    expect(text).toMatch(
      new RegExp(`^tandem_commit_latency_seconds_bucket\\{le="0.05",${labels}\\} \\d+`, "m"),
    );
    const sample = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, "m").exec(text)?.[1]);
    expect(sample("tandem_chain_height")).toBeGreaterThanOrEqual(1);
    expect(sample("tandem_p2p_peers")).toBe(0);
    expect(sample("tandem_nats_connected")).toBe(1);
    expect(sample("tandem_txs_committed_total")).toBeGreaterThanOrEqual(1);
    expect(sample("tandem_commit_latency_seconds_count")).toBeGreaterThanOrEqual(1);
    // Process metrics share the registry, prefixed once (not tandem_process_process_…).
    expect(text).toMatch(new RegExp(`^tandem_process_cpu_seconds_total\\{${labels}\\} `, "m"));
    expect(text).toMatch(/^tandem_nodejs_eventloop_lag_seconds\{/m);
    expect(text).not.toContain("tandem_process_process_");
  });
});

async function scrape(s: ChainService): Promise<string> {
  return (await fetch(`${s.httpUrl}/metrics`)).text();
}

describe("/health", () => {
  it("is 200 with nats, peers and synced up in consensus; 503 with nats down while NATS is away; 200 again after", async () => {
    const up = await health(service);
    expect(up.status).toBe(200);
    expect(up.body.status).toBe("ok");
    const info = up.body.info as Record<string, { status: string }>;
    expect(info.nats?.status).toBe("up");
    expect(info.peers?.status).toBe("up");
    expect(info.synced?.status).toBe("up");

    await nats.stop();
    const down = await waitFor(
      async () => {
        const h = await health(service);
        return h.status === 503 ? h : undefined;
      },
      { what: "/health 503 without NATS" },
    );
    expect(down.body.status).toBe("error");
    const error = down.body.error as Record<string, { status: string }>;
    expect(error.nats?.status).toBe("down");
    // Only NATS is down: the node keeps committing on its own.
    expect(error.synced).toBeUndefined();
    expect((await scrape(service)).match(/^tandem_nats_connected\{[^}]*\} (\d)/m)?.[1]).toBe("0");

    await nats.restart();
    await waitFor(async () => (await health(service)).status === 200, {
      what: "/health 200 after NATS is back",
      timeoutMs: 15_000,
    });
    // The RPC microservice reconnected as well.
    const status = await waitFor(() => rpc.getStatus().catch(() => undefined), {
      what: "RPC after the NATS restart",
      timeoutMs: 15_000,
    });
    expect(status.natsConnected).toBe(true);
    // And the block stream resumed where it stopped.
    const blocks = service.app.get(BlockStreamService);
    const target = service.runtime.node.height;
    await waitFor(() => (blocks.lastPublishedHeight ?? 0) >= target, {
      what: `block stream at ${target}`,
      timeoutMs: 15_000,
    });
  });
});

describe("the data dir", () => {
  it("is locked: a second service on it is refused while the first runs (one key voting twice)", async () => {
    const e = await runChainService({ config }).then(
      async (s) => {
        await s.close();
        throw new Error("a second node booted on a data dir in use");
      },
      (err: unknown) => err,
    );
    expect(isLedgerError(e, "CONFIG_INVALID")).toBe(true);
    expect(describeError(e)).toContain(`\n  - dataDir: in use by pid ${process.pid}`);
    // The refused boot left the running service alone.
    expect((await health(service)).status).toBe(200);
    expect(await readFile(join(config.dataDir, "node.pid"), "utf8")).toBe(`${process.pid}\n`);
  });
});

describe("close()", () => {
  it("stops HTTP, NATS RPC and the node; the data dir reopens and the chain continues from the same head", async () => {
    const s = service;
    await waitFor(() => s.runtime.node.height >= 3, { what: "height 3" });
    await s.close();
    // Idempotent: a second close is the same promise.
    await s.close();
    const height = s.runtime.node.height;
    const head = bytesToHex(s.runtime.node.headHash);
    await expect(fetch(`${s.httpUrl}/health`)).rejects.toThrow();
    await expect(rpc.call("getStatus", {})).rejects.toMatchObject({ code: "RPC_NO_RESPONDERS" });
    await expect(readFile(join(config.dataDir, "node.pid"), "utf8")).rejects.toMatchObject({
      code: "ENOENT",
    });
    // The log file was flushed on close.
    await waitFor(
      async () => (await readFile(config.log.file as string, "utf8")).includes("service stopped"),
      {
        what: "'service stopped' in the log file",
        timeoutMs: 5000,
      },
    );

    // Another chain's genesis on this data dir: coded, and the failed boot releases LMDB and the lock.
    const otherGenesis = join(dir, "other-genesis.json");
    const other = buildGenesisFile({ chainId: "tandem:nestother", validators: [nodePublicInfo(key)] });
    await writeFile(otherGenesis, JSON.stringify(other));
    const mismatch = await runChainService({ config: { ...config, genesisFile: otherGenesis } }).catch(
      (e: unknown) => e,
    );
    expect(isLedgerError(mismatch, "GENESIS_MISMATCH")).toBe(true);
    expect(describeError(mismatch)).toMatch(/^error \[GENESIS_MISMATCH\]: data dir .* holds another chain/);

    // A lock held by a live process is respected; one left by a dead process (kill -9) is taken over.
    const lock = join(config.dataDir, "node.pid");
    await writeFile(lock, `${process.ppid}\n`);
    const held = await runChainService({ config }).catch((e: unknown) => e);
    expect(describeError(held)).toContain(`in use by pid ${process.ppid}`);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    await writeFile(lock, `${dead}\n`);

    // A second service on the same LMDB env continues the chain from the head the first one left.
    reopened = await runChainService({ config });
    expect(reopened.runtime.node.height).toBeGreaterThanOrEqual(height);
    const block = await rpc.getBlock({ height });
    expect(block.hash).toBe(head);
    await inConsensus(reopened, height + 2);
    expect((await rpc.getStatus()).height).toBeGreaterThan(height);
  });
});

describe("boot errors are coded", () => {
  async function bootError(over: Record<string, unknown>, profile?: "home"): Promise<unknown> {
    const cfg = nodeConfig({ dataDir: join(dir, `bad-${Math.random().toString(36).slice(2)}`), ...over });
    return runChainService({ config: cfg, ...(profile === undefined ? {} : { profile }) }).then(
      async (s) => {
        await s.close();
        throw new Error("the service booted");
      },
      (e: unknown) => e,
    );
  }

  it("a config of another profile → CONFIG_INVALID", async () => {
    const e = await bootError({}, "home");
    expect(isLedgerError(e, "CONFIG_INVALID")).toBe(true);
    expect(describeError(e)).toBe(
      "error [CONFIG_INVALID]: this service runs the home profile; the config says enterprise\n  - profile: expected home",
    );
  });

  it("a key file others can read → KEY_FILE_PERMISSIONS", async () => {
    const keyFile = join(dir, "loose.key.json");
    await writeNodeKeyFile(keyFile, key);
    await chmod(keyFile, 0o644);
    const e = await bootError({ keyFile });
    expect(isLedgerError(e, "KEY_FILE_PERMISSIONS")).toBe(true);
    expect(describeError(e)).toMatch(/^error \[KEY_FILE_PERMISSIONS\]: key file .* \(mode 644\)/);
  });

  it("a genesis whose validator's proof of possession is forged → GENESIS_INVALID, issues listed", async () => {
    const other = await generateNodeKey();
    // The other key's valid pop: well-formed, but not a proof for this validator's BLS key.
    const forged = buildGenesisFile({
      chainId: CHAIN_ID,
      validators: [{ ...nodePublicInfo(key), pop: bytesToHex(other.bls.pop) }],
    });
    const genesisFile = join(dir, "forged-genesis.json");
    await writeFile(genesisFile, JSON.stringify(forged));
    const e = await bootError({ genesisFile });
    expect(isLedgerError(e, "GENESIS_INVALID")).toBe(true);
    const text = describeError(e);
    expect(text).toMatch(/^error \[GENESIS_INVALID\]: /);
    expect(text).toContain("\n  - validators.0.pop: not a proof of possession of blsPublicKey");
  });

  it("describeError of an uncoded error is its stack", () => {
    const e = new Error("boom");
    expect(describeError(e)).toBe(`error: ${e.stack}`);
    expect(describeError("plain")).toBe("error: plain");
  });
});
