/** `tandem account create|show`: an Ed25519 account key file (`tandem/account-key/v1`, mode 0600). */
import { resolve } from "node:path";
import { bytesToHex } from "@tandem/crypto";
import { addressToHex, formatTandemAccountId } from "@tandem/ledger";
import {
  type AccountKey,
  accountKeyAddress,
  generateAccountKey,
  readAccountKeyFile,
  writeAccountKeyFile,
} from "../account-key.js";
import { invalidArgument } from "../errors.js";
import { formatFields, type Output, printJson } from "../output.js";
import { parseChainIdOption, parseHashSuite } from "../parse.js";

export interface AccountInfo {
  readonly scheme: "ed25519";
  readonly publicKey: string;
  readonly address: string;
  readonly hashSuite: string;
  /** CAIP-10 id on `--chain-id`, when given. */
  readonly accountId?: string;
}

export interface AccountOptions {
  chainId?: string;
  hashSuite?: string;
  json?: boolean;
}

function accountInfo(key: AccountKey, opts: AccountOptions): AccountInfo {
  const suite = parseHashSuite(opts.hashSuite);
  const chainId = opts.chainId === undefined ? undefined : parseChainIdOption(opts.chainId);
  const address = accountKeyAddress(key, suite);
  return {
    scheme: key.scheme,
    publicKey: bytesToHex(key.publicKey),
    address: addressToHex(address),
    hashSuite: suite,
    ...(chainId === undefined ? {} : { accountId: formatTandemAccountId(chainId, address) }),
  };
}

function printAccount(o: Output, info: AccountInfo, file: string, json: boolean): void {
  if (json) {
    printJson(o, info);
    return;
  }
  for (const line of formatFields([
    ["key file", file],
    [`address (${info.hashSuite})`, info.address],
    ...(info.accountId === undefined ? [] : [["account id", info.accountId] as const]),
    ["public key", info.publicKey],
  ]))
    o.out(line);
}

export async function accountCreate(
  opts: AccountOptions & { out?: string; force?: boolean },
  o: Output,
): Promise<AccountInfo> {
  if (opts.out === undefined || opts.out === "")
    throw invalidArgument("--out <file> is required", { option: "--out" });
  const key = generateAccountKey();
  // Validate the options before anything is written.
  const info = accountInfo(key, opts);
  await writeAccountKeyFile(resolve(opts.out), key, { force: opts.force === true });
  o.err(`wrote account key to ${opts.out} (mode 0600: keep it secret)`);
  printAccount(o, info, opts.out, opts.json === true);
  return info;
}

export async function accountShow(
  file: string | undefined,
  opts: AccountOptions,
  o: Output,
): Promise<AccountInfo> {
  if (file === undefined || file === "")
    throw invalidArgument("an account key file is required", { option: "<file>" });
  const info = accountInfo(await readAccountKeyFile(resolve(file)), opts);
  printAccount(o, info, file, opts.json === true);
  return info;
}
