import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { NODE_KEY_FILE_TYPE, parseNodeConfig, readGenesisFile, readNodeKeyFile } from "@tandem/chain-runtime";
import { addressToHex, formatTandemAccountId } from "@tandem/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_KEY_FILE_TYPE, accountKeyAddress, readAccountKeyFile } from "../src/account-key.js";
import { accountCreate, accountShow } from "../src/commands/account.js";
import { genesisCreate } from "../src/commands/genesis.js";
import { keysCreate, keysShow } from "../src/commands/keys.js";
import { nodeInit, nodeStart } from "../src/commands/node.js";
import { formatError } from "../src/errors.js";
import { main } from "../src/main.js";
import { MemoryOutput } from "../src/output.js";
import { codeOf, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
const p = (name: string) => join(dir, name);
const mode = async (path: string) => (await stat(path)).mode & 0o777;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await cleanup();
});

describe("keys", () => {
  it("creates a 0600 node key file, exclusively, and prints its public info", async () => {
    const o = new MemoryOutput();
    const info = await keysCreate(
      { out: p("keys/v1.key"), publicOut: p("v1.pub.json"), name: "alpha", json: true },
      o,
    );
    expect(await mode(p("keys/v1.key"))).toBe(0o600);
    expect(await mode(p("keys"))).toBe(0o700);
    const key = await readNodeKeyFile(p("keys/v1.key"));
    expect(key.p2p.peerId).toBe(info.peerId);
    expect(o.json()).toMatchObject({ peerId: info.peerId, name: "alpha", hashSuite: "sha256" });
    expect(info.operatorAddress).toMatch(/^[0-9a-f]{40}$/);
    expect(info.blsPublicKey).toHaveLength(96);
    expect(info.pop).toHaveLength(192);
    const pub = JSON.parse(await readFile(p("v1.pub.json"), "utf8"));
    expect(pub).toEqual(info);
    expect(JSON.stringify(pub)).not.toContain("secret");
    expect(o.stderr.join("\n")).toContain("0600");

    expect(await codeOf(keysCreate({ out: p("keys/v1.key") }, new MemoryOutput()))).toBe("KEY_FILE_EXISTS");
    // --force replaces it with a new key.
    const again = await keysCreate({ out: p("keys/v1.key"), force: true }, new MemoryOutput());
    expect(again.peerId).not.toBe(info.peerId);
    expect(await mode(p("keys/v1.key"))).toBe(0o600);
  });

  it("shows a key's public info and refuses a file others can read", async () => {
    await keysCreate({ out: p("v2.key") }, new MemoryOutput());
    const o = new MemoryOutput();
    const info = await keysShow(p("v2.key"), { hashSuite: "sm3" }, o);
    expect(info.hashSuite).toBe("sm3");
    expect(o.text).toContain(info.peerId);
    expect(o.text).toContain("operator address (sm3)");
    await chmod(p("v2.key"), 0o644);
    expect(await codeOf(keysShow(p("v2.key"), {}, new MemoryOutput()))).toBe("KEY_FILE_PERMISSIONS");
    await chmod(p("v2.key"), 0o600);
    expect(await codeOf(keysShow(p("missing.key"), {}, new MemoryOutput()))).toBe("KEY_FILE_INVALID");
    expect(await codeOf(keysShow(p("v2.key"), { hashSuite: "md5" }, new MemoryOutput()))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await codeOf(keysCreate({}, new MemoryOutput()))).toBe("INVALID_ARGUMENT");
  });
});

describe("account", () => {
  it("creates a 0600 account key file and prints its address and CAIP-10 id", async () => {
    const o = new MemoryOutput();
    const info = await accountCreate({ out: p("alice.key"), chainId: "tandem:acme", json: true }, o);
    expect(await mode(p("alice.key"))).toBe(0o600);
    const file = JSON.parse(await readFile(p("alice.key"), "utf8"));
    expect(file.type).toBe(ACCOUNT_KEY_FILE_TYPE);
    const key = await readAccountKeyFile(p("alice.key"));
    const address = accountKeyAddress(key);
    expect(info.address).toBe(addressToHex(address));
    expect(info.accountId).toBe(formatTandemAccountId("tandem:acme", address));
    expect(o.json()).toEqual(info);

    expect(await codeOf(accountCreate({ out: p("alice.key") }, new MemoryOutput()))).toBe("FILE_EXISTS");
    expect(await codeOf(accountCreate({ out: p("bob.key"), chainId: "eip155:1" }, new MemoryOutput()))).toBe(
      "INVALID_ARGUMENT",
    );
    const shown = await accountShow(p("alice.key"), { hashSuite: "sm3" }, new MemoryOutput());
    expect(shown.publicKey).toBe(info.publicKey);
    expect(shown.address).not.toBe(info.address);
  });

  it("refuses tampered or world-readable account key files", async () => {
    await accountCreate({ out: p("carol.key") }, new MemoryOutput());
    const doc = JSON.parse(await readFile(p("carol.key"), "utf8"));
    await writeFile(p("carol-bad.key"), JSON.stringify({ ...doc, publicKey: "00".repeat(32) }), {
      mode: 0o600,
    });
    expect(await codeOf(readAccountKeyFile(p("carol-bad.key")))).toBe("ACCOUNT_KEY_INVALID");
    await writeFile(p("carol-junk.key"), "not json", { mode: 0o600 });
    expect(await codeOf(readAccountKeyFile(p("carol-junk.key")))).toBe("ACCOUNT_KEY_INVALID");
    await chmod(p("carol.key"), 0o640);
    expect(await codeOf(readAccountKeyFile(p("carol.key")))).toBe("KEY_FILE_PERMISSIONS");
  });
});

describe("genesis", () => {
  it("builds a genesis from public infos and key files that the node's parser accepts", async () => {
    await keysCreate({ out: p("g1.key"), publicOut: p("g1.pub.json"), name: "one" }, new MemoryOutput());
    await keysCreate({ out: p("g2.key") }, new MemoryOutput());
    const alice = await accountCreate({ out: p("g-alice.key"), chainId: "tandem:acme" }, new MemoryOutput());
    const bob = await accountCreate({ out: p("g-bob.key") }, new MemoryOutput());
    const o = new MemoryOutput();
    const summary = await genesisCreate(
      {
        chainId: "tandem:acme",
        validator: [`${p("g1.pub.json")}:30`, p("g2.key")],
        balance: [`${alice.accountId}=1_000_000`, `0x${bob.address}=5`],
        out: p("genesis.json"),
      },
      o,
    );
    const g = await readGenesisFile(p("genesis.json"));
    expect(g.genesis.chainId).toBe("tandem:acme");
    expect(g.hashSuite).toBe("sha256");
    expect(g.genesis.validators.map((v) => v.power)).toEqual([30n, 10n]);
    expect(g.validatorNames[0]?.name).toBe("one");
    const key2 = await readNodeKeyFile(p("g2.key"));
    expect(g.validatorPeerIds[1]).toBe(key2.p2p.peerId);
    expect(g.genesis.denoms).toEqual(["tandem:acme/native:credit"]);
    expect((g.genesis.balances ?? []).map((b) => [addressToHex(b.address), b.amount])).toEqual([
      [alice.address, 1_000_000n],
      [bob.address, 5n],
    ]);
    expect(summary.validators).toHaveLength(2);
    expect(o.text).toContain("tandem:acme");
    expect(o.text).toContain(alice.address);
    expect(await mode(p("genesis.json"))).toBe(0o644);
    // Never overwritten by accident.
    expect(
      await codeOf(
        genesisCreate({ chainId: "tandem:acme", validator: [p("g2.key")], out: p("genesis.json") }, o),
      ),
    ).toBe("FILE_EXISTS");
  });

  it("takes the hash suite and a denom", async () => {
    const s = await genesisCreate(
      {
        chainId: "tandem:home-1",
        hashSuite: "sm3",
        denom: "tandem:home-1/native:watt",
        validator: [p("g2.key")],
        balance: [`${"11".repeat(20)}=7`],
        out: p("genesis-sm3.json"),
        json: true,
      },
      new MemoryOutput(),
    );
    const g = await readGenesisFile(p("genesis-sm3.json"));
    expect(g.hashSuite).toBe("sm3");
    expect(g.genesis.denoms).toEqual(["tandem:home-1/native:watt"]);
    expect(s.validators[0]?.address).toBe(g.validatorNames[0]?.address);
  });

  it("rejects bad inputs with coded errors and writes nothing", async () => {
    const o = new MemoryOutput();
    const base = { chainId: "tandem:acme", validator: [p("g2.key")], out: p("bad.json") };
    expect(await codeOf(genesisCreate({ ...base, chainId: "acme" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(genesisCreate({ ...base, validator: [] }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(genesisCreate({ ...base, validator: [p("nope.json")] }, o))).toBe("FILE_IO");
    expect(await codeOf(genesisCreate({ ...base, validator: [`${p("g2.key")}:0`] }, o))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await codeOf(genesisCreate({ ...base, balance: ["xyz=5"] }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(genesisCreate({ ...base, balance: [`${"ab".repeat(20)}=0`] }, o))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await codeOf(genesisCreate({ ...base, balance: [`tandem:other:${"ab".repeat(20)}=5`] }, o))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(await codeOf(genesisCreate({ ...base, denom: "credit" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(genesisCreate({ ...base, hashSuite: "md5" }, o))).toBe("INVALID_ARGUMENT");
    // The same validator twice: the node's parser says so.
    const twice = genesisCreate({ ...base, out: p("bad2.json"), validator: [p("g2.key"), p("g2.key")] }, o);
    expect(await codeOf(twice)).toBe("GENESIS_INVALID");
    // A public info with a broken proof of possession.
    const pub = JSON.parse(await readFile(p("g1.pub.json"), "utf8"));
    await writeFile(p("forged.pub.json"), JSON.stringify({ ...pub, pop: "00".repeat(96) }));
    expect(
      await codeOf(genesisCreate({ ...base, out: p("bad3.json"), validator: [p("forged.pub.json")] }, o)),
    ).toBe("GENESIS_INVALID");
    await writeFile(p("junk.pub.json"), JSON.stringify({ type: "something" }));
    expect(
      await codeOf(genesisCreate({ ...base, out: p("bad4.json"), validator: [p("junk.pub.json")] }, o)),
    ).toBe("VALIDATOR_INFO_INVALID");
    await expect(stat(p("bad2.json"))).rejects.toThrow();
    await expect(stat(p("bad3.json"))).rejects.toThrow();
  });

  it("prints a genesis error with its issues", async () => {
    const e = await genesisCreate(
      { chainId: "tandem:acme", validator: [p("g2.key"), p("g2.key")], out: p("bad5.json") },
      new MemoryOutput(),
    ).catch((x: unknown) => x);
    const line = formatError(e);
    expect(line).toMatch(/^error \[GENESIS_INVALID\]: /);
    expect(line).toContain("used by an earlier validator");
  });
});

describe("node init", () => {
  it("writes a node.json the node's schema accepts, with paths relative to the node dir", async () => {
    await keysCreate({ out: p("n1/node.key") }, new MemoryOutput());
    await genesisCreate(
      { chainId: "tandem:nodes", validator: [p("n1/node.key")], out: p("nodes-genesis.json") },
      new MemoryOutput(),
    );
    const o = new MemoryOutput();
    const r = await nodeInit(
      {
        profile: "home",
        dir: p("n1"),
        key: p("n1/node.key"),
        genesis: p("nodes-genesis.json"),
        listen: ["/ip4/127.0.0.1/tcp/0"],
        bootstrap: ["/ip4/10.0.0.2/tcp/26756/p2p/12D3KooWExample"],
        nats: ["nats://10.0.0.1:4222,nats://10.0.0.2:4222"],
        httpPort: "8080",
        name: "hub",
      },
      o,
    );
    expect(r.validator).toBe(true);
    expect(r.configPath).toBe(p("n1/node.json"));
    const json = JSON.parse(await readFile(p("n1/node.json"), "utf8"));
    expect(json.keyFile).toBe("node.key");
    expect(json.genesisFile).toBe(p("nodes-genesis.json"));
    const cfg = parseNodeConfig(json, { baseDir: p("n1") });
    expect(cfg.profile).toBe("home");
    expect(cfg.name).toBe("hub");
    expect(cfg.keyFile).toBe(p("n1/node.key"));
    expect(cfg.dataDir).toBe(p("n1/data"));
    expect(cfg.nats.servers).toEqual(["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"]);
    expect(cfg.http.port).toBe(8080);
    expect(cfg.p2p.listen).toEqual(["/ip4/127.0.0.1/tcp/0"]);
    expect(o.text).toContain("tandem node start --config");
    expect(
      await codeOf(
        nodeInit(
          { profile: "home", dir: p("n1"), key: p("n1/node.key"), genesis: p("nodes-genesis.json") },
          o,
        ),
      ),
    ).toBe("FILE_EXISTS");
  });

  it("defaults to the profile's listen address and notes a non-validator key", async () => {
    await keysCreate({ out: p("n2.key") }, new MemoryOutput());
    const o = new MemoryOutput();
    const r = await nodeInit(
      { profile: "enterprise", dir: p("n2"), key: p("n2.key"), genesis: p("nodes-genesis.json"), json: true },
      o,
    );
    expect(r.validator).toBe(false);
    expect(r.config.p2p?.listen).toEqual(["/ip4/0.0.0.0/tcp/26656"]);
    expect(o.stderr.join("\n")).toContain("not a validator");
    expect(o.json()).toMatchObject({ chainId: "tandem:nodes", validator: false });
  });

  it("rejects bad options with coded errors", async () => {
    const o = new MemoryOutput();
    const base = { profile: "home", dir: p("n3"), key: p("n2.key"), genesis: p("nodes-genesis.json") };
    expect(await codeOf(nodeInit({ ...base, profile: "cloud" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(nodeInit({ ...base, key: undefined }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(nodeInit({ ...base, listen: ["127.0.0.1:26656"] }, o))).toBe("CONFIG_INVALID");
    expect(await codeOf(nodeInit({ ...base, nats: ["http://x"] }, o))).toBe("CONFIG_INVALID");
    expect(await codeOf(nodeInit({ ...base, httpPort: "99999" }, o))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(nodeInit({ ...base, genesis: p("g1.pub.json") }, o))).toBe("GENESIS_INVALID");
    await chmod(p("n2.key"), 0o604);
    expect(await codeOf(nodeInit(base, o))).toBe("KEY_FILE_PERMISSIONS");
    await chmod(p("n2.key"), 0o600);
    await expect(stat(p("n3/node.json"))).rejects.toThrow();
  });
});

describe("node start", () => {
  it("validates the config, runs the service until the signal, then closes it", async () => {
    const ac = new AbortController();
    const events: string[] = [];
    const o = new MemoryOutput();
    const run = nodeStart({ config: p("n1/node.json") }, o, {
      signal: ac.signal,
      runChainService: async ({ configPath }) => {
        events.push(`start ${configPath}`);
        return {
          close: async () => {
            events.push("close");
          },
        };
      },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual([`start ${p("n1/node.json")}`]);
    ac.abort();
    await run;
    expect(events).toEqual([`start ${p("n1/node.json")}`, "close"]);
    expect(o.stderr.join("\n")).toContain("stopped");
  });

  it("fails with NODE_FATAL when the node stops on its own", async () => {
    const o = new MemoryOutput();
    const run = nodeStart({ config: p("n1/node.json") }, o, {
      signal: new AbortController().signal,
      runChainService: async ({ onFatal }) => {
        setTimeout(() => onFatal?.(new Error("disk full")), 10);
        return { httpUrl: "http://127.0.0.1:1234", close: async () => {} };
      },
    });
    expect(await codeOf(run)).toBe("NODE_FATAL");
    expect(o.stderr.join("\n")).toContain("http://127.0.0.1:1234");
  });

  it("fails fast on a bad config", async () => {
    await writeFile(p("bad-node.json"), JSON.stringify({ profile: "home" }));
    const o = new MemoryOutput();
    const never = async () => {
      throw new Error("must not start");
    };
    const signal = new AbortController().signal;
    expect(
      await codeOf(nodeStart({ config: p("bad-node.json") }, o, { signal, runChainService: never })),
    ).toBe("CONFIG_INVALID");
    expect(await codeOf(nodeStart({ config: p("none.json") }, o, { signal, runChainService: never }))).toBe(
      "CONFIG_INVALID",
    );
  });
});

describe("main", () => {
  it("prints help for every command and exits 0", async () => {
    for (const argv of [
      ["--help"],
      ["keys", "create", "--help"],
      ["keys", "show", "--help"],
      ["account", "create", "--help"],
      ["account", "show", "--help"],
      ["genesis", "create", "--help"],
      ["node", "init", "--help"],
      ["node", "start", "--help"],
      ["status", "--help"],
      ["transfer", "--help"],
    ]) {
      const o = new MemoryOutput();
      expect(await main(argv, { output: o }), argv.join(" ")).toBe(0);
      expect(o.text, argv.join(" ")).toMatch(/^Usage: tandem/);
    }
  });

  it("reports usage and user errors as one coded line with exit code 1", async () => {
    let o = new MemoryOutput();
    expect(await main(["keys", "create"], { output: o })).toBe(1);
    expect(o.stderr).toEqual([
      "error [USAGE]: required option '-o, --out <file>' not specified (see --help)",
    ]);
    o = new MemoryOutput();
    expect(await main(["frobnicate"], { output: o })).toBe(1);
    expect(o.stderr[0]).toMatch(/^error \[USAGE\]: unknown command 'frobnicate'/);
    o = new MemoryOutput();
    expect(await main(["keys", "show", p("missing.key")], { output: o })).toBe(1);
    expect(o.stderr).toHaveLength(1);
    expect(o.stderr[0]).toMatch(/^error \[KEY_FILE_INVALID\]: cannot read key file/);
    o = new MemoryOutput();
    const argv = ["transfer", "--chain", "tandem:acme", "--from", "x", "--to", "zz", "--amount", "1"];
    expect(await main(argv, { output: o })).toBe(1);
    expect(o.stderr[0]).toMatch(/^error \[INVALID_ARGUMENT\]: --to "zz"/);
  });

  it("runs commands end to end in-process", async () => {
    const o = new MemoryOutput();
    expect(await main(["keys", "create", "--out", p("main.key"), "--json"], { output: o })).toBe(0);
    const info = o.json<{ peerId: string }>();
    const file = JSON.parse(await readFile(p("main.key"), "utf8"));
    expect(file.type).toBe(NODE_KEY_FILE_TYPE);
    expect(file.p2p.peerId).toBe(info.peerId);
  });
});
