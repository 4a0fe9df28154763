/**
 * CAIP identifiers: CAIP-2 chain ids, CAIP-10 account ids, CAIP-19 asset ids, and Tandem's own forms
 * (namespace `tandem`, accounts as 40 lowercase hex characters).
 *
 * The grammars are the CAIP ones, exactly:
 * - chain id:      `[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}`
 * - account id:    `<chain id>:[-.%a-zA-Z0-9]{1,128}`
 * - asset type:    `<chain id>/[-a-z0-9]{3,8}:[-.%a-zA-Z0-9]{1,128}`
 * - asset id:      `<asset type>/[-.%a-zA-Z0-9]{1,78}`
 * Every parse failure is a {@link LedgerError} with code CAIP_INVALID.
 */
import { LedgerError, LedgerErrorCode } from "./errors.js";

/** The CAIP-2 namespace of every Tandem chain. */
export const TANDEM_NAMESPACE = "tandem";

/** Longest CAIP-2 chain id: 8 + 1 + 32 characters. */
export const MAX_CHAIN_ID_LENGTH = 41;

const NAMESPACE_RE = /^[-a-z0-9]{3,8}$/;
const REFERENCE_RE = /^[-_a-zA-Z0-9]{1,32}$/;
const CHAIN_ID_RE = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;
const ACCOUNT_ADDRESS_RE = /^[-.%a-zA-Z0-9]{1,128}$/;
const ASSET_NAMESPACE_RE = /^[-a-z0-9]{3,8}$/;
const ASSET_REFERENCE_RE = /^[-.%a-zA-Z0-9]{1,128}$/;
const TOKEN_ID_RE = /^[-.%a-zA-Z0-9]{1,78}$/;
const TANDEM_ADDRESS_RE = /^[0-9a-f]{40}$/;

/** A parsed CAIP-2 chain id. */
export interface ChainId {
  namespace: string;
  reference: string;
}

/** A parsed CAIP-10 account id. */
export interface AccountId {
  /** The CAIP-2 chain id, e.g. `tandem:acme`. */
  chainId: string;
  /** The account address as written (for Tandem: 40 lowercase hex characters). */
  address: string;
}

/** A parsed CAIP-19 asset type (`tokenId` absent) or asset id. */
export interface AssetId {
  chainId: string;
  assetNamespace: string;
  assetReference: string;
  tokenId?: string;
}

function preview(input: unknown): string {
  if (typeof input !== "string") return `<${input === null ? "null" : typeof input}>`;
  return input.length > 160 ? `${input.slice(0, 160)}…` : input;
}

function caipError(kind: "chain" | "account" | "asset", input: unknown, reason: string): LedgerError {
  return new LedgerError(LedgerErrorCode.CAIP_INVALID, `invalid CAIP ${kind} id: ${reason}`, {
    kind,
    input: preview(input),
  });
}

// Chain ids seen recently; a block or a mempool holds the same few thousands of times.
const validChainIds = new Set<string>();

/** True when `s` is a CAIP-2 chain id. */
export function isChainId(s: unknown): s is string {
  if (typeof s !== "string") return false;
  if (validChainIds.has(s)) return true;
  if (s.length > MAX_CHAIN_ID_LENGTH || !CHAIN_ID_RE.test(s)) return false;
  if (validChainIds.size >= 256) validChainIds.clear();
  validChainIds.add(s);
  return true;
}

/** Parses a CAIP-2 chain id (`namespace:reference`). */
export function parseChainId(s: string): ChainId {
  if (!isChainId(s)) throw caipError("chain", s, "expected namespace:reference");
  const i = s.indexOf(":");
  return { namespace: s.slice(0, i), reference: s.slice(i + 1) };
}

/** Formats a CAIP-2 chain id from its parts, validating both. */
export function formatChainId(id: ChainId): string {
  if (typeof id !== "object" || id === null) throw caipError("chain", id, "expected {namespace, reference}");
  const { namespace, reference } = id;
  if (typeof namespace !== "string" || !NAMESPACE_RE.test(namespace)) {
    throw caipError("chain", namespace, "bad namespace");
  }
  if (typeof reference !== "string" || !REFERENCE_RE.test(reference)) {
    throw caipError("chain", reference, "bad reference");
  }
  return `${namespace}:${reference}`;
}

/** True when `s` is a CAIP-2 chain id in the `tandem` namespace. */
export function isTandemChainId(s: unknown): s is string {
  return isChainId(s) && s.startsWith("tandem:");
}

/** Throws CAIP_INVALID unless `s` is a `tandem:<reference>` chain id; returns it. */
export function assertTandemChainId(s: unknown): string {
  if (!isTandemChainId(s)) throw caipError("chain", s, "expected tandem:<reference>");
  return s;
}

/** `tandem:<reference>` from a chain name such as `acme` or `home-7f3a`. */
export function tandemChainId(reference: string): string {
  return formatChainId({ namespace: TANDEM_NAMESPACE, reference });
}

/** True when `s` is a CAIP-10 account id. */
export function isAccountId(s: unknown): s is string {
  if (typeof s !== "string" || s.length > MAX_CHAIN_ID_LENGTH + 1 + 128) return false;
  const j = s.lastIndexOf(":");
  return j > 0 && isChainId(s.slice(0, j)) && ACCOUNT_ADDRESS_RE.test(s.slice(j + 1));
}

/** Parses a CAIP-10 account id (`namespace:reference:address`). */
export function parseAccountId(s: string): AccountId {
  if (!isAccountId(s)) throw caipError("account", s, "expected namespace:reference:address");
  const j = s.lastIndexOf(":");
  return { chainId: s.slice(0, j), address: s.slice(j + 1) };
}

/** Formats a CAIP-10 account id, validating both parts. */
export function formatAccountId(id: AccountId): string {
  if (typeof id !== "object" || id === null) throw caipError("account", id, "expected {chainId, address}");
  if (!isChainId(id.chainId)) throw caipError("account", id.chainId, "bad chain id");
  if (typeof id.address !== "string" || !ACCOUNT_ADDRESS_RE.test(id.address)) {
    throw caipError("account", id.address, "bad account address");
  }
  return `${id.chainId}:${id.address}`;
}

/** Length in bytes of a Tandem account address. */
export const ADDRESS_LENGTH = 20;

const HEX = "0123456789abcdef";

function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    s += HEX[b >> 4]! + HEX[b & 15]!;
  }
  return s;
}

function fromHex40(s: string): Uint8Array {
  const out = new Uint8Array(ADDRESS_LENGTH);
  for (let i = 0; i < ADDRESS_LENGTH; i++) out[i] = Number.parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** `tandem:<ref>:<40 lowercase hex>` for a 20-byte Tandem account address. */
export function formatTandemAccountId(chainId: string, address: Uint8Array): string {
  assertTandemChainId(chainId);
  if (!(address instanceof Uint8Array) || address.length !== ADDRESS_LENGTH) {
    throw caipError("account", "<bytes>", `address must be ${ADDRESS_LENGTH} bytes`);
  }
  return `${chainId}:${toHex(address)}`;
}

/** Parses `tandem:<ref>:<40 lowercase hex>`; uppercase hex or other namespaces are CAIP_INVALID. */
export function parseTandemAccountId(s: string): { chainId: string; address: Uint8Array } {
  const { chainId, address } = parseAccountId(s);
  if (!isTandemChainId(chainId)) throw caipError("account", s, "not a tandem chain");
  if (!TANDEM_ADDRESS_RE.test(address))
    throw caipError("account", s, "address must be 40 lowercase hex characters");
  return { chainId, address: fromHex40(address) };
}

/** Lowercase hex of an address (no prefix). */
export function addressToHex(address: Uint8Array): string {
  return toHex(address);
}

/** True when `s` is a CAIP-19 asset type or asset id. */
export function isAssetId(s: unknown): s is string {
  return tryParseAssetId(s) !== undefined;
}

function tryParseAssetId(s: unknown): AssetId | undefined {
  if (typeof s !== "string" || s.length > MAX_CHAIN_ID_LENGTH + 1 + 8 + 1 + 128 + 1 + 78) return undefined;
  const parts = s.split("/");
  if (parts.length !== 2 && parts.length !== 3) return undefined;
  const chainId = parts[0] as string;
  if (!isChainId(chainId)) return undefined;
  const asset = parts[1] as string;
  const k = asset.indexOf(":");
  if (k < 0) return undefined;
  const assetNamespace = asset.slice(0, k);
  const assetReference = asset.slice(k + 1);
  if (!ASSET_NAMESPACE_RE.test(assetNamespace) || !ASSET_REFERENCE_RE.test(assetReference)) return undefined;
  if (parts.length === 3) {
    const tokenId = parts[2] as string;
    if (!TOKEN_ID_RE.test(tokenId)) return undefined;
    return { chainId, assetNamespace, assetReference, tokenId };
  }
  return { chainId, assetNamespace, assetReference };
}

/** Parses a CAIP-19 asset type (`chain/ns:ref`) or asset id (`chain/ns:ref/tokenId`). */
export function parseAssetId(s: string): AssetId {
  const out = tryParseAssetId(s);
  if (out === undefined) throw caipError("asset", s, "expected chain_id/namespace:reference[/token_id]");
  return out;
}

/** Formats a CAIP-19 asset type or asset id, validating every part. */
export function formatAssetId(id: AssetId): string {
  if (typeof id !== "object" || id === null) throw caipError("asset", id, "expected an asset id object");
  const s =
    id.tokenId === undefined
      ? `${id.chainId}/${id.assetNamespace}:${id.assetReference}`
      : `${id.chainId}/${id.assetNamespace}:${id.assetReference}/${id.tokenId}`;
  const back = tryParseAssetId(s);
  if (
    back === undefined ||
    back.chainId !== id.chainId ||
    back.assetNamespace !== id.assetNamespace ||
    back.assetReference !== id.assetReference ||
    back.tokenId !== id.tokenId
  ) {
    throw caipError("asset", s, "bad asset id part");
  }
  return s;
}
