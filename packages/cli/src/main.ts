/**
 * The `tandem` command line: commander wiring only. Each command's logic is a function in
 * `commands/` that takes parsed options and an output sink, loaded when its command runs (so `--help`
 * does not load the chain runtime). Every failure ends as one line
 * `error [CODE]: message` on stderr and exit code 1 (a stack trace only with TANDEM_DEBUG=1).
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import type { RunChainService } from "./commands/node.js";
import { CliErrorCode, formatError } from "./errors.js";
import { type Output, processOutput } from "./output.js";

export const VERSION = "0.1.0";

export interface MainDeps {
  output?: Output;
  /** Aborts long-running commands (node start, status --watch); default: SIGINT/SIGTERM. */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  runChainService?: RunChainService;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const DEFAULT_NATS = "nats://127.0.0.1:4222";

/** Runs long commands until SIGINT/SIGTERM (or `deps.signal`). */
async function withStopSignal<T>(deps: MainDeps, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (deps.signal !== undefined) return fn(deps.signal);
  const ac = new AbortController();
  let first = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches this process twice when it runs under bin/tandem.mjs (from the tty and
    // relayed by the wrapper): only a second signal a while after the first means "exit now".
    if (first === 0) {
      first = Date.now();
      ac.abort(sig);
    } else if (Date.now() - first > 1000) {
      process.stderr.write(`received ${sig} again; exiting now\n`);
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export function buildProgram(deps: MainDeps = {}): Command {
  const o = deps.output ?? processOutput;
  const env = deps.env ?? process.env;
  const natsDefault = env.TANDEM_NATS_URL ?? DEFAULT_NATS;
  const program = new Command("tandem");
  program
    .description("Tandem operator CLI: keys, genesis, node config and start, chain status, transfers")
    .version(VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => o.out(s.replace(/\n$/, "")),
      writeErr: (s) => o.err(s.replace(/\n$/, "")),
      // Errors are printed once, coded, by main().
      outputError: () => {},
    })
    .addHelpText(
      "after",
      `
Examples:
  tandem keys create --out node1.key --public-out node1.pub.json
  tandem genesis create --chain-id tandem:acme --validator node1.pub.json:10 --balance <address>=1000000 --out genesis.json
  tandem node init --profile enterprise --dir ./node1 --key node1.key --genesis genesis.json
  tandem node start --config ./node1/node.json
  tandem status --nats nats://127.0.0.1:4222 --chain tandem:acme --watch
  tandem transfer --chain tandem:acme --from alice.key --to <address> --amount 10 --wait

Every command takes --help. Errors print as "error [CODE]: message" with exit code 1
(TANDEM_DEBUG=1 adds stack traces).`,
    );

  const hashSuiteOption = () =>
    new Option("--hash-suite <suite>", "hash suite of the chain, for addresses")
      .choices(["sha256", "sm3"])
      .default("sha256");

  // ---- keys -------------------------------------------------------------------------------------
  const keys = program
    .command("keys")
    .description("node key files (BLS validator key, operator key, libp2p identity)");
  keys
    .command("create")
    .description("create a node key file (mode 0600) and print its public info")
    .requiredOption("-o, --out <file>", "where to write the key file (must not exist)")
    .option("--force", "overwrite an existing file")
    .option("--public-out <file>", "also write the public info (no secrets) for the genesis author")
    .option("--name <name>", "validator name to put in the public info")
    .addOption(hashSuiteOption())
    .option("--json", "print the public info as JSON")
    .action(async (opts) => {
      const { keysCreate } = await import("./commands/keys.js");
      await keysCreate(opts, o);
    });
  keys
    .command("show")
    .description("print the public info of a node key file (refuses a file others can read)")
    .argument("<file>", "node key file")
    .option("--public-out <file>", "also write the public info (no secrets) to this file")
    .option("--force", "overwrite the --public-out file")
    .option("--name <name>", "validator name to put in the public info")
    .addOption(hashSuiteOption())
    .option("--json", "print as JSON (the format genesis create --validator reads)")
    .action(async (file: string, opts) => {
      const { keysShow } = await import("./commands/keys.js");
      await keysShow(file, opts, o);
    });

  // ---- account ----------------------------------------------------------------------------------
  const account = program
    .command("account")
    .description("account key files (Ed25519) that sign transactions");
  account
    .command("create")
    .description(`create an account key file (tandem/account-key/v1, mode 0600) and print its address`)
    .requiredOption("-o, --out <file>", "where to write the key file (must not exist)")
    .option("--force", "overwrite an existing file")
    .option("--chain-id <chainId>", "also print the CAIP-10 account id on this chain, e.g. tandem:acme")
    .addOption(hashSuiteOption())
    .option("--json", "print as JSON")
    .action(async (opts) => {
      const { accountCreate } = await import("./commands/account.js");
      await accountCreate(opts, o);
    });
  account
    .command("show")
    .description("print the address of an account key file")
    .argument("<file>", "account key file")
    .option("--chain-id <chainId>", "also print the CAIP-10 account id on this chain")
    .addOption(hashSuiteOption())
    .option("--json", "print as JSON")
    .action(async (file: string, opts) => {
      const { accountShow } = await import("./commands/account.js");
      await accountShow(file, opts, o);
    });

  // ---- genesis ----------------------------------------------------------------------------------
  const genesis = program.command("genesis").description("genesis files");
  genesis
    .command("create")
    .description("create a chain's genesis file from its validators and initial balances")
    .requiredOption("--chain-id <chainId>", "CAIP-2 chain id, e.g. tandem:acme")
    .requiredOption(
      "--validator <file[:power]>",
      "a validator's public-info JSON (keys show --json) or node key file, with its voting power (default 10); repeat for each",
      collect,
    )
    .option(
      "--balance <account=amount>",
      "initial balance: 40-hex address or CAIP-10 id = amount; repeatable",
      collect,
    )
    .option("--denom <denom>", "denomination of the balances (default <chainId>/native:credit)")
    .addOption(
      new Option("--hash-suite <suite>", "hash suite of the chain")
        .choices(["sha256", "sm3"])
        .default("sha256"),
    )
    .option("--genesis-time <time>", "genesis time, RFC 3339 (default now)")
    .requiredOption("-o, --out <file>", "where to write the genesis file (must not exist)")
    .option("--force", "overwrite an existing file")
    .option("--json", "print the summary as JSON")
    .action(async (opts) => {
      const { genesisCreate } = await import("./commands/genesis.js");
      await genesisCreate(opts, o);
    });

  // ---- node -------------------------------------------------------------------------------------
  const node = program.command("node").description("run a chain node");
  node
    .command("init")
    .description("write a node config (<dir>/node.json) for a key and a genesis")
    .addOption(
      new Option("--profile <profile>", "enterprise (WAN consortium) or home (LAN hub)")
        .choices(["enterprise", "home"])
        .makeOptionMandatory(),
    )
    .requiredOption("--dir <dir>", "the node's directory (config and data)")
    .requiredOption("--key <file>", "the node key file")
    .requiredOption("--genesis <file>", "the chain's genesis file")
    .option("--listen <multiaddr>", "libp2p listen address; repeatable (default: the profile's)", collect)
    .option("--bootstrap <multiaddr>", "a seed, /ip4/…/tcp/…/p2p/<peerId>; repeatable", collect)
    .option("--nats <url>", `NATS server; repeatable (default ${DEFAULT_NATS})`, collect)
    .option("--http-port <port>", "health and metrics port (default 0: any free port)")
    .option("--name <name>", "node name for logs and status")
    .option("--force", "overwrite an existing node.json")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { nodeInit } = await import("./commands/node.js");
      await nodeInit(opts, o);
    });
  node
    .command("start")
    .description("run the chain service in the foreground (Ctrl-C to stop)")
    .requiredOption("-c, --config <file>", "the node config (node.json)")
    .action(async (opts) => {
      const { nodeStart } = await import("./commands/node.js");
      await withStopSignal(deps, (signal) =>
        nodeStart(opts, o, {
          signal,
          ...(deps.runChainService === undefined ? {} : { runChainService: deps.runChainService }),
        }),
      );
    });

  // ---- status / transfer ------------------------------------------------------------------------
  program
    .command("status")
    .description("show chains' height, head, mode, peers and mempool over NATS RPC")
    .option("--nats <url>", "NATS server (env TANDEM_NATS_URL)", natsDefault)
    .requiredOption("--chain <chainId>", "chain to query; repeatable", collect)
    .option("--watch", "refresh every second until Ctrl-C")
    .option("--interval <ms>", "refresh interval with --watch", "1000")
    .option("--timeout <ms>", "RPC timeout", "3000")
    .option("--json", "print as JSON")
    .action(async (opts) => {
      const { status } = await import("./commands/status.js");
      await withStopSignal(deps, (signal) =>
        status(opts, o, {
          signal,
          clearScreen: deps.output === undefined && process.stdout.isTTY === true && opts.json !== true,
        }),
      );
    });
  program
    .command("transfer")
    .description("sign and submit a transfer; --wait for it to be committed and check its proof")
    .option("--nats <url>", "NATS server (env TANDEM_NATS_URL)", natsDefault)
    .requiredOption("--chain <chainId>", "the chain, e.g. tandem:acme")
    .requiredOption("--from <file>", "the sender's account key file")
    .requiredOption("--to <account>", "recipient: 40-hex address or CAIP-10 id")
    .requiredOption("--amount <n>", "amount in the denom's base unit")
    .option("--denom <denom>", "denomination (default <chainId>/native:credit)")
    .option("--memo <text>", "memo (≤ 256 bytes)", "")
    .option("--nonce <n>", "nonce (default: the account's next nonce from the chain)")
    .option("--expiry-height <h>", "last height the tx may be included at (default 0: none)", "0")
    .addOption(
      new Option("--hash-suite <suite>", "the chain's hash suite (default: detected from the chain)").choices(
        ["sha256", "sm3"],
      ),
    )
    .option("--wait", "wait until committed, verify the inclusion proof, print height, block and result")
    .option("--wait-timeout <ms>", "give up waiting after this long", "30000")
    .option("--timeout <ms>", "RPC timeout", "5000")
    .option("--json", "print the result as JSON")
    .action(async (opts) => {
      const { transfer } = await import("./commands/transfer.js");
      await transfer(opts, o);
    });
  return program;
}

/** Runs the CLI on `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], deps: MainDeps = {}): Promise<number> {
  const o = deps.output ?? processOutput;
  const env = deps.env ?? process.env;
  const program = buildProgram(deps);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return 0;
      if (e.code === "commander.help") return e.exitCode;
      const message = e.message.replace(/^error: /, "");
      o.err(`error [${CliErrorCode.USAGE}]: ${message} (see --help)`);
      return 1;
    }
    o.err(formatError(e, { debug: env.TANDEM_DEBUG === "1" || env.TANDEM_DEBUG === "true" }));
    return 1;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
