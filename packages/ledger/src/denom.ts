/**
 * Asset denominations. An asset is named by where it comes from, never by its symbol (interop B10):
 * - a native asset: its CAIP-19 asset type or asset id, e.g. `tandem:acme/native:credit`;
 * - a voucher minted by the peg: the full path of hops it travelled, outermost first, then the CAIP-19 id
 *   of the asset on its origin chain (ICS-20 shape), e.g. `transfer/channel-0/tandem:acme/native:credit`.
 *
 * Port and channel identifiers are `[-._+#a-zA-Z0-9]{2,64}` (ICS-24 characters without `[]<>`), so a
 * hop segment never contains `:` and the first segment that does starts the CAIP-19 base.
 */
import { type AssetId, isAssetId, parseAssetId } from "./caip.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";

/** Longest denomination in bytes (ASCII only). */
export const MAX_DENOM_LENGTH = 512;

const HOP_ID_RE = /^[-._+#a-zA-Z0-9]{2,64}$/;

/** One hop of a voucher path. */
export interface DenomHop {
  port: string;
  channel: string;
}

/** A parsed denomination: `hops` is empty for a native asset. */
export interface Denom {
  hops: DenomHop[];
  base: AssetId;
}

function denomError(input: unknown, reason: string): LedgerError {
  const s =
    typeof input === "string"
      ? input.length > 160
        ? `${input.slice(0, 160)}…`
        : input
      : `<${typeof input}>`;
  return new LedgerError(LedgerErrorCode.DENOM_INVALID, `invalid denom: ${reason}`, { input: s });
}

function tryParseDenom(s: unknown): Denom | string {
  if (typeof s !== "string") return "expected a string";
  if (s.length === 0 || s.length > MAX_DENOM_LENGTH) return `length must be 1..${MAX_DENOM_LENGTH}`;
  const segments = s.split("/");
  let i = 0;
  while (i < segments.length && !(segments[i] as string).includes(":")) i++;
  if (i === segments.length) return "no CAIP-19 asset id (a bare symbol is never a denom)";
  if (i % 2 !== 0) return "voucher path must be port/channel pairs";
  const hops: DenomHop[] = [];
  for (let h = 0; h < i; h += 2) {
    const port = segments[h] as string;
    const channel = segments[h + 1] as string;
    if (!HOP_ID_RE.test(port) || !HOP_ID_RE.test(channel)) return "bad port or channel identifier";
    hops.push({ port, channel });
  }
  const base = segments.slice(i).join("/");
  if (!isAssetId(base)) return "bad CAIP-19 base asset id";
  return { hops, base: parseAssetId(base) };
}

/** True when `s` is a valid denomination. */
export function isDenom(s: unknown): s is string {
  return typeof tryParseDenom(s) !== "string";
}

/** Parses a denomination into its hops and CAIP-19 base; DENOM_INVALID otherwise. */
export function parseDenom(s: string): Denom {
  const out = tryParseDenom(s);
  if (typeof out === "string") throw denomError(s, out);
  return out;
}

/** Throws DENOM_INVALID unless `s` is a valid denomination; returns it. */
export function assertDenom(s: unknown): string {
  const out = tryParseDenom(s);
  if (typeof out === "string") throw denomError(s, out);
  return s as string;
}
