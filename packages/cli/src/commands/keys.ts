/**
 * `tandem keys create|show`: a node's key file (BLS validator key + proof of possession, Ed25519 operator
 * key, libp2p identity), written 0600 and exclusive. The public half is what an operator hands to
 * whoever writes the genesis (`--public-out`, or `keys show --json`).
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  generateNodeKey,
  type NodeKey,
  type NodePublicInfo,
  nodePublicInfo,
  operatorAddress,
  readNodeKeyFile,
  writeNodeKeyFile,
} from "@tandem/chain-runtime";
import { addressToHex, hashSuite } from "@tandem/ledger";
import { invalidArgument } from "../errors.js";
import { ioError, writeNewFile } from "../files.js";
import { formatFields, type Output, printJson } from "../output.js";
import { parseHashSuite } from "../parse.js";

/** The public info of a node key, as printed and as `genesis create --validator` reads it back. */
export interface NodeKeyInfo extends NodePublicInfo {
  readonly name?: string;
  /** The operator account's address under the given hash suite. */
  readonly operatorAddress: string;
  readonly hashSuite: string;
}

export function nodeKeyInfo(key: NodeKey, suite: "sha256" | "sm3", name?: string): NodeKeyInfo {
  return {
    ...(name === undefined ? {} : { name }),
    ...nodePublicInfo(key),
    operatorAddress: addressToHex(operatorAddress(key, hashSuite(suite))),
    hashSuite: suite,
  };
}

function printInfo(o: Output, info: NodeKeyInfo, json: boolean, file: string): void {
  if (json) {
    printJson(o, info);
    return;
  }
  for (const line of formatFields([
    ["key file", file],
    ...(info.name === undefined ? [] : [["name", info.name] as const]),
    ["peer id", info.peerId],
    [`operator address (${info.hashSuite})`, info.operatorAddress],
    ["operator public key", info.operatorPublicKey],
    ["bls public key", info.blsPublicKey],
    ["bls pop", info.pop],
  ]))
    o.out(line);
}

async function writePublicInfo(o: Output, path: string, info: NodeKeyInfo, force: boolean): Promise<void> {
  await writeNewFile(resolve(path), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644, force });
  o.err(`wrote public info to ${path} (safe to share: no secrets)`);
}

export interface KeysCreateOptions {
  out?: string;
  force?: boolean;
  /** Also write the public info (no secrets) to this file. */
  publicOut?: string;
  /** A validator name to put in the public info. */
  name?: string;
  hashSuite?: string;
  json?: boolean;
}

export async function keysCreate(opts: KeysCreateOptions, o: Output): Promise<NodeKeyInfo> {
  if (opts.out === undefined || opts.out === "")
    throw invalidArgument("--out <file> is required", { option: "--out" });
  const suite = parseHashSuite(opts.hashSuite);
  if (opts.name !== undefined && (opts.name.length < 1 || opts.name.length > 64)) {
    throw invalidArgument("--name must be 1..64 characters", { option: "--name" });
  }
  const path = resolve(opts.out);
  o.err("generating BLS12-381, Ed25519 and libp2p keys…");
  const key = await generateNodeKey();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw ioError(`cannot create the directory of ${path}`, path, e);
  });
  await writeNodeKeyFile(path, key, { overwrite: opts.force === true });
  o.err(`wrote node key to ${opts.out} (mode 0600: keep it secret)`);
  const info = nodeKeyInfo(key, suite, opts.name);
  if (opts.publicOut !== undefined) await writePublicInfo(o, opts.publicOut, info, opts.force === true);
  printInfo(o, info, opts.json === true, opts.out);
  return info;
}

export interface KeysShowOptions {
  publicOut?: string;
  force?: boolean;
  name?: string;
  hashSuite?: string;
  json?: boolean;
}

export async function keysShow(
  file: string | undefined,
  opts: KeysShowOptions,
  o: Output,
): Promise<NodeKeyInfo> {
  if (file === undefined || file === "")
    throw invalidArgument("a key file is required", { option: "<file>" });
  const suite = parseHashSuite(opts.hashSuite);
  const key = await readNodeKeyFile(resolve(file));
  const info = nodeKeyInfo(key, suite, opts.name);
  if (opts.publicOut !== undefined) await writePublicInfo(o, opts.publicOut, info, opts.force === true);
  printInfo(o, info, opts.json === true, file);
  return info;
}
