/**
 * JSON forms of the ledger and node types the RPC and the block stream carry: bytes as lower-case hex,
 * amounts and powers as decimal strings, heights, times, indices and gas as JSON numbers (all ≤ 2^53 − 1).
 * The `…FromJson` twins rebuild the binary types a client needs to re-check proofs and hashes; they
 * throw a coded RPC_BAD_REPLY on malformed input, since their input is a reply from the network.
 */
import type { CommittedBlockEvent, StateEvent, StateProof, TxResultView } from "@tandem/chain-core";
import { bytesToHex, hexToBytes } from "@tandem/crypto";
import type { BlockHeader, Commit, MerkleProof, SmtProof, ValidatorSet } from "@tandem/ledger";
import { RpcError, RpcErrorCode } from "./errors.js";

export type Hex = string;

export interface HeaderJson {
  chainId: string;
  height: number;
  /** Milliseconds since the Unix epoch. */
  time: number;
  previousHash: Hex;
  lastCommitHash: Hex;
  txRoot: Hex;
  resultsRoot: Hex;
  stateRoot: Hex;
  validatorsHash: Hex;
  nextValidatorsHash: Hex;
  proposer: Hex;
}

export interface CommitJson {
  height: number;
  round: number;
  blockHash: Hex;
  signers: Hex;
  signature: Hex;
}

export interface MerkleProofJson {
  leafIndex: number;
  treeSize: number;
  /** Sibling hashes, leaf level first. */
  path: Hex[];
}

export interface SmtProofJson {
  siblings: Hex[];
  leaf: { key: Hex; valueHash: Hex } | null;
}

/** A state value with its sparse-Merkle proof against `root` (value null: a proof of absence). */
export interface StateProofJson {
  height: number;
  root: Hex;
  /** The raw state key. */
  key: Hex;
  treeKey: Hex;
  value: Hex | null;
  proof: SmtProofJson;
}

export interface EventJson {
  type: string;
  attributes: Array<[string, string]>;
}

export interface TxResultJson {
  code: string;
  data: Hex;
  gasUsed: number;
  events: EventJson[];
}

/** A committed block as the RPC's getBlock returns it and the block stream carries it. */
export interface BlockJson {
  height: number;
  hash: Hex;
  header: HeaderJson;
  commit: CommitJson;
  txHashes: Hex[];
  results: TxResultJson[];
  /** Events of the block's begin/end hooks. */
  events: EventJson[];
}

export interface ValidatorJson {
  address: Hex;
  blsPublicKey: Hex;
  power: string;
}

export const hex = (b: Uint8Array): Hex => bytesToHex(b);

export function headerToJson(h: BlockHeader): HeaderJson {
  return {
    chainId: h.chainId,
    height: h.height,
    time: h.time,
    previousHash: hex(h.previousHash),
    lastCommitHash: hex(h.lastCommitHash),
    txRoot: hex(h.txRoot),
    resultsRoot: hex(h.resultsRoot),
    stateRoot: hex(h.stateRoot),
    validatorsHash: hex(h.validatorsHash),
    nextValidatorsHash: hex(h.nextValidatorsHash),
    proposer: hex(h.proposer),
  };
}

export function commitToJson(c: Commit): CommitJson {
  return {
    height: c.height,
    round: c.round,
    blockHash: hex(c.blockHash),
    signers: hex(c.signers),
    signature: hex(c.signature),
  };
}

export function merkleProofToJson(p: MerkleProof): MerkleProofJson {
  return { leafIndex: p.leafIndex, treeSize: p.treeSize, path: p.path.map(hex) };
}

export function smtProofToJson(p: SmtProof): SmtProofJson {
  return {
    siblings: p.siblings.map(hex),
    leaf: p.leaf === null ? null : { key: hex(p.leaf.key), valueHash: hex(p.leaf.valueHash) },
  };
}

export function stateProofToJson(p: StateProof): StateProofJson {
  return {
    height: p.height,
    root: hex(p.root),
    key: hex(p.key),
    treeKey: hex(p.treeKey),
    value: p.value === null ? null : hex(p.value),
    proof: smtProofToJson(p.proof),
  };
}

export function eventToJson(e: StateEvent): EventJson {
  return { type: e.type, attributes: e.attributes.map(([k, v]) => [k, v]) };
}

export function txResultToJson(r: TxResultView): TxResultJson {
  return { code: r.code, data: hex(r.data), gasUsed: r.gasUsed, events: r.events.map(eventToJson) };
}

export function blockToJson(b: CommittedBlockEvent): BlockJson {
  return {
    height: b.height,
    hash: hex(b.hash),
    header: headerToJson(b.header),
    commit: commitToJson(b.commit),
    txHashes: b.txHashes.map(hex),
    results: b.results.map(txResultToJson),
    events: b.events.map(eventToJson),
  };
}

export function validatorSetToJson(set: ValidatorSet): { validators: ValidatorJson[]; totalPower: string } {
  return {
    validators: set.validators.map((v) => ({
      address: hex(v.address),
      blsPublicKey: hex(v.publicKey),
      power: v.power.toString(),
    })),
    totalPower: set.totalPower.toString(),
  };
}

// ---- decoding (client side) ---------------------------------------------------------------------

function badReply(what: string, cause?: unknown): RpcError {
  return new RpcError(RpcErrorCode.BAD_REPLY, `malformed ${what} in the reply`, { what }, { cause });
}

/** Hex of a reply field to bytes (`len` checks the byte length). */
export function bytesFromJson(v: unknown, what: string, len?: number): Uint8Array {
  if (typeof v !== "string") throw badReply(what);
  let b: Uint8Array;
  try {
    b = hexToBytes(v, what);
  } catch (e) {
    throw badReply(what, e);
  }
  if (len !== undefined && b.length !== len) throw badReply(what);
  return b;
}

function intFromJson(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw badReply(what);
  return v;
}

function objectOf(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badReply(what);
  return v as Record<string, unknown>;
}

function hexList(v: unknown, what: string, len?: number): Uint8Array[] {
  if (!Array.isArray(v)) throw badReply(what);
  return v.map((x) => bytesFromJson(x, what, len));
}

export function headerFromJson(v: unknown): BlockHeader {
  const o = objectOf(v, "header");
  if (typeof o.chainId !== "string") throw badReply("header.chainId");
  const h32 = (k: string) => bytesFromJson(o[k], `header.${k}`, 32);
  return {
    chainId: o.chainId,
    height: intFromJson(o.height, "header.height"),
    time: intFromJson(o.time, "header.time"),
    previousHash: h32("previousHash"),
    lastCommitHash: h32("lastCommitHash"),
    txRoot: h32("txRoot"),
    resultsRoot: h32("resultsRoot"),
    stateRoot: h32("stateRoot"),
    validatorsHash: h32("validatorsHash"),
    nextValidatorsHash: h32("nextValidatorsHash"),
    proposer: bytesFromJson(o.proposer, "header.proposer", 20),
  };
}

export function commitFromJson(v: unknown): Commit {
  const o = objectOf(v, "commit");
  return {
    height: intFromJson(o.height, "commit.height"),
    round: intFromJson(o.round, "commit.round"),
    blockHash: bytesFromJson(o.blockHash, "commit.blockHash", 32),
    signers: bytesFromJson(o.signers, "commit.signers"),
    signature: bytesFromJson(o.signature, "commit.signature", 96),
  };
}

export function merkleProofFromJson(v: unknown): MerkleProof {
  const o = objectOf(v, "merkle proof");
  return {
    leafIndex: intFromJson(o.leafIndex, "proof.leafIndex"),
    treeSize: intFromJson(o.treeSize, "proof.treeSize"),
    path: hexList(o.path, "proof.path", 32),
  };
}

export function smtProofFromJson(v: unknown): SmtProof {
  const o = objectOf(v, "state proof");
  let leaf: SmtProof["leaf"] = null;
  if (o.leaf !== null) {
    const l = objectOf(o.leaf, "state proof leaf");
    leaf = {
      key: bytesFromJson(l.key, "proof.leaf.key", 32),
      valueHash: bytesFromJson(l.valueHash, "proof.leaf.valueHash", 32),
    };
  }
  return { siblings: hexList(o.siblings, "proof.siblings", 32), leaf };
}

/** A state proof from JSON: what chain-core's `verifyStateProof(root, key, value, proof, hash)` takes. */
export function stateProofFromJson(v: unknown): {
  height: number;
  root: Uint8Array;
  key: Uint8Array;
  value: Uint8Array | null;
  proof: SmtProof;
} {
  const o = objectOf(v, "state proof");
  return {
    height: intFromJson(o.height, "stateProof.height"),
    root: bytesFromJson(o.root, "stateProof.root", 32),
    key: bytesFromJson(o.key, "stateProof.key"),
    value: o.value === null ? null : bytesFromJson(o.value, "stateProof.value"),
    proof: smtProofFromJson(o.proof),
  };
}

// ---- error meta -----------------------------------------------------------------------------------

/**
 * A JSON-safe copy of error meta: bigints as decimal strings, bytes as hex, errors as their message;
 * functions, symbols and cycles dropped, depth bounded (meta comes from any package and must never make
 * the reply fail to serialise).
 */
export function jsonSafe(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  if (value instanceof Uint8Array) return hex(value);
  if (depth >= 8) return undefined;
  const obj = value as object;
  if (seen.has(obj)) return undefined;
  seen.add(obj);
  try {
    if (value instanceof Error) return value.message;
    if (Array.isArray(value)) return value.slice(0, 1000).map((v) => jsonSafe(v, depth + 1, seen) ?? null);
    if (value instanceof Map) return jsonSafe(Object.fromEntries(value), depth, seen);
    if (value instanceof Set) return jsonSafe([...value], depth, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const s = jsonSafe(v, depth + 1, seen);
      if (s !== undefined) out[k] = s;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}
