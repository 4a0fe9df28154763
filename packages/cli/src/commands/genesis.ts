/**
 * `tandem genesis create`: a chain's genesis file from its validators' public infos (or their node key
 * files, for a single operator's devnet) and initial balances. The document is checked with the very
 * parser a node boots with before it is written.
 */
import { resolve } from "node:path";
import {
  buildGenesisFile,
  NODE_KEY_FILE_TYPE,
  type NodePublicInfo,
  nodePublicInfo,
  parseGenesis,
  readNodeKeyFile,
} from "@tandem/chain-runtime";
import { addressToHex } from "@tandem/ledger";
import { z } from "zod";
import { CliError, CliErrorCode, invalidArgument } from "../errors.js";
import { readJsonFile, writeNewFile } from "../files.js";
import { formatTable, type Output, printJson } from "../output.js";
import {
  listOption,
  nativeDenom,
  parseAccount,
  parseAmount,
  parseChainIdOption,
  parseDenomOption,
  parseHashSuite,
} from "../parse.js";

export interface GenesisCreateOptions {
  chainId?: string;
  /** `<node-key-or-public-info-file>[:power]`, repeated. */
  validator?: string[];
  hashSuite?: string;
  /** `<address-or-caip10>=<amount>`, repeated. */
  balance?: string[];
  denom?: string;
  /** RFC 3339 genesis time (default now). */
  genesisTime?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

export interface GenesisSummary {
  readonly file: string;
  readonly chainId: string;
  readonly hashSuite: string;
  readonly denom: string;
  readonly validators: ReadonlyArray<{ name: string; address: string; peerId: string; power: string }>;
  readonly balances: ReadonlyArray<{ address: string; denom: string; amount: string }>;
}

const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of lower-case hex`);

/** The public info a validator hands over; extra fields (operatorAddress, hashSuite) are ignored. */
const publicInfoSchema = z.object({
  name: z.string().min(1).max(64).optional(),
  operatorPublicKey: hex(32),
  blsPublicKey: hex(48),
  pop: hex(96),
  peerId: z.string().min(1),
});

interface ValidatorSpec {
  readonly file: string;
  readonly power: bigint | undefined;
}

export function parseValidatorSpec(spec: string): ValidatorSpec {
  const m = /^(.+):([0-9]+)$/.exec(spec);
  if (m === null) return { file: spec, power: undefined };
  const power = BigInt(m[2] as string);
  if (power <= 0n || power > 2n ** 62n) {
    throw invalidArgument(`--validator ${spec}: power must be a positive integer`, { option: "--validator" });
  }
  return { file: m[1] as string, power };
}

/** A validator's public info from a node key file or a public-info JSON file. */
export async function readValidatorInfo(file: string): Promise<NodePublicInfo & { name?: string }> {
  const path = resolve(file);
  const json = await readJsonFile(path, CliErrorCode.VALIDATOR_INFO_INVALID);
  if (typeof json === "object" && json !== null && (json as { type?: unknown }).type === NODE_KEY_FILE_TYPE) {
    return nodePublicInfo(await readNodeKeyFile(path));
  }
  const r = publicInfoSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new CliError(
      CliErrorCode.VALIDATOR_INFO_INVALID,
      `${file} is neither a node key file nor a validator public-info file (${issues[0]?.path}: ${issues[0]?.message})`,
      { path: file, issues },
    );
  }
  const { name, ...info } = r.data;
  return name === undefined ? info : { ...info, name };
}

export function parseBalanceSpec(spec: string, chainId: string): { address: string; amount: bigint } {
  const at = spec.lastIndexOf("=");
  if (at <= 0) {
    throw invalidArgument(`--balance ${JSON.stringify(spec)}: expected <address-or-caip10>=<amount>`, {
      option: "--balance",
    });
  }
  const address = parseAccount(spec.slice(0, at), "--balance", chainId);
  return { address: addressToHex(address), amount: parseAmount(spec.slice(at + 1), "--balance amount") };
}

export async function genesisCreate(opts: GenesisCreateOptions, o: Output): Promise<GenesisSummary> {
  const chainId = parseChainIdOption(opts.chainId);
  const suite = parseHashSuite(opts.hashSuite);
  const denom = opts.denom === undefined ? nativeDenom(chainId) : parseDenomOption(opts.denom);
  if (opts.out === undefined || opts.out === "")
    throw invalidArgument("--out <file> is required", { option: "--out" });
  const specs = listOption(opts.validator).map(parseValidatorSpec);
  if (specs.length === 0) {
    throw invalidArgument("at least one --validator <key-or-public-info-file>[:power] is required", {
      option: "--validator",
    });
  }
  const balances = listOption(opts.balance).map((b) => ({ ...parseBalanceSpec(b, chainId), denom }));
  let genesisTime: Date | undefined;
  if (opts.genesisTime !== undefined) {
    genesisTime = new Date(opts.genesisTime);
    if (Number.isNaN(genesisTime.getTime())) {
      throw invalidArgument("--genesis-time must be an RFC 3339 time", { option: "--genesis-time" });
    }
  }
  const validators: Array<NodePublicInfo & { name?: string; power?: bigint }> = [];
  for (const s of specs) {
    const info = await readValidatorInfo(s.file);
    validators.push(s.power === undefined ? info : { ...info, power: s.power });
    o.err(`validator ${info.name ?? `#${validators.length - 1}`}: peer ${info.peerId} from ${s.file}`);
  }
  const doc = buildGenesisFile({
    chainId,
    hashSuite: suite,
    ...(genesisTime === undefined ? {} : { genesisTime }),
    validators,
    denoms: [denom],
    balances,
  });
  // The node's own parser: keys, proofs of possession, duplicates, powers.
  const parsed = await parseGenesis(doc, "the new genesis");
  const out = resolve(opts.out);
  await writeNewFile(out, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o644, force: opts.force === true });
  o.err(`wrote genesis of ${chainId} to ${opts.out}`);
  const summary: GenesisSummary = {
    file: opts.out,
    chainId,
    hashSuite: suite,
    denom,
    validators: parsed.validatorNames.map((v, i) => ({
      ...v,
      power: String(parsed.genesis.validators[i]?.power ?? ""),
    })),
    balances: balances.map((b) => ({ address: b.address, denom: b.denom, amount: b.amount.toString() })),
  };
  if (opts.json === true) printJson(o, summary);
  else {
    o.out(`chain ${chainId} (hash suite ${suite}), denom ${denom}`);
    o.out("");
    for (const line of formatTable([
      ["VALIDATOR", "ADDRESS", "POWER", "PEER ID"],
      ...summary.validators.map((v) => [v.name, v.address, v.power, v.peerId]),
    ]))
      o.out(line);
    if (summary.balances.length > 0) {
      o.out("");
      for (const line of formatTable([
        ["ACCOUNT", "AMOUNT"],
        ...summary.balances.map((b) => [b.address, b.amount]),
      ]))
        o.out(line);
    }
  }
  return summary;
}
