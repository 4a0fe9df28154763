/**
 * The genesis file of a chain (JSON): chain id, hash suite, time, validators with their proof of
 * possession and libp2p peer id, denominations and initial balances. Amounts and powers are decimal
 * strings, keys hex. Parsing checks everything a node relies on: a valid CAIP-2 `tandem:` chain id, each
 * BLS key's proof of possession (a rogue-key defence for aggregate commits), unique keys, addresses and
 * peer ids, and denoms that parse.
 */
import { readFile } from "node:fs/promises";
import type { Genesis } from "@tandem/chain-core";
import { bls, bytesToHex, type HashName, hexToBytes, initBls } from "@tandem/crypto";
import {
  accountAddress,
  addressToHex,
  createValidatorSet,
  hashSuite,
  isDenom,
  isTandemChainId,
  parseTandemAccountId,
  type Validator,
} from "@tandem/ledger";
import { normalizePeerId } from "@tandem/p2p";
import { z } from "zod";
import { type ConfigIssue, RuntimeError, RuntimeErrorCode } from "./errors.js";
import type { NodePublicInfo } from "./keys.js";

export const GENESIS_FILE_TYPE = "tandem/genesis/v1";

const hexOf = (bytes: number) =>
  z
    .string()
    .regex(/^[0-9a-f]*$/, "lower-case hex")
    .length(bytes * 2, `${bytes} bytes of hex`);
const decimal = z.string().regex(/^(0|[1-9][0-9]{0,38})$/, "a decimal integer string");

const validatorSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  operatorPublicKey: hexOf(32),
  blsPublicKey: hexOf(48),
  pop: hexOf(96),
  power: decimal,
  peerId: z.string().min(1),
});

const genesisSchema = z.strictObject({
  type: z.literal(GENESIS_FILE_TYPE),
  chainId: z.string().refine(isTandemChainId, "a CAIP-2 chain id in the tandem namespace, e.g. tandem:acme"),
  hashSuite: z.enum(["sha256", "sm3"]),
  /** Genesis time, RFC 3339. */
  genesisTime: z.iso.datetime({ offset: true }),
  validators: z.array(validatorSchema).min(1).max(128),
  denoms: z.array(z.string().refine(isDenom, "a denomination")).default([]),
  balances: z
    .array(
      z.strictObject({
        /** A 20-byte address in hex, or a CAIP-10 account id on this chain. */
        address: z.string().min(1),
        denom: z.string().refine(isDenom, "a denomination"),
        amount: decimal,
      }),
    )
    .default([]),
});

export type GenesisFile = z.input<typeof genesisSchema>;

/** A parsed genesis file: the chain-core genesis plus what the runtime needs around it. */
export interface ChainGenesis {
  readonly genesis: Genesis;
  readonly hashSuite: HashName;
  /** Libp2p peer ids of the genesis validators (the default allowlist). */
  readonly validatorPeerIds: readonly string[];
  /** Validator names (or `validator-<i>`), in file order, with their addresses. */
  readonly validatorNames: ReadonlyArray<{ name: string; address: string; peerId: string }>;
  /** The file as parsed (canonical JSON of it is what `genesisDigest` hashes). */
  readonly file: z.output<typeof genesisSchema>;
}

function invalid(source: string, issues: ConfigIssue[], cause?: unknown): RuntimeError {
  const first = issues[0];
  return new RuntimeError(
    RuntimeErrorCode.GENESIS_INVALID,
    `${source} is not a valid genesis: ${first === undefined ? "" : `${first.path}: ${first.message}`}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}`,
    { source, issues },
    { cause },
  );
}

/** Parses and checks a genesis document (an object from JSON). */
export async function parseGenesis(json: unknown, source = "genesis"): Promise<ChainGenesis> {
  const r = genesisSchema.safeParse(json);
  if (!r.success) {
    throw invalid(
      source,
      r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    );
  }
  const d = r.data;
  const hash = hashSuite(d.hashSuite);
  const issues: ConfigIssue[] = [];
  await initBls();
  const validators: Validator[] = [];
  const names: Array<{ name: string; address: string; peerId: string }> = [];
  const seen = new Set<string>();
  const peerIds: string[] = [];
  d.validators.forEach((v, i) => {
    const path = `validators.${i}`;
    const blsKey = hexToBytes(v.blsPublicKey);
    if (!bls.validatePublicKey(blsKey))
      issues.push({ path: `${path}.blsPublicKey`, message: "not a valid BLS12-381 G1 public key" });
    else if (!bls.popVerify(blsKey, hexToBytes(v.pop)))
      issues.push({ path: `${path}.pop`, message: "not a proof of possession of blsPublicKey" });
    let peerId = v.peerId;
    try {
      peerId = normalizePeerId(v.peerId);
    } catch {
      issues.push({ path: `${path}.peerId`, message: "not a libp2p peer id" });
    }
    const power = BigInt(v.power);
    if (power <= 0n) issues.push({ path: `${path}.power`, message: "must be positive" });
    const address = accountAddress("ed25519", hexToBytes(v.operatorPublicKey), hash);
    for (const [what, k] of [
      ["operatorPublicKey", `op:${v.operatorPublicKey}`],
      ["blsPublicKey", `bls:${v.blsPublicKey}`],
      ["peerId", `peer:${peerId}`],
    ] as const) {
      if (seen.has(k)) issues.push({ path: `${path}.${what}`, message: "used by an earlier validator" });
      seen.add(k);
    }
    validators.push({ address, publicKey: blsKey, power });
    peerIds.push(peerId);
    names.push({ name: v.name ?? `validator-${i}`, address: addressToHex(address), peerId });
  });
  const balances: Array<{ address: Uint8Array; denom: string; amount: bigint }> = [];
  const seenBalance = new Set<string>();
  d.balances.forEach((b, i) => {
    let address: Uint8Array | undefined;
    if (/^[0-9a-f]{40}$/.test(b.address)) address = hexToBytes(b.address);
    else {
      try {
        const acct = parseTandemAccountId(b.address);
        if (acct.chainId !== d.chainId)
          issues.push({
            path: `balances.${i}.address`,
            message: `an account of ${acct.chainId}, not of ${d.chainId}`,
          });
        else address = acct.address;
      } catch {
        issues.push({
          path: `balances.${i}.address`,
          message: "not 20 bytes of lower-case hex or a CAIP-10 account id",
        });
      }
    }
    if (address === undefined) return;
    const k = `${bytesToHex(address)}/${b.denom}`;
    if (seenBalance.has(k))
      issues.push({ path: `balances.${i}`, message: "a second balance for this address and denom" });
    seenBalance.add(k);
    balances.push({ address, denom: b.denom, amount: BigInt(b.amount) });
  });
  if (issues.length === 0) {
    try {
      createValidatorSet(validators);
    } catch (e) {
      issues.push({ path: "validators", message: (e as Error).message });
    }
  }
  if (issues.length > 0) throw invalid(source, issues);
  const denoms = [...new Set([...d.denoms, ...balances.map((b) => b.denom)])];
  return {
    genesis: {
      chainId: d.chainId,
      time: Date.parse(d.genesisTime),
      validators,
      denoms,
      balances,
    },
    hashSuite: d.hashSuite,
    validatorPeerIds: peerIds,
    validatorNames: names,
    file: d,
  };
}

/** Reads and parses a genesis file. */
export async function readGenesisFile(path: string): Promise<ChainGenesis> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw invalid(path, [{ path: "", message: `cannot read: ${(e as Error).message}` }], e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(path, [{ path: "", message: "not JSON" }], e);
  }
  return parseGenesis(json, path);
}

/** Builds a genesis document from validators' public infos (what `tandem genesis create` writes). */
export function buildGenesisFile(opts: {
  chainId: string;
  hashSuite?: HashName;
  genesisTime?: Date;
  validators: ReadonlyArray<NodePublicInfo & { name?: string; power?: bigint }>;
  denoms?: readonly string[];
  balances?: ReadonlyArray<{ address: string; denom: string; amount: bigint }>;
}): GenesisFile {
  return {
    type: GENESIS_FILE_TYPE,
    chainId: opts.chainId,
    hashSuite: opts.hashSuite ?? "sha256",
    genesisTime: (opts.genesisTime ?? new Date()).toISOString(),
    validators: opts.validators.map((v) => ({
      ...(v.name === undefined ? {} : { name: v.name }),
      operatorPublicKey: v.operatorPublicKey,
      blsPublicKey: v.blsPublicKey,
      pop: v.pop,
      power: (v.power ?? 10n).toString(),
      peerId: v.peerId,
    })),
    denoms: [...(opts.denoms ?? [])],
    balances: (opts.balances ?? []).map((b) => ({
      address: b.address,
      denom: b.denom,
      amount: b.amount.toString(),
    })),
  };
}
