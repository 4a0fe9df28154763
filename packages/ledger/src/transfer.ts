/**
 * The `transfer` payload kind (wire id 1): move `amount` of `denom` from the sender to `to`.
 *
 * Encoding: to (20 raw bytes) ‖ u128 amount (> 0) ‖ string denom (≤ 512 B, a CAIP-19 asset id or a
 * voucher path, see denom.ts) ‖ string memo (≤ 256 B UTF-8).
 */
import { ADDRESS_LENGTH } from "./caip.js";
import { assertDenom, isDenom, MAX_DENOM_LENGTH } from "./denom.js";
import type { Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { registerTxKind, type TxKindDefinition } from "./tx.js";

/** Longest transfer memo in UTF-8 bytes. */
export const MAX_MEMO_BYTES = 256;
/** Largest transfer amount: 2^128 − 1. */
export const MAX_AMOUNT = (1n << 128n) - 1n;

/** Payload of a `transfer` transaction. */
export interface TransferPayload {
  /** Recipient account address (20 bytes) on the same chain. */
  to: Uint8Array;
  /** Amount in the asset's base unit, 1 … 2^128 − 1. */
  amount: bigint;
  /** Asset id: CAIP-19 or a voucher path, never a bare symbol. */
  denom: string;
  /** Free text, at most 256 UTF-8 bytes; never authorises anything (interop B18). */
  memo: string;
}

// Denoms seen recently; validating one costs more than the rest of a transfer's decode.
const validDenoms = new Set<string>();
const VALID_DENOM_CACHE = 1024;

function checkDenom(denom: string): boolean {
  if (validDenoms.has(denom)) return true;
  if (!isDenom(denom)) return false;
  if (validDenoms.size >= VALID_DENOM_CACHE) validDenoms.clear();
  validDenoms.add(denom);
  return true;
}

function encodeTransfer(w: Writer, p: TransferPayload): void {
  if (typeof p !== "object" || p === null) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "transfer payload must be an object");
  }
  w.fixed(p.to, ADDRESS_LENGTH, "to");
  if (typeof p.amount !== "bigint" || p.amount <= 0n || p.amount > MAX_AMOUNT) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "transfer amount must be 1..2^128-1", {
      field: "amount",
    });
  }
  w.u128(p.amount);
  if (!checkDenom(p.denom)) assertDenom(p.denom);
  w.string(p.denom, MAX_DENOM_LENGTH, "denom");
  w.string(p.memo, MAX_MEMO_BYTES, "memo");
}

function decodeTransfer(r: Reader): TransferPayload {
  const to = r.fixed(ADDRESS_LENGTH, "to");
  const amountAt = r.offset;
  const amount = r.u128("amount");
  if (amount === 0n) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "transfer amount must be > 0", {
      offset: amountAt,
      field: "amount",
    });
  }
  const denomAt = r.offset;
  const denom = r.string(MAX_DENOM_LENGTH, "denom", true);
  if (!checkDenom(denom)) {
    throw new LedgerError(LedgerErrorCode.DECODE_INVALID_VALUE, "transfer denom is not an asset id", {
      offset: denomAt,
      field: "denom",
    });
  }
  const memo = r.string(MAX_MEMO_BYTES, "memo");
  return { to, amount, denom, memo };
}

/** The `transfer` kind, registered in the default registry when the ledger is imported. */
export const TRANSFER_KIND: TxKindDefinition<TransferPayload> = registerTxKind<TransferPayload>({
  kind: "transfer",
  id: 1,
  codec: { encode: encodeTransfer, decode: decodeTransfer },
  maxPayloadBytes: ADDRESS_LENGTH + 16 + 2 + MAX_DENOM_LENGTH + 2 + MAX_MEMO_BYTES,
  description: "move an amount of one asset to another account on the same chain",
});
