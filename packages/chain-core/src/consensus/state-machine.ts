/**
 * Tendermint consensus as a pure, deterministic state machine: Algorithm 1 of "The latest gossip on
 * BFT consensus" (Buchman, Kwon, Milosevic, 2018). `step(event)` returns the actions to perform; there
 * is no I/O, no clock and no randomness inside, so replaying the same events gives the same state and
 * the same actions (the consensus WAL relies on it).
 *
 * Mapping to the paper (line numbers of Algorithm 1):
 * - StartRound (l.11): proposer re-proposes validValue or asks the app for a value (`request-value`);
 *   every node (the proposer too, as in CometBFT) schedules timeoutPropose.
 * - l.22 / l.28: first proposal of the round (fresh, or re-proposal with a 2f+1 prevote POL in vr)
 *   → prevote id(v) if valid and not locked on something else, else prevote nil.
 * - l.34: 2f+1 prevotes of any value → schedule timeoutPrevote (once per round).
 * - l.36: proposal v and 2f+1 prevotes for id(v) while step ≥ prevote (once per round) → lock and
 *   precommit v if still at prevote; validValue/validRound ← v/round in any case.
 * - l.44: 2f+1 prevotes for nil → precommit nil.
 * - l.47: 2f+1 precommits of any value → schedule timeoutPrecommit (once per round).
 * - l.49: a proposal v of any round r with 2f+1 precommits for id(v) in r and valid(v) → decide.
 * - l.55: f+1 (by power) of messages of a higher round → StartRound(that round).
 * - l.57–65: the three timeouts.
 * "2f+1" is > 2/3 of the voting power, "f+1" is > 1/3. valid(v) is asked of the app asynchronously
 * (`validate-value` → `value-validated`); rules that need it wait for the answer.
 *
 * Signatures are checked by the engine before events get here; the machine still checks heights,
 * rounds, proposer and validator indices. After `decide` the machine waits for `start-height` (the
 * engine supplies the next validator set from the app) instead of starting the next height itself.
 * Messages it cannot use yet (future heights) are the engine's to buffer.
 */
import { equalBytes } from "@tandem/crypto";
import { type ConsensusOptions, resolveConsensusOptions, timeoutMs } from "./options.js";
import type {
  Commit,
  Evidence,
  Proposal,
  Step,
  UnsignedProposal,
  UnsignedVote,
  Value,
  Vote,
  VoteType,
} from "./types.js";
import type { ValidatorSet } from "./validator-set.js";
import { HeightVoteSet, hashKey, NIL_KEY } from "./vote-set.js";

export type ConsensusEvent =
  | { readonly type: "start-height"; readonly height: number; readonly validators: ValidatorSet }
  | { readonly type: "proposal"; readonly proposal: Proposal }
  /** `certified`: the vote came in a verified bundle of > 2/3 of the power for its value (see vote-set.ts). */
  | { readonly type: "vote"; readonly vote: Vote; readonly certified?: boolean }
  | { readonly type: "timeout"; readonly height: number; readonly round: number; readonly step: Step }
  | {
      readonly type: "value-validated";
      readonly height: number;
      readonly hash: Uint8Array;
      readonly valid: boolean;
    }
  | { readonly type: "value-ready"; readonly height: number; readonly round: number; readonly value: Value }
  /** A commit for this height that the engine verified (catch-up from a peer that already decided). */
  | {
      readonly type: "commit-certificate";
      readonly height: number;
      readonly value: Value;
      readonly commit: Commit;
    };

export type ConsensusAction =
  | { readonly type: "broadcast-proposal"; readonly proposal: UnsignedProposal }
  | { readonly type: "broadcast-vote"; readonly vote: UnsignedVote }
  | {
      readonly type: "schedule-timeout";
      readonly height: number;
      readonly round: number;
      readonly step: Step;
      readonly durationMs: number;
    }
  | { readonly type: "request-value"; readonly height: number; readonly round: number }
  | { readonly type: "validate-value"; readonly height: number; readonly value: Value }
  | {
      readonly type: "decide";
      readonly height: number;
      readonly round: number;
      readonly value: Value;
      /** The > 2/3 precommits the decision rests on (null when decided from a commit certificate). */
      readonly precommits: readonly Vote[] | null;
      readonly commit: Commit | null;
    }
  | { readonly type: "evidence"; readonly evidence: Evidence };

export type ConsensusStep = Step | "decided" | "idle";

/** What tests and operators may look at. */
export interface ConsensusSnapshot {
  readonly height: number;
  readonly round: number;
  readonly step: ConsensusStep;
  readonly lockedRound: number;
  readonly lockedValueHash: Uint8Array | null;
  readonly validRound: number;
  readonly validValueHash: Uint8Array | null;
  readonly decidedValueHash: Uint8Array | null;
}

export interface ConsensusStateOptions {
  chainId: string;
  /** This node's validator key; undefined for a node that only follows. */
  publicKey?: Uint8Array;
  consensus?: Partial<ConsensusOptions>;
}

export class ConsensusState {
  readonly chainId: string;
  private readonly publicKey: Uint8Array | undefined;
  private readonly opts: ConsensusOptions;

  private _height = 0;
  private _round = 0;
  private _step: ConsensusStep = "idle";
  private _validators: ValidatorSet | undefined;
  private _ownIndex = -1;
  private lockedValue: Value | null = null;
  private lockedRound = -1;
  private validValue: Value | null = null;
  private validRound = -1;
  private decidedValue: Value | null = null;
  private votes: HeightVoteSet | undefined;
  private proposals = new Map<number, Proposal[]>();
  private validity = new Map<string, boolean>();
  private validationRequested = new Set<string>();
  private prevoteTimeoutScheduled = new Set<number>();
  private precommitTimeoutScheduled = new Set<number>();
  private lockRuleFired = new Set<number>();
  private futureRounds = new Map<number, Set<number>>();
  private evidenceSeen = new Set<string>();
  private awaitingValueRound: number | null = null;

  constructor(opts: ConsensusStateOptions) {
    this.chainId = opts.chainId;
    this.publicKey = opts.publicKey === undefined ? undefined : Uint8Array.from(opts.publicKey);
    this.opts = resolveConsensusOptions(opts.consensus);
  }

  get height(): number {
    return this._height;
  }
  get round(): number {
    return this._round;
  }
  get currentStep(): ConsensusStep {
    return this._step;
  }
  get validators(): ValidatorSet | undefined {
    return this._validators;
  }
  /** This node's index in the height's validator set, or −1. */
  get ownIndex(): number {
    return this._ownIndex;
  }
  get decided(): boolean {
    return this.decidedValue !== null;
  }

  snapshot(): ConsensusSnapshot {
    return {
      height: this._height,
      round: this._round,
      step: this._step,
      lockedRound: this.lockedRound,
      lockedValueHash: this.lockedValue?.hash ?? null,
      validRound: this.validRound,
      validValueHash: this.validValue?.hash ?? null,
      decidedValueHash: this.decidedValue?.hash ?? null,
    };
  }

  /** Feeds one event; returns the actions it causes, in order. */
  step(event: ConsensusEvent): ConsensusAction[] {
    const out: ConsensusAction[] = [];
    switch (event.type) {
      case "start-height":
        this.onStartHeight(event.height, event.validators, out);
        break;
      case "proposal":
        this.onProposal(event.proposal, out);
        break;
      case "vote":
        this.onVote(event.vote, event.certified === true, out);
        break;
      case "timeout":
        this.onTimeout(event.height, event.round, event.step, out);
        break;
      case "value-validated":
        if (event.height === this._height) this.validity.set(hashKey(event.hash), event.valid);
        break;
      case "value-ready":
        this.onValueReady(event.height, event.round, event.value, out);
        break;
      case "commit-certificate":
        this.onCommitCertificate(event.height, event.value, event.commit, out);
        break;
    }
    this.evaluate(out);
    return out;
  }

  // ---- queries used by the engine -------------------------------------------------------------

  /** The counted votes of this height (read-only use: the engine's deferred signature checks). */
  get voteSet(): Pick<HeightVoteSet, "powerFor" | "powerAny" | "participation" | "get" | "sent"> | undefined {
    return this.votes;
  }

  /** Whether a message of `round` at this height would be considered (not too far ahead). */
  acceptsRound(round: number): boolean {
    return Number.isInteger(round) && round >= 0 && round <= this._round + this.opts.maxRoundsAhead;
  }

  /** True when this exact vote (validator, round, type, value) is already counted. */
  hasVote(vote: Vote): boolean {
    if (vote.height !== this._height || this.votes === undefined) return false;
    return this.votes.has(vote);
  }

  /**
   * The proof-of-lock this node holds: the > 2/3 prevotes for validValue in validRound (empty if none).
   * Gossiped so that nodes that missed a vote of it (or saw an equivocator's other vote) can accept a
   * re-proposal (l.28) — the relay of received messages the paper's gossip assumption provides.
   */
  proofOfLock(): Vote[] {
    if (this.validRound < 0 || this.validValue === null || this.votes === undefined) return [];
    return this.votes.votesFor(this.validRound, "prevote", hashKey(this.validValue.hash));
  }

  /** True when this exact proposal (round, value, validRound) is already stored. */
  hasProposal(p: Proposal): boolean {
    if (p.height !== this._height) return false;
    return (this.proposals.get(p.round) ?? []).some(
      (q) => q.validRound === p.validRound && equalBytes(q.value.hash, p.value.hash),
    );
  }

  ownVote(round: number, type: VoteType): Vote | undefined {
    return this._ownIndex < 0 ? undefined : this.votes?.get(round, type, this._ownIndex);
  }

  ownProposal(round: number): Proposal | undefined {
    if (this._ownIndex < 0) return undefined;
    return (this.proposals.get(round) ?? []).find((p) => p.proposerIndex === this._ownIndex);
  }

  /** This node's signed proposals and votes of the current height (for periodic rebroadcast). */
  ownMessages(): { proposals: Proposal[]; votes: Vote[] } {
    if (this._ownIndex < 0 || this.votes === undefined) return { proposals: [], votes: [] };
    const proposals: Proposal[] = [];
    for (const r of [...this.proposals.keys()].sort((a, b) => a - b)) {
      const p = this.ownProposal(r);
      if (p !== undefined) proposals.push(p);
    }
    return { proposals, votes: this.votes.votesOf(this._ownIndex) };
  }

  /** Validity of a value of this height, if the app answered. */
  validityOf(hash: Uint8Array): boolean | undefined {
    return this.validity.get(hashKey(hash));
  }

  // ---- event handlers -------------------------------------------------------------------------

  private onStartHeight(height: number, validators: ValidatorSet, out: ConsensusAction[]): void {
    if (!Number.isSafeInteger(height) || height <= this._height) return;
    this._height = height;
    this._validators = validators;
    this._ownIndex = this.publicKey === undefined ? -1 : validators.indexOf(this.publicKey);
    this.lockedValue = null;
    this.lockedRound = -1;
    this.validValue = null;
    this.validRound = -1;
    this.decidedValue = null;
    this.votes = new HeightVoteSet(validators);
    this.proposals = new Map();
    this.validity = new Map();
    this.validationRequested = new Set();
    this.prevoteTimeoutScheduled = new Set();
    this.precommitTimeoutScheduled = new Set();
    this.lockRuleFired = new Set();
    this.futureRounds = new Map();
    this.evidenceSeen = new Set();
    this.startRound(0, out);
  }

  /** Keeps at most `maxFutureRoundsPerValidator` rounds above the current one per validator. */
  private acceptRound(validatorIndex: number, round: number): boolean {
    if (round <= this._round) return true;
    let rounds = this.futureRounds.get(validatorIndex);
    if (rounds === undefined) {
      rounds = new Set();
      this.futureRounds.set(validatorIndex, rounds);
    }
    for (const r of rounds) if (r <= this._round) rounds.delete(r);
    if (rounds.has(round)) return true;
    if (rounds.size >= this.opts.maxFutureRoundsPerValidator) return false;
    rounds.add(round);
    return true;
  }

  private onProposal(p: Proposal, out: ConsensusAction[]): void {
    const vals = this._validators;
    if (vals === undefined || this.decidedValue !== null) return;
    if (p.height !== this._height || p.chainId !== this.chainId) return;
    if (!Number.isInteger(p.round) || p.round < 0 || p.round > this._round + this.opts.maxRoundsAhead) return;
    if (!Number.isInteger(p.validRound) || p.validRound < -1 || p.validRound >= p.round) return;
    if (p.proposerIndex !== vals.proposerIndexForRound(p.round)) return;
    const list = this.proposals.get(p.round) ?? [];
    const same = list.find((q) => q.validRound === p.validRound && equalBytes(q.value.hash, p.value.hash));
    if (same !== undefined) return;
    if (!this.acceptRound(p.proposerIndex, p.round)) return;
    const first = list[0];
    if (first !== undefined) {
      // A second, different signed proposal for (height, round): equivocation by the proposer.
      const key = `p/${p.round}`;
      if (!this.evidenceSeen.has(key)) {
        this.evidenceSeen.add(key);
        out.push({
          type: "evidence",
          evidence: { kind: "duplicate-proposal", proposalA: first, proposalB: p },
        });
      }
      if (list.length >= this.opts.maxProposalsPerRound) return;
    }
    list.push(p);
    this.proposals.set(p.round, list);
    (this.votes as HeightVoteSet).noteSender(p.round, p.proposerIndex);
    if (p.proposerIndex === this._ownIndex && this.awaitingValueRound === p.round)
      this.awaitingValueRound = null;
    const key = hashKey(p.value.hash);
    if (!this.validity.has(key) && !this.validationRequested.has(key)) {
      this.validationRequested.add(key);
      out.push({ type: "validate-value", height: this._height, value: p.value });
    }
  }

  private onVote(v: Vote, certified: boolean, out: ConsensusAction[]): void {
    const vals = this._validators;
    const votes = this.votes;
    if (vals === undefined || votes === undefined || this.decidedValue !== null) return;
    if (v.height !== this._height || v.chainId !== this.chainId) return;
    if (v.type !== "prevote" && v.type !== "precommit") return;
    if (!Number.isInteger(v.round) || v.round < 0 || v.round > this._round + this.opts.maxRoundsAhead) return;
    if (vals.at(v.validatorIndex) === undefined) return;
    if (!this.acceptRound(v.validatorIndex, v.round)) return;
    const res = votes.add(v, certified);
    if (res.kind === "conflict") {
      const key = `v/${v.validatorIndex}/${v.round}/${v.type}`;
      if (!this.evidenceSeen.has(key)) {
        this.evidenceSeen.add(key);
        out.push({ type: "evidence", evidence: { kind: "duplicate-vote", voteA: res.existing, voteB: v } });
      }
    }
  }

  private onTimeout(height: number, round: number, step: Step, out: ConsensusAction[]): void {
    if (height !== this._height || round !== this._round || this.decidedValue !== null) return;
    if (step === "propose" && this._step === "propose") {
      this.castVote("prevote", null, out);
      this._step = "prevote";
    } else if (step === "prevote" && this._step === "prevote") {
      this.castVote("precommit", null, out);
      this._step = "precommit";
    } else if (step === "precommit") {
      this.startRound(this._round + 1, out);
    }
  }

  private onValueReady(height: number, round: number, value: Value, out: ConsensusAction[]): void {
    if (height !== this._height || round !== this._round || this._step !== "propose") return;
    if (this.awaitingValueRound !== round || this.decidedValue !== null) return;
    this.awaitingValueRound = null;
    out.push({
      type: "broadcast-proposal",
      proposal: {
        chainId: this.chainId,
        height,
        round,
        validRound: this.validRound,
        value,
        proposerIndex: this._ownIndex,
      },
    });
  }

  private onCommitCertificate(height: number, value: Value, commit: Commit, out: ConsensusAction[]): void {
    if (height !== this._height || this.decidedValue !== null) return;
    if (commit.height !== height || !equalBytes(commit.blockHash, value.hash)) return;
    this.decide(commit.round, value, null, commit, out);
  }

  // ---- the rules ------------------------------------------------------------------------------

  private startRound(round: number, out: ConsensusAction[]): void {
    const vals = this._validators as ValidatorSet;
    this._round = round;
    this._step = "propose";
    this.awaitingValueRound = null;
    if (this._ownIndex >= 0 && vals.proposerIndexForRound(round) === this._ownIndex) {
      if (this.validValue !== null) {
        out.push({
          type: "broadcast-proposal",
          proposal: {
            chainId: this.chainId,
            height: this._height,
            round,
            validRound: this.validRound,
            value: this.validValue,
            proposerIndex: this._ownIndex,
          },
        });
      } else if (this.ownProposal(round) === undefined) {
        this.awaitingValueRound = round;
        out.push({ type: "request-value", height: this._height, round });
      }
    }
    // The paper schedules timeoutPropose only on non-proposers; like CometBFT we schedule it on the
    // proposer too, so a proposer whose app never answers (or that restarted without its WAL and may
    // not re-sign its proposal) does not stall the round. A timeout only ever leads to a nil prevote.
    out.push(this.timeout("propose", round));
  }

  private timeout(step: Step, round: number): ConsensusAction {
    return {
      type: "schedule-timeout",
      height: this._height,
      round,
      step,
      durationMs: timeoutMs(this.opts, step, round),
    };
  }

  private castVote(type: VoteType, blockHash: Uint8Array | null, out: ConsensusAction[]): void {
    if (this._ownIndex < 0) return;
    out.push({
      type: "broadcast-vote",
      vote: {
        chainId: this.chainId,
        height: this._height,
        round: this._round,
        type,
        blockHash,
        validatorIndex: this._ownIndex,
      },
    });
  }

  private decide(
    round: number,
    value: Value,
    precommits: readonly Vote[] | null,
    commit: Commit | null,
    out: ConsensusAction[],
  ): void {
    this.decidedValue = value;
    this._step = "decided";
    out.push({ type: "decide", height: this._height, round, value, precommits, commit });
  }

  private isQuorum(power: bigint): boolean {
    return (this._validators as ValidatorSet).isQuorum(power);
  }

  /** Applies the upon-rules until none fires (a fixpoint over the current message sets). */
  private evaluate(out: ConsensusAction[]): void {
    const vals = this._validators;
    const votes = this.votes;
    if (vals === undefined || votes === undefined) return;
    for (let guard = 0; guard < 10_000; guard++) {
      if (this.decidedValue !== null) return;

      // l.49: decide on any round's proposal with 2f+1 precommits for it.
      for (const r of votes.roundNumbers()) {
        for (const key of votes.quorumKeys(r, "precommit")) {
          if (key === NIL_KEY) continue;
          const p = (this.proposals.get(r) ?? []).find((q) => hashKey(q.value.hash) === key);
          if (p !== undefined && this.validity.get(key) === true) {
            this.decide(r, p.value, votes.votesFor(r, "precommit", key), null, out);
            return;
          }
        }
      }

      // l.55: f+1 of a higher round → skip to it (the highest such round).
      let skipTo = -1;
      for (const r of votes.roundNumbers()) {
        if (r > this._round && vals.isOneThird(votes.participation(r))) skipTo = r;
      }
      if (skipTo > this._round) {
        this.startRound(skipTo, out);
        continue;
      }

      const round = this._round;
      const proposals = this.proposals.get(round) ?? [];

      // l.22 and l.28: the first usable proposal of the round.
      if (this._step === "propose") {
        let fired = false;
        for (const p of proposals) {
          const key = hashKey(p.value.hash);
          const valid = this.validity.get(key);
          if (p.validRound === -1) {
            if (valid === undefined) continue;
            const ok =
              valid && (this.lockedRound === -1 || equalBytes(this.lockedValue?.hash ?? EMPTY, p.value.hash));
            this.castVote("prevote", ok ? p.value.hash : null, out);
            fired = true;
          } else if (this.isQuorum(votes.powerFor(p.validRound, "prevote", key))) {
            if (valid === undefined) continue;
            const ok =
              valid &&
              (this.lockedRound <= p.validRound || equalBytes(this.lockedValue?.hash ?? EMPTY, p.value.hash));
            this.castVote("prevote", ok ? p.value.hash : null, out);
            fired = true;
          }
          if (fired) break;
        }
        if (fired) {
          this._step = "prevote";
          continue;
        }
      }

      // l.34: 2f+1 prevotes of anything → timeoutPrevote, once.
      if (
        this._step === "prevote" &&
        !this.prevoteTimeoutScheduled.has(round) &&
        this.isQuorum(votes.powerAny(round, "prevote"))
      ) {
        this.prevoteTimeoutScheduled.add(round);
        out.push(this.timeout("prevote", round));
      }

      // l.36: proposal v with 2f+1 prevotes for it while step ≥ prevote, once per round.
      if ((this._step === "prevote" || this._step === "precommit") && !this.lockRuleFired.has(round)) {
        const p = proposals.find((q) => {
          const key = hashKey(q.value.hash);
          return this.validity.get(key) === true && this.isQuorum(votes.powerFor(round, "prevote", key));
        });
        if (p !== undefined) {
          this.lockRuleFired.add(round);
          if (this._step === "prevote") {
            this.lockedValue = p.value;
            this.lockedRound = round;
            this.castVote("precommit", p.value.hash, out);
            this._step = "precommit";
          }
          this.validValue = p.value;
          this.validRound = round;
          continue;
        }
      }

      // l.44: 2f+1 prevotes for nil → precommit nil.
      if (this._step === "prevote" && this.isQuorum(votes.powerFor(round, "prevote", NIL_KEY))) {
        this.castVote("precommit", null, out);
        this._step = "precommit";
        continue;
      }

      // l.47: 2f+1 precommits of anything → timeoutPrecommit, once.
      if (!this.precommitTimeoutScheduled.has(round) && this.isQuorum(votes.powerAny(round, "precommit"))) {
        this.precommitTimeoutScheduled.add(round);
        out.push(this.timeout("precommit", round));
      }
      return;
    }
    throw new Error("consensus rules did not reach a fixpoint");
  }
}

const EMPTY = new Uint8Array(0);
