/**
 * A node's key file: its BLS12-381 validator key (votes), its Ed25519 operator key (the account that
 * signs evidence and governance txs) and its libp2p identity. One JSON file, written with mode 0600 and
 * refused on read when group or others may read it (as ssh does). The public halves are stored for
 * operators to read, and checked against the secrets on every read.
 */
import { constants } from "node:fs";
import { open, readFile, stat } from "node:fs/promises";
import { bls, bytesToHex, ed25519, hexToBytes, initBls, randomBytes } from "@tandem/crypto";
import { accountAddress, type HashFn } from "@tandem/ledger";
import { decodePeerKey, generatePeerKey, peerIdOfKey } from "@tandem/p2p";
import { z } from "zod";
import { RuntimeError, RuntimeErrorCode } from "./errors.js";

export const NODE_KEY_FILE_TYPE = "tandem/node-key/v1";

export interface NodeKey {
  readonly bls: { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array; readonly pop: Uint8Array };
  readonly operator: { readonly secretKey: Uint8Array; readonly publicKey: Uint8Array };
  /** libp2p protobuf-encoded Ed25519 private key, and its peer id. */
  readonly p2p: { readonly privateKey: Uint8Array; readonly peerId: string };
}

/** What a key's owner hands to whoever writes the genesis: public parts only. */
export interface NodePublicInfo {
  readonly operatorPublicKey: string;
  readonly blsPublicKey: string;
  readonly pop: string;
  readonly peerId: string;
}

/** A fresh key from the OS's random source. */
export async function generateNodeKey(): Promise<NodeKey> {
  await initBls();
  const b = bls.keygen(randomBytes(32));
  const o = ed25519.keygen(randomBytes(32));
  const privateKey = await generatePeerKey();
  return {
    bls: { secretKey: b.secretKey, publicKey: b.publicKey, pop: bls.popProve(b.secretKey) },
    operator: { secretKey: o.secretKey, publicKey: o.publicKey },
    p2p: { privateKey, peerId: peerIdOfKey(privateKey) },
  };
}

export function nodePublicInfo(key: NodeKey): NodePublicInfo {
  return {
    operatorPublicKey: bytesToHex(key.operator.publicKey),
    blsPublicKey: bytesToHex(key.bls.publicKey),
    pop: bytesToHex(key.bls.pop),
    peerId: key.p2p.peerId,
  };
}

/** The operator's account address on a chain with hash suite `hash`. */
export function operatorAddress(key: NodeKey, hash?: HashFn): Uint8Array {
  return accountAddress("ed25519", key.operator.publicKey, hash);
}

const hex = (bytes: number) =>
  z
    .string()
    .regex(/^[0-9a-f]*$/, "lower-case hex")
    .length(bytes * 2, `${bytes} bytes of hex`);

const keyFileSchema = z.strictObject({
  type: z.literal(NODE_KEY_FILE_TYPE),
  bls: z.strictObject({ secretKey: hex(32), publicKey: hex(48), pop: hex(96) }),
  operator: z.strictObject({ scheme: z.literal("ed25519"), secretKey: hex(32), publicKey: hex(32) }),
  p2p: z.strictObject({ privateKey: z.string().regex(/^[0-9a-f]+$/), peerId: z.string().min(1) }),
});

export function encodeNodeKeyFile(key: NodeKey): string {
  const doc: z.infer<typeof keyFileSchema> = {
    type: NODE_KEY_FILE_TYPE,
    bls: {
      secretKey: bytesToHex(key.bls.secretKey),
      publicKey: bytesToHex(key.bls.publicKey),
      pop: bytesToHex(key.bls.pop),
    },
    operator: {
      scheme: "ed25519",
      secretKey: bytesToHex(key.operator.secretKey),
      publicKey: bytesToHex(key.operator.publicKey),
    },
    p2p: { privateKey: bytesToHex(key.p2p.privateKey), peerId: key.p2p.peerId },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function invalid(message: string, meta: Record<string, unknown> = {}, cause?: unknown): RuntimeError {
  return new RuntimeError(RuntimeErrorCode.KEY_FILE_INVALID, message, meta, { cause });
}

/** Parses a key file's text and checks every public half against its secret. */
export async function parseNodeKeyFile(text: string, source = "key file"): Promise<NodeKey> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(`${source} is not JSON`, { source }, e);
  }
  const r = keyFileSchema.safeParse(json);
  if (!r.success) {
    throw invalid(`${source} is not a ${NODE_KEY_FILE_TYPE} key file`, {
      source,
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const d = r.data;
  await initBls();
  const blsSecret = hexToBytes(d.bls.secretKey);
  const opSecret = hexToBytes(d.operator.secretKey);
  const p2pKey = hexToBytes(d.p2p.privateKey);
  let blsPublic: Uint8Array;
  let opPublic: Uint8Array;
  let peerId: string;
  try {
    blsPublic = bls.getPublicKey(blsSecret);
    opPublic = ed25519.getPublicKey(opSecret);
    decodePeerKey(p2pKey);
    peerId = peerIdOfKey(p2pKey);
  } catch (e) {
    throw invalid(`${source} holds a key that does not decode`, { source }, e);
  }
  if (bytesToHex(blsPublic) !== d.bls.publicKey)
    throw invalid(`${source}: bls.publicKey does not match bls.secretKey`, { source });
  if (bytesToHex(opPublic) !== d.operator.publicKey)
    throw invalid(`${source}: operator.publicKey does not match operator.secretKey`, { source });
  if (peerId !== d.p2p.peerId)
    throw invalid(`${source}: p2p.peerId does not match p2p.privateKey`, { source });
  const pop = hexToBytes(d.bls.pop);
  if (!bls.popVerify(blsPublic, pop))
    throw invalid(`${source}: bls.pop is not a proof of possession of bls.publicKey`, { source });
  return {
    bls: { secretKey: blsSecret, publicKey: blsPublic, pop },
    operator: { secretKey: opSecret, publicKey: opPublic },
    p2p: { privateKey: p2pKey, peerId },
  };
}

/**
 * Writes a key file with mode 0600, created exclusively (KEY_FILE_EXISTS when the path exists, unless
 * `overwrite`), and fsynced before it resolves.
 */
export async function writeNodeKeyFile(
  path: string,
  key: NodeKey,
  opts: { overwrite?: boolean } = {},
): Promise<void> {
  const flags = opts.overwrite === true ? "w" : "wx";
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, flags, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new RuntimeError(
        RuntimeErrorCode.KEY_FILE_EXISTS,
        `${path} exists; refusing to overwrite a key`,
        { path },
      );
    }
    throw e;
  }
  try {
    // An existing file keeps its old mode under "w": set it explicitly.
    await fh.chmod(0o600);
    await fh.writeFile(encodeNodeKeyFile(key), "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Reads a file holding secrets (a node or account key file). KEY_FILE_PERMISSIONS when group or others
 * have any access to it, as ssh refuses such keys; `unreadable` makes the error for a missing or
 * unreadable file.
 */
export async function readPrivateFile(
  path: string,
  what: string,
  unreadable: (e: unknown) => Error,
): Promise<string> {
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode;
    text = await readFile(path, "utf8");
  } catch (e) {
    throw unreadable(e);
  }
  if ((mode & (constants.S_IRWXG | constants.S_IRWXO)) !== 0) {
    const m = (mode & 0o777).toString(8);
    throw new RuntimeError(
      RuntimeErrorCode.KEY_FILE_PERMISSIONS,
      `${what} ${path} is accessible by others (mode ${m}); run chmod 600 ${path}`,
      { path, mode: m },
    );
  }
  return text;
}

/** Reads a node key file (see {@link readPrivateFile} for the permission rule). */
export async function readNodeKeyFile(path: string): Promise<NodeKey> {
  const text = await readPrivateFile(path, "key file", (e) =>
    invalid(`cannot read key file ${path}: ${(e as Error).message}`, { path }, e),
  );
  return parseNodeKeyFile(text, path);
}
