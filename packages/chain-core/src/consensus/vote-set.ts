/**
 * The votes of one height, by round and type, counted by voting power the way Algorithm 1 counts
 * messages: "2f+1 ⟨PREVOTE, h, r, id(v)⟩" is the power of the distinct validators that sent a prevote
 * for id(v), and "2f+1 ⟨PREVOTE, h, r, ∗⟩" the power of the distinct validators that sent any prevote.
 * A validator that equivocates is reported (evidence) and its votes still count once per value, as in
 * the paper: otherwise an equivocator could show each correct node a different "first" vote and keep a
 * proof-of-lock from ever forming at the nodes that need it.
 *
 * Memory stays bounded: besides its first vote, a validator's conflicting votes are kept for at most
 * {@link MAX_UNCERTIFIED_VALUES} values per (round, type), except votes that arrive inside a verified
 * quorum bundle ("certified": 2f+1 of the set signed that value), which are always kept (CometBFT keeps
 * conflicting votes only for blocks a peer claims +2/3 for; this is the same rule).
 * Signatures are checked before votes get here.
 */
import { bytesToHex, equalBytes } from "@tandem/crypto";
import type { Vote, VoteType } from "./types.js";
import type { ValidatorSet } from "./validator-set.js";

/** Map key of a block hash; nil votes use {@link NIL_KEY}. */
export const NIL_KEY = "nil";

/** Distinct values kept per validator and (round, type) outside certified bundles. */
export const MAX_UNCERTIFIED_VALUES = 2;

export function hashKey(hash: Uint8Array | null): string {
  return hash === null ? NIL_KEY : bytesToHex(hash);
}

export function sameVoteValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return equalBytes(a, b);
}

class TypedVotes {
  /** The first vote of each validator. */
  readonly first = new Map<number, Vote>();
  /** Votes by value key, then validator. */
  readonly byValue = new Map<string, Map<number, Vote>>();
  readonly powerByKey = new Map<string, bigint>();
  /** Values each validator voted for. */
  readonly valuesOf = new Map<number, Set<string>>();
  total = 0n;
}

class RoundVotes {
  readonly prevote = new TypedVotes();
  readonly precommit = new TypedVotes();
  /** Validators that sent any message (vote or proposal) in this round: the f+1 round-skip rule. */
  readonly senders = new Set<number>();
  senderPower = 0n;
}

export type AddVoteResult =
  | { readonly kind: "added" }
  | { readonly kind: "duplicate" }
  /** A second value from one validator: `existing` is its first vote; `counted` says whether `vote` was kept. */
  | { readonly kind: "conflict"; readonly existing: Vote; readonly counted: boolean };

export class HeightVoteSet {
  private readonly rounds = new Map<number, RoundVotes>();

  constructor(readonly validators: ValidatorSet) {}

  private round(r: number): RoundVotes {
    let rv = this.rounds.get(r);
    if (rv === undefined) {
      rv = new RoundVotes();
      this.rounds.set(r, rv);
    }
    return rv;
  }

  private typed(r: number, type: VoteType): TypedVotes | undefined {
    const rv = this.rounds.get(r);
    return rv === undefined ? undefined : rv[type];
  }

  /**
   * Adds a vote whose validator index is in range and whose signature was verified. `certified`: the
   * vote came in a verified bundle of > 2/3 of the power for its value.
   */
  add(vote: Vote, certified = false): AddVoteResult {
    const rv = this.round(vote.round);
    const tv = rv[vote.type];
    const key = hashKey(vote.blockHash);
    const values = tv.valuesOf.get(vote.validatorIndex);
    if (values?.has(key)) return { kind: "duplicate" };
    const existing = tv.first.get(vote.validatorIndex);
    const power = this.validators.at(vote.validatorIndex)?.power ?? 0n;
    if (existing !== undefined) {
      const counted = certified || (values?.size ?? 0) < MAX_UNCERTIFIED_VALUES;
      if (counted) this.count(tv, vote, key, power);
      return { kind: "conflict", existing, counted };
    }
    tv.first.set(vote.validatorIndex, vote);
    tv.total += power;
    this.count(tv, vote, key, power);
    this.noteSender(vote.round, vote.validatorIndex);
    return { kind: "added" };
  }

  private count(tv: TypedVotes, vote: Vote, key: string, power: bigint): void {
    let byVal = tv.byValue.get(key);
    if (byVal === undefined) {
      byVal = new Map();
      tv.byValue.set(key, byVal);
    }
    byVal.set(vote.validatorIndex, vote);
    tv.powerByKey.set(key, (tv.powerByKey.get(key) ?? 0n) + power);
    let values = tv.valuesOf.get(vote.validatorIndex);
    if (values === undefined) {
      values = new Set();
      tv.valuesOf.set(vote.validatorIndex, values);
    }
    values.add(key);
  }

  /** Records that `validatorIndex` sent some message in `round` (proposals count too). */
  noteSender(round: number, validatorIndex: number): void {
    const rv = this.round(round);
    if (rv.senders.has(validatorIndex)) return;
    rv.senders.add(validatorIndex);
    rv.senderPower += this.validators.at(validatorIndex)?.power ?? 0n;
  }

  /** True when `validatorIndex` sent some counted message (vote or proposal) in `round`. */
  sent(round: number, validatorIndex: number): boolean {
    return this.rounds.get(round)?.senders.has(validatorIndex) ?? false;
  }

  /** The first vote of a validator in (round, type). */
  get(round: number, type: VoteType, validatorIndex: number): Vote | undefined {
    return this.typed(round, type)?.first.get(validatorIndex);
  }

  /** True when this validator's vote for this value is already counted. */
  has(vote: Vote): boolean {
    return (
      this.typed(vote.round, vote.type)?.valuesOf.get(vote.validatorIndex)?.has(hashKey(vote.blockHash)) ??
      false
    );
  }

  /** Power of the distinct validators that voted for `key` (a {@link hashKey}). */
  powerFor(round: number, type: VoteType, key: string): bigint {
    return this.typed(round, type)?.powerByKey.get(key) ?? 0n;
  }

  /** Power of the distinct validators that sent any vote of this round and type. */
  powerAny(round: number, type: VoteType): bigint {
    return this.typed(round, type)?.total ?? 0n;
  }

  /** Power of the distinct validators that sent anything in `round`. */
  participation(round: number): bigint {
    return this.rounds.get(round)?.senderPower ?? 0n;
  }

  /** Values (keys) that have a quorum of `type` votes in `round`. */
  quorumKeys(round: number, type: VoteType): string[] {
    const tv = this.typed(round, type);
    if (tv === undefined) return [];
    const out: string[] = [];
    for (const [k, p] of tv.powerByKey) if (this.validators.isQuorum(p)) out.push(k);
    return out;
  }

  /** The votes for `key`, by validator index. */
  votesFor(round: number, type: VoteType, key: string): Vote[] {
    const byVal = this.typed(round, type)?.byValue.get(key);
    if (byVal === undefined) return [];
    return [...byVal.values()].sort((a, b) => a.validatorIndex - b.validatorIndex);
  }

  /** The first votes of one validator at this height (own-vote rebroadcast). */
  votesOf(validatorIndex: number): Vote[] {
    const out: Vote[] = [];
    for (const r of this.roundNumbers()) {
      const rv = this.rounds.get(r) as RoundVotes;
      const pv = rv.prevote.first.get(validatorIndex);
      const pc = rv.precommit.first.get(validatorIndex);
      if (pv !== undefined) out.push(pv);
      if (pc !== undefined) out.push(pc);
    }
    return out;
  }

  roundNumbers(): number[] {
    return [...this.rounds.keys()].sort((a, b) => a - b);
  }
}
