/** Validation of option values; every failure is INVALID_ARGUMENT naming the option. */
import { hexToBytes } from "@tandem/crypto";
import { type HashName, isDenom, isTandemChainId, MAX_AMOUNT, parseTandemAccountId } from "@tandem/ledger";
import { invalidArgument } from "./errors.js";

export const HASH_SUITES: readonly HashName[] = ["sha256", "sm3"];

export function parseChainIdOption(value: unknown, option = "--chain-id"): string {
  if (typeof value !== "string" || value === "") throw invalidArgument(`${option} is required`, { option });
  if (!isTandemChainId(value)) {
    throw invalidArgument(`${option} ${JSON.stringify(value)} is not a tandem chain id such as tandem:acme`, {
      option,
    });
  }
  return value;
}

export function parseHashSuite(value: unknown, option = "--hash-suite"): HashName {
  const v = value ?? "sha256";
  if (typeof v !== "string" || !(HASH_SUITES as readonly string[]).includes(v)) {
    throw invalidArgument(`${option} must be one of ${HASH_SUITES.join(", ")}`, { option });
  }
  return v as HashName;
}

/** A positive integer amount ≤ 2^128 − 1 (decimal, `_` allowed as a separator). */
export function parseAmount(value: unknown, option = "--amount"): bigint {
  const s = typeof value === "string" ? value.replaceAll("_", "") : "";
  if (!/^[0-9]{1,39}$/.test(s)) throw invalidArgument(`${option} must be a positive integer`, { option });
  const n = BigInt(s);
  if (n <= 0n || n > MAX_AMOUNT) throw invalidArgument(`${option} must be 1..2^128-1`, { option });
  return n;
}

export function parseIntOption(
  value: unknown,
  option: string,
  range: { min?: number; max?: number } = {},
): number {
  const s = typeof value === "number" ? String(value) : value;
  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof s !== "string" || !/^[0-9]+$/.test(s) || Number(s) < min || Number(s) > max) {
    throw invalidArgument(`${option} must be an integer in ${min}..${max}`, { option });
  }
  return Number(s);
}

export function parseDenomOption(value: unknown, option = "--denom"): string {
  if (typeof value !== "string" || !isDenom(value)) {
    throw invalidArgument(
      `${option} ${JSON.stringify(value)} is not a denomination (a CAIP-19 asset id such as tandem:acme/native:credit)`,
      { option },
    );
  }
  return value;
}

/** The default native denomination of a chain. */
export function nativeDenom(chainId: string): string {
  return `${chainId}/native:credit`;
}

/**
 * An account: 40 hex characters (optionally 0x-prefixed) or a CAIP-10 id, which must be of `chainId`
 * when one is given.
 */
export function parseAccount(value: unknown, option: string, chainId?: string): Uint8Array {
  if (typeof value !== "string" || value === "") throw invalidArgument(`${option} is required`, { option });
  const hex = value.startsWith("0x") ? value.slice(2) : value;
  if (/^[0-9a-fA-F]{40}$/.test(hex)) return hexToBytes(hex.toLowerCase());
  let parsed: { chainId: string; address: Uint8Array };
  try {
    parsed = parseTandemAccountId(value);
  } catch {
    throw invalidArgument(
      `${option} ${JSON.stringify(value)} is neither a 40-hex-character address nor a CAIP-10 account id (tandem:<ref>:<address>)`,
      { option },
    );
  }
  if (chainId !== undefined && parsed.chainId !== chainId) {
    throw invalidArgument(`${option} is an account of ${parsed.chainId}, not of ${chainId}`, { option });
  }
  return parsed.address;
}

/** A list option that may be repeated and/or comma-separated. */
export function listOption(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items
    .flatMap((v) => String(v).split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
