import { equalBytes } from "@tandem/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConsensusAction,
  type ConsensusEvent,
  ConsensusState,
  defaultConsensusOptions,
  type Value,
} from "../../../src/consensus/index.js";
import { CHAIN, type Fixture, fixture, value } from "./fixture.js";

/** A state machine for validator index `me` (or a follower when `me` is −1), started at height 1. */
function machine(f: Fixture, me: number): { sm: ConsensusState; start: ConsensusAction[] } {
  const sm = new ConsensusState({
    chainId: CHAIN,
    ...(me >= 0 ? { publicKey: f.signerOf(me).publicKey } : {}),
  });
  const start = sm.step({ type: "start-height", height: 1, validators: f.set });
  return { sm, start };
}

const votesOf = (actions: ConsensusAction[]) =>
  actions.flatMap((a) => (a.type === "broadcast-vote" ? [a.vote] : []));
const timeoutsOf = (actions: ConsensusAction[]) =>
  actions.flatMap((a) =>
    a.type === "schedule-timeout" ? [{ step: a.step, round: a.round, ms: a.durationMs }] : [],
  );
const decisionOf = (actions: ConsensusAction[]) => actions.find((a) => a.type === "decide");

/** Feeds a proposal and the app's verdict on its value. */
function propose(sm: ConsensusState, f: Fixture, round: number, v: Value, valid = true, validRound = -1) {
  const a1 = sm.step({ type: "proposal", proposal: f.proposal(round, v, validRound) });
  const a2 = sm.step({ type: "value-validated", height: 1, hash: v.hash, valid });
  return [...a1, ...a2];
}

/** Feeds votes of the given validator indices. */
function feed(
  sm: ConsensusState,
  f: Fixture,
  who: number[],
  round: number,
  type: "prevote" | "precommit",
  h: Uint8Array | null,
) {
  return who.flatMap((v) => sm.step({ type: "vote", vote: f.vote(v, round, type, h) }));
}

describe("ConsensusState: starting a round", () => {
  const f = fixture();
  const p0 = f.set.proposerIndexForRound(0);
  const other = (p0 + 1) % 4;

  it("asks the app for a value when it is the proposer of round 0", () => {
    const { start } = machine(f, p0);
    expect(start).toContainEqual({ type: "request-value", height: 1, round: 0 });
  });

  it("schedules timeoutPropose (3000 ms by default) when another validator proposes", () => {
    const { start } = machine(f, other);
    expect(start.some((a) => a.type === "request-value")).toBe(false);
    expect(timeoutsOf(start)).toEqual([{ step: "propose", round: 0, ms: 3000 }]);
  });

  it("grows every timeout by its delta each round", () => {
    const { sm } = machine(f, other);
    const acts = sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    expect(timeoutsOf(acts)).toEqual([
      {
        step: "propose",
        round: 1,
        ms: defaultConsensusOptions.timeoutProposeMs + defaultConsensusOptions.timeoutProposeDeltaMs,
      },
    ]);
  });

  it("broadcasts the app's value as a fresh proposal (validRound −1)", () => {
    const { sm } = machine(f, p0);
    const v = value("a");
    const acts = sm.step({ type: "value-ready", height: 1, round: 0, value: v });
    expect(acts).toContainEqual({
      type: "broadcast-proposal",
      proposal: { chainId: CHAIN, height: 1, round: 0, validRound: -1, value: v, proposerIndex: p0 },
    });
    // A late second answer is ignored.
    expect(sm.step({ type: "value-ready", height: 1, round: 0, value: value("b") })).toEqual([]);
  });
});

describe("ConsensusState: prevote (l.22, l.28, l.57)", () => {
  const f = fixture();
  const p0 = f.set.proposerIndexForRound(0);
  const me = (p0 + 1) % 4;

  it("asks the app to validate a proposal's value once, then prevotes it when valid", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    const a1 = sm.step({ type: "proposal", proposal: f.proposal(0, v) });
    expect(a1).toContainEqual({ type: "validate-value", height: 1, value: v });
    expect(votesOf(a1)).toEqual([]);
    const a2 = sm.step({ type: "value-validated", height: 1, hash: v.hash, valid: true });
    expect(votesOf(a2)).toEqual([
      { chainId: CHAIN, height: 1, round: 0, type: "prevote", blockHash: v.hash, validatorIndex: me },
    ]);
    expect(sm.currentStep).toBe("prevote");
  });

  it("prevotes nil for an invalid value", () => {
    const { sm } = machine(f, me);
    expect(votesOf(propose(sm, f, 0, value("bad"), false))).toMatchObject([
      { type: "prevote", blockHash: null },
    ]);
  });

  it("prevotes nil when timeoutPropose fires before a proposal", () => {
    const { sm } = machine(f, me);
    const acts = sm.step({ type: "timeout", height: 1, round: 0, step: "propose" });
    expect(votesOf(acts)).toMatchObject([{ type: "prevote", blockHash: null, round: 0 }]);
    // A proposal arriving afterwards does not make it vote again.
    expect(votesOf(propose(sm, f, 0, value("a")))).toEqual([]);
  });

  it("ignores a stale timeout of another round, step or height", () => {
    const { sm } = machine(f, me);
    expect(sm.step({ type: "timeout", height: 1, round: 1, step: "propose" })).toEqual([]);
    expect(sm.step({ type: "timeout", height: 2, round: 0, step: "propose" })).toEqual([]);
    expect(sm.step({ type: "timeout", height: 1, round: 0, step: "prevote" })).toEqual([]);
  });

  it("ignores a proposal from a validator that is not the round's proposer", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    expect(sm.step({ type: "proposal", proposal: f.proposal(0, v, -1, 1, (p0 + 2) % 4) })).toEqual([]);
  });

  it("ignores proposals and votes of another height, another chain, a bad index or a far round", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    expect(sm.step({ type: "proposal", proposal: f.proposal(0, v, -1, 2) })).toEqual([]);
    expect(sm.step({ type: "proposal", proposal: { ...f.proposal(0, v), chainId: "tandem:other" } })).toEqual(
      [],
    );
    expect(sm.step({ type: "vote", vote: { ...f.vote(0, 0, "prevote", null), validatorIndex: 4 } })).toEqual(
      [],
    );
    expect(
      sm.step({ type: "vote", vote: { ...f.vote(0, 0, "prevote", null), chainId: "tandem:other" } }),
    ).toEqual([]);
    expect(sm.step({ type: "vote", vote: f.vote(0, 5000, "prevote", null) })).toEqual([]);
    expect(sm.step({ type: "proposal", proposal: { ...f.proposal(0, v), validRound: 0 } })).toEqual([]);
    expect(sm.hasVote(f.vote(0, 0, "prevote", null))).toBe(false);
  });
});

describe("ConsensusState: lock, precommit and decide (l.34–l.49)", () => {
  const f = fixture();
  const p0 = f.set.proposerIndexForRound(0);
  const me = (p0 + 1) % 4;
  const others = [0, 1, 2, 3].filter((v) => v !== me);

  it("locks and precommits a proposal with 2/3 prevotes for it", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    propose(sm, f, 0, v);
    sm.step({ type: "vote", vote: f.vote(me, 0, "prevote", v.hash) });
    expect(votesOf(feed(sm, f, others.slice(0, 1), 0, "prevote", v.hash))).toEqual([]);
    const acts = feed(sm, f, others.slice(1, 2), 0, "prevote", v.hash);
    expect(votesOf(acts)).toMatchObject([{ type: "precommit", blockHash: v.hash, round: 0 }]);
    expect(sm.snapshot()).toMatchObject({ step: "precommit", lockedRound: 0, validRound: 0 });
    expect(equalBytes(sm.snapshot().lockedValueHash as Uint8Array, v.hash)).toBe(true);
  });

  it("schedules timeoutPrevote once on 2/3 prevotes for different values, and precommits nil when it fires", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    propose(sm, f, 0, v);
    const acts = [
      ...feed(sm, f, [others[0] as number], 0, "prevote", v.hash),
      ...feed(sm, f, [others[1] as number], 0, "prevote", null),
      ...sm.step({ type: "vote", vote: f.vote(me, 0, "prevote", v.hash) }),
    ];
    expect(timeoutsOf(acts)).toEqual([{ step: "prevote", round: 0, ms: 1000 }]);
    expect(timeoutsOf(feed(sm, f, [others[2] as number], 0, "prevote", null))).toEqual([]);
    const t = sm.step({ type: "timeout", height: 1, round: 0, step: "prevote" });
    expect(votesOf(t)).toMatchObject([{ type: "precommit", blockHash: null }]);
    expect(sm.snapshot().lockedRound).toBe(-1);
  });

  it("precommits nil on 2/3 nil prevotes (l.44)", () => {
    const { sm } = machine(f, me);
    sm.step({ type: "timeout", height: 1, round: 0, step: "propose" });
    const acts = feed(sm, f, [me, ...others.slice(0, 2)], 0, "prevote", null);
    expect(votesOf(acts)).toMatchObject([{ type: "precommit", blockHash: null }]);
  });

  it("decides on 2/3 precommits for the proposal, with those precommits", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    propose(sm, f, 0, v);
    const acts = feed(sm, f, others, 0, "precommit", v.hash);
    const d = decisionOf(acts);
    expect(d).toMatchObject({ type: "decide", height: 1, round: 0, value: v, commit: null });
    expect(d?.type === "decide" ? d.precommits?.map((p) => p.validatorIndex) : []).toEqual(
      [...others].sort(),
    );
    expect(sm.snapshot().step).toBe("decided");
    // Nothing more happens at this height.
    expect(sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" })).toEqual([]);
  });

  it("does not decide on 2/3 precommits until the app says the value is valid", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    sm.step({ type: "proposal", proposal: f.proposal(0, v) });
    expect(decisionOf(feed(sm, f, others, 0, "precommit", v.hash))).toBeUndefined();
    expect(
      decisionOf(sm.step({ type: "value-validated", height: 1, hash: v.hash, valid: true })),
    ).toBeDefined();
  });

  it("schedules timeoutPrecommit on 2/3 precommits of any value and moves to round 1 when it fires", () => {
    const { sm } = machine(f, me);
    sm.step({ type: "timeout", height: 1, round: 0, step: "propose" });
    const acts = [
      ...feed(sm, f, others.slice(0, 2), 0, "precommit", null),
      ...feed(sm, f, [me], 0, "precommit", value("x").hash),
    ];
    expect(timeoutsOf(acts)).toContainEqual({ step: "precommit", round: 0, ms: 1000 });
    sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    expect(sm.round).toBe(1);
    expect(sm.currentStep).toBe("propose");
  });

  it("decides a value of an earlier round once its precommits arrive (l.49 for any round)", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    propose(sm, f, 0, v);
    sm.step({ type: "timeout", height: 1, round: 0, step: "propose" });
    sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    feed(sm, f, [0, 1, 2, 3], 1, "prevote", null);
    expect(sm.round).toBe(1);
    const d = decisionOf(feed(sm, f, others, 0, "precommit", v.hash));
    expect(d).toMatchObject({ round: 0, value: v });
  });

  it("decides from a verified commit certificate of its height", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    const commit = {
      height: 1,
      round: 3,
      blockHash: v.hash,
      signers: new Uint8Array(1),
      signature: new Uint8Array(32),
    };
    const acts = sm.step({ type: "commit-certificate", height: 1, value: v, commit });
    expect(decisionOf(acts)).toMatchObject({ height: 1, round: 3, value: v, precommits: null, commit });
    expect(sm.step({ type: "commit-certificate", height: 1, value: v, commit })).toEqual([]);
  });

  it("lets one validator with more than 2/3 of the power decide alone", () => {
    const g = fixture([100n, 1n, 1n, 1n], "w");
    const big = g.set.indexOf(g.signers[0]?.publicKey as Uint8Array);
    expect(g.set.proposerIndexForRound(0)).toBe(big);
    const { sm } = machine(g, big);
    const v = value("solo");
    sm.step({ type: "value-ready", height: 1, round: 0, value: v });
    const a = [
      ...sm.step({ type: "proposal", proposal: g.proposal(0, v) }),
      ...sm.step({ type: "value-validated", height: 1, hash: v.hash, valid: true }),
    ];
    const pv = votesOf(a)[0];
    expect(pv).toMatchObject({ type: "prevote", blockHash: v.hash });
    const b = sm.step({ type: "vote", vote: g.vote(big, 0, "prevote", v.hash) });
    expect(votesOf(b)).toMatchObject([{ type: "precommit", blockHash: v.hash }]);
    expect(decisionOf(sm.step({ type: "vote", vote: g.vote(big, 0, "precommit", v.hash) }))).toBeDefined();
  });

  it("follows without voting when it is not in the validator set, and still decides", () => {
    const { sm, start } = machine(f, -1);
    expect(sm.ownIndex).toBe(-1);
    expect(start.some((a) => a.type === "request-value")).toBe(false);
    const v = value("a");
    expect(votesOf(propose(sm, f, 0, v))).toEqual([]);
    expect(decisionOf(feed(sm, f, [0, 1, 2], 0, "precommit", v.hash))).toBeDefined();
  });
});

describe("ConsensusState: rounds, locks and proof-of-lock (l.28, l.36, l.55)", () => {
  const f = fixture();
  const p0 = f.set.proposerIndexForRound(0);
  const p1 = f.set.proposerIndexForRound(1);
  const me = [0, 1, 2, 3].find((v) => v !== p0 && v !== p1) as number;
  const others = [0, 1, 2, 3].filter((v) => v !== me);

  function lockedOn(v: Value): ConsensusState {
    const { sm } = machine(f, me);
    propose(sm, f, 0, v);
    sm.step({ type: "vote", vote: f.vote(me, 0, "prevote", v.hash) });
    feed(sm, f, others.slice(0, 2), 0, "prevote", v.hash);
    sm.step({ type: "vote", vote: f.vote(me, 0, "precommit", v.hash) });
    feed(sm, f, others, 0, "precommit", null);
    sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    expect(sm.round).toBe(1);
    return sm;
  }

  it("skips to a higher round on messages from more than 1/3 of the power, not on 1/3", () => {
    const { sm } = machine(f, me);
    feed(sm, f, [others[0] as number], 5, "prevote", null);
    expect(sm.round).toBe(0);
    feed(sm, f, [others[1] as number], 5, "precommit", null);
    expect(sm.round).toBe(5);
    expect(sm.currentStep).toBe("propose");
  });

  it("counts a proposal's sender toward the round-skip rule", () => {
    const { sm } = machine(f, me);
    const pr = f.proposal(4, value("later"));
    sm.step({ type: "proposal", proposal: pr });
    feed(sm, f, [others.find((o) => o !== pr.proposerIndex) as number], 4, "prevote", null);
    expect(sm.round).toBe(4);
  });

  it("stays locked: prevotes nil for another fresh value in a later round", () => {
    const a = value("a");
    const sm = lockedOn(a);
    expect(votesOf(propose(sm, f, 1, value("b")))).toMatchObject([
      { round: 1, type: "prevote", blockHash: null },
    ]);
  });

  it("prevotes its locked value when it is proposed again", () => {
    const a = value("a");
    const sm = lockedOn(a);
    expect(votesOf(propose(sm, f, 1, a, true, 0))).toMatchObject([
      { round: 1, type: "prevote", blockHash: a.hash },
    ]);
  });

  it("unlocks for a value with a proof-of-lock from a round at or after its locked round", () => {
    const a = value("a");
    const b = value("b");
    const { sm } = machine(f, me);
    // Round 0: locks on a.
    propose(sm, f, 0, a);
    sm.step({ type: "vote", vote: f.vote(me, 0, "prevote", a.hash) });
    feed(sm, f, others.slice(0, 2), 0, "prevote", a.hash);
    feed(sm, f, others, 0, "precommit", null);
    sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    // Round 1: the others see a polka for b, which this node only hears about.
    feed(sm, f, others, 1, "prevote", b.hash);
    // l.36 needs the round-1 proposal of b; without it nothing is locked anew.
    expect(sm.snapshot().lockedRound).toBe(0);
    sm.step({ type: "timeout", height: 1, round: 1, step: "prevote" });
    feed(sm, f, others, 1, "precommit", null);
    sm.step({ type: "timeout", height: 1, round: 1, step: "precommit" });
    expect(sm.round).toBe(2);
    // Round 2: b is re-proposed with validRound 1 ≥ lockedRound 0 → prevote b (l.28).
    const acts = sm.step({ type: "proposal", proposal: f.proposal(2, b, 1) });
    const v2 = [...acts, ...sm.step({ type: "value-validated", height: 1, hash: b.hash, valid: true })];
    expect(votesOf(v2)).toMatchObject([{ round: 2, type: "prevote", blockHash: b.hash }]);
  });

  it("waits (no prevote) for a re-proposal whose proof-of-lock it has not seen", () => {
    const { sm } = machine(f, me);
    sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    sm.step({ type: "timeout", height: 1, round: 1, step: "precommit" });
    expect(sm.round).toBe(2);
    expect(votesOf(propose(sm, f, 2, value("b"), true, 1))).toEqual([]);
    expect(votesOf(sm.step({ type: "timeout", height: 1, round: 2, step: "propose" }))).toMatchObject([
      { blockHash: null },
    ]);
  });

  it("re-proposes its valid value with its valid round when it proposes a later round", () => {
    const a = value("a");
    const { sm } = machine(f, p1);
    propose(sm, f, 0, a);
    feed(sm, f, [0, 1, 2, 3], 0, "prevote", a.hash);
    feed(sm, f, [0, 1, 2, 3], 0, "precommit", null);
    const acts = sm.step({ type: "timeout", height: 1, round: 0, step: "precommit" });
    expect(acts).toContainEqual({
      type: "broadcast-proposal",
      proposal: { chainId: CHAIN, height: 1, round: 1, validRound: 0, value: a, proposerIndex: p1 },
    });
    expect(sm.proofOfLock().map((v) => v.validatorIndex)).toEqual([0, 1, 2, 3]);
  });
});

describe("ConsensusState: equivocation", () => {
  const f = fixture();
  const p0 = f.set.proposerIndexForRound(0);
  const me = (p0 + 1) % 4;
  const byz = (p0 + 2) % 4;

  it("emits evidence once for conflicting votes of one validator, with both votes", () => {
    const { sm } = machine(f, me);
    const a = f.vote(byz, 0, "prevote", value("a").hash);
    const b = f.vote(byz, 0, "prevote", null);
    expect(sm.step({ type: "vote", vote: a })).toEqual([]);
    expect(sm.step({ type: "vote", vote: b })).toEqual([
      { type: "evidence", evidence: { kind: "duplicate-vote", voteA: a, voteB: b } },
    ]);
    expect(sm.step({ type: "vote", vote: f.vote(byz, 0, "prevote", value("c").hash) })).toEqual([]);
  });

  it("emits evidence for two different proposals of the round's proposer", () => {
    const { sm } = machine(f, me);
    const a = f.proposal(0, value("a"));
    const b = f.proposal(0, value("b"));
    sm.step({ type: "proposal", proposal: a });
    const acts = sm.step({ type: "proposal", proposal: b });
    expect(acts).toContainEqual({
      type: "evidence",
      evidence: { kind: "duplicate-proposal", proposalA: a, proposalB: b },
    });
  });

  it("counts an equivocator once per value, so a polka forms at a node that saw its other vote first", () => {
    const { sm } = machine(f, me);
    const v = value("a");
    propose(sm, f, 0, v);
    sm.step({ type: "vote", vote: f.vote(byz, 0, "prevote", null) });
    sm.step({ type: "vote", vote: f.vote(me, 0, "prevote", v.hash) });
    const third = [0, 1, 2, 3].find((x) => x !== me && x !== byz) as number;
    feed(sm, f, [third], 0, "prevote", v.hash);
    const acts = sm.step({ type: "vote", vote: f.vote(byz, 0, "prevote", v.hash) });
    expect(votesOf(acts)).toMatchObject([{ type: "precommit", blockHash: v.hash }]);
  });

  it("keeps at most two values of an equivocator outside certified bundles", () => {
    const { sm } = machine(f, me);
    const votes = ["a", "b", "c"].map((t) => f.vote(byz, 0, "prevote", value(t).hash));
    for (const v of votes) sm.step({ type: "vote", vote: v });
    expect(votes.map((v) => sm.hasVote(v))).toEqual([true, true, false]);
    sm.step({ type: "vote", vote: votes[2] as never, certified: true });
    expect(sm.hasVote(votes[2] as never)).toBe(true);
  });
});

describe("ConsensusState: properties", () => {
  const f = fixture();
  const vals = [value("a"), value("b")];
  const eventArb: fc.Arbitrary<ConsensusEvent> = fc.oneof(
    fc
      .record({
        round: fc.integer({ min: 0, max: 3 }),
        v: fc.integer({ min: 0, max: 1 }),
      })
      .map(
        ({ round, v }) =>
          ({ type: "proposal", proposal: f.proposal(round, vals[v] as Value, -1) }) as ConsensusEvent,
      ),
    fc
      .record({
        who: fc.integer({ min: 0, max: 3 }),
        round: fc.integer({ min: 0, max: 3 }),
        type: fc.constantFrom("prevote" as const, "precommit" as const),
        v: fc.integer({ min: 0, max: 2 }),
      })
      .map(
        ({ who, round, type, v }) =>
          ({
            type: "vote",
            vote: f.vote(who, round, type, v === 2 ? null : (vals[v] as Value).hash),
          }) as ConsensusEvent,
      ),
    fc
      .record({
        round: fc.integer({ min: 0, max: 3 }),
        step: fc.constantFrom("propose" as const, "prevote" as const, "precommit" as const),
      })
      .map(({ round, step }) => ({ type: "timeout", height: 1, round, step }) as ConsensusEvent),
    fc
      .record({ v: fc.integer({ min: 0, max: 1 }), valid: fc.boolean() })
      .map(
        ({ v, valid }) =>
          ({ type: "value-validated", height: 1, hash: (vals[v] as Value).hash, valid }) as ConsensusEvent,
      ),
  );

  it("is deterministic: the same events give the same actions and state", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (events, me) => {
        const a = machine(f, me).sm;
        const b = machine(f, me).sm;
        for (const e of events) expect(a.step(e)).toEqual(b.step(e));
        expect(a.snapshot()).toEqual(b.snapshot());
      }),
      { numRuns: 200 },
    );
  });

  it("never casts two votes for one (round, type), never decides twice, never goes back a round", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 80 }), fc.integer({ min: 0, max: 3 }), (events, me) => {
        const { sm } = machine(f, me);
        const cast = new Set<string>();
        let decisions = 0;
        let round = 0;
        for (const e of events) {
          for (const a of sm.step(e)) {
            if (a.type === "broadcast-vote") {
              const k = `${a.vote.round}/${a.vote.type}`;
              expect(cast.has(k), k).toBe(false);
              cast.add(k);
            }
            if (a.type === "decide") decisions++;
          }
          expect(sm.round).toBeGreaterThanOrEqual(round);
          round = sm.round;
        }
        expect(decisions).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
