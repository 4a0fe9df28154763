/**
 * Balances per (account, denom) and supplies per denom, and the `bank` module that executes the
 * ledger's `transfer` kind.
 *
 * A denom exists once it has a supply record (`denom/<denom>`, written at genesis or by a module that
 * mints, e.g. the peg); moving a denom without one is TX_UNKNOWN_DENOM. Balances and supplies are u128;
 * a zero balance is deleted, so "absent" and "zero" are the same state (one root for one state).
 */
import { bytesToHex } from "@tandem/crypto";
import { MAX_AMOUNT, type SignedTx, TRANSFER_KIND, type TransferPayload } from "@tandem/ledger";
import { decodeAmount, encodeAmount } from "./codec.js";
import { TxErrorCode, txError } from "./errors.js";
import type { StateAccess, StateModule, TxContext } from "./interface.js";
import { balanceKey, denomKey } from "./keys.js";

function assertAmount(amount: unknown): asserts amount is bigint {
  if (typeof amount !== "bigint" || amount <= 0n || amount > MAX_AMOUNT) {
    throw new RangeError("amount must be a bigint in 1..2^128-1");
  }
}

/** Typed balance and supply operations over a {@link StateAccess}. */
export class Bank {
  constructor(private readonly state: StateAccess) {}

  /** The balance of `address` in `denom` (0 when absent). */
  balance(address: Uint8Array, denom: string): bigint {
    const v = this.state.get(balanceKey(address, denom));
    return v === undefined ? 0n : decodeAmount(v);
  }

  /** The total supply of `denom`, or undefined for a denom never issued. */
  supply(denom: string): bigint | undefined {
    const v = this.state.get(denomKey(denom));
    return v === undefined ? undefined : decodeAmount(v);
  }

  isIssued(denom: string): boolean {
    return this.state.has(denomKey(denom));
  }

  /** Registers `denom` with zero supply if it is not issued yet. */
  issue(denom: string): void {
    if (!this.isIssued(denom)) this.state.set(denomKey(denom), encodeAmount(0n));
  }

  private setBalance(address: Uint8Array, denom: string, amount: bigint): void {
    const key = balanceKey(address, denom);
    if (amount === 0n) this.state.delete(key);
    else this.state.set(key, encodeAmount(amount));
  }

  private requireIssued(denom: string): bigint {
    const supply = this.supply(denom);
    if (supply === undefined)
      throw txError(TxErrorCode.UNKNOWN_DENOM, "denom was never issued on this chain", { denom });
    return supply;
  }

  /** Moves `amount` from `from` to `to` (a self-transfer only checks the balance). */
  transfer(from: Uint8Array, to: Uint8Array, denom: string, amount: bigint): void {
    assertAmount(amount);
    this.requireIssued(denom);
    const have = this.balance(from, denom);
    if (have < amount) {
      throw txError(TxErrorCode.INSUFFICIENT_FUNDS, "balance is below the amount", {
        denom,
        balance: have.toString(),
        amount: amount.toString(),
      });
    }
    if (bytesToHex(from) === bytesToHex(to)) return;
    const theirs = this.balance(to, denom) + amount;
    if (theirs > MAX_AMOUNT)
      throw txError(TxErrorCode.AMOUNT_OVERFLOW, "recipient balance overflows", { denom });
    this.setBalance(from, denom, have - amount);
    this.setBalance(to, denom, theirs);
  }

  /** Creates `amount` of `denom` in `to`'s balance (issuing the denom if needed). */
  mint(to: Uint8Array, denom: string, amount: bigint): void {
    assertAmount(amount);
    const supply = (this.supply(denom) ?? 0n) + amount;
    if (supply > MAX_AMOUNT) throw txError(TxErrorCode.AMOUNT_OVERFLOW, "supply overflows", { denom });
    this.state.set(denomKey(denom), encodeAmount(supply));
    this.setBalance(to, denom, this.balance(to, denom) + amount);
  }

  /** Destroys `amount` of `denom` from `from`'s balance. */
  burn(from: Uint8Array, denom: string, amount: bigint): void {
    assertAmount(amount);
    const supply = this.requireIssued(denom);
    const have = this.balance(from, denom);
    if (have < amount) {
      throw txError(TxErrorCode.INSUFFICIENT_FUNDS, "balance is below the amount", {
        denom,
        balance: have.toString(),
        amount: amount.toString(),
      });
    }
    this.setBalance(from, denom, have - amount);
    this.state.set(denomKey(denom), encodeAmount(supply - amount));
  }
}

/** Name of the {@link bankModule}. */
export const BANK_MODULE_NAME = "bank";

/** Modules made by {@link bankModule}: the state machine runs their transfers on a fast path. */
const builtInBanks = new WeakSet<StateModule>();

/** Whether `m` is a module made by {@link bankModule} (its `transfer` semantics are known exactly). */
export function isBuiltInBank(m: StateModule): boolean {
  return builtInBanks.has(m);
}

/** Executes `transfer` txs: sender → `to`, one denom, amount > 0 (the codec refuses 0). */
export function bankModule(): StateModule {
  const m: StateModule = {
    name: BANK_MODULE_NAME,
    kinds: [TRANSFER_KIND],
    execute(ctx: TxContext, tx: SignedTx): undefined {
      const p = tx.payload as TransferPayload;
      ctx.bank.transfer(ctx.sender, p.to, p.denom, p.amount);
      ctx.emit("transfer", [
        ["sender", bytesToHex(ctx.sender)],
        ["recipient", bytesToHex(p.to)],
        ["denom", p.denom],
        ["amount", p.amount.toString()],
      ]);
      return undefined;
    },
  };
  builtInBanks.add(m);
  return m;
}
