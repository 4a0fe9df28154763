/**
 * An account key file, `tandem/account-key/v1`: one Ed25519 key that signs transactions, as JSON
 * `{type, scheme, secretKey, publicKey}` (lower-case hex), written 0600 and exclusive, refused on read when
 * group or others may access it. The address is not stored: it depends on the chain's hash suite.
 */

import { readPrivateFile } from "@tandem/chain-runtime";
import { bytesToHex, ed25519, hexToBytes, randomBytes } from "@tandem/crypto";
import { accountAddress, type HashName, hashSuite } from "@tandem/ledger";
import { z } from "zod";
import { CliError, CliErrorCode } from "./errors.js";
import { writeNewFile } from "./files.js";

export const ACCOUNT_KEY_FILE_TYPE = "tandem/account-key/v1";

export interface AccountKey {
  readonly scheme: "ed25519";
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

const hex = (bytes: number) =>
  z
    .string()
    .regex(/^[0-9a-f]*$/, "lower-case hex")
    .length(bytes * 2, `${bytes} bytes of hex`);

const accountKeySchema = z.strictObject({
  type: z.literal(ACCOUNT_KEY_FILE_TYPE),
  scheme: z.literal("ed25519"),
  secretKey: hex(32),
  publicKey: hex(32),
});

export function generateAccountKey(): AccountKey {
  const k = ed25519.keygen(randomBytes(32));
  return { scheme: "ed25519", secretKey: k.secretKey, publicKey: k.publicKey };
}

export function accountKeyAddress(key: AccountKey, suite: HashName = "sha256"): Uint8Array {
  return accountAddress(key.scheme, key.publicKey, hashSuite(suite));
}

export function encodeAccountKeyFile(key: AccountKey): string {
  const doc: z.infer<typeof accountKeySchema> = {
    type: ACCOUNT_KEY_FILE_TYPE,
    scheme: key.scheme,
    secretKey: bytesToHex(key.secretKey),
    publicKey: bytesToHex(key.publicKey),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function invalid(message: string, meta: Record<string, unknown>, cause?: unknown): CliError {
  return new CliError(CliErrorCode.ACCOUNT_KEY_INVALID, message, meta, { cause });
}

export function parseAccountKeyFile(text: string, source = "account key file"): AccountKey {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(`${source} is not JSON`, { source }, e);
  }
  const r = accountKeySchema.safeParse(json);
  if (!r.success) {
    throw invalid(`${source} is not a ${ACCOUNT_KEY_FILE_TYPE} key file`, {
      source,
      issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const secretKey = hexToBytes(r.data.secretKey);
  let publicKey: Uint8Array;
  try {
    publicKey = ed25519.getPublicKey(secretKey);
  } catch (e) {
    throw invalid(`${source} holds a key that does not decode`, { source }, e);
  }
  if (bytesToHex(publicKey) !== r.data.publicKey) {
    throw invalid(`${source}: publicKey does not match secretKey`, { source });
  }
  return { scheme: "ed25519", secretKey, publicKey };
}

/** Writes an account key file: mode 0600, exclusive unless `force`. */
export async function writeAccountKeyFile(path: string, key: AccountKey, opts: { force?: boolean } = {}) {
  await writeNewFile(path, encodeAccountKeyFile(key), { mode: 0o600, force: opts.force === true });
}

/** Reads an account key file; KEY_FILE_PERMISSIONS when group or others have any access to it. */
export async function readAccountKeyFile(path: string): Promise<AccountKey> {
  const text = await readPrivateFile(path, "account key file", (e) =>
    invalid(`cannot read account key file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`, { path }, e),
  );
  return parseAccountKeyFile(text, path);
}
