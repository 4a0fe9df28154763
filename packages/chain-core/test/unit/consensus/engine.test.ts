/**
 * The consensus engine alone, driven by hand: this node is one of four validators; the other three are
 * played by the test (fixture signers) through `engine.receive`. Virtual time (Scheduler), in-memory
 * store, the simulator's toy app, the cheap test signer.
 */
import { utf8ToBytes } from "@tandem/crypto";
import { describe, expect, it } from "vitest";
import {
  buildCommit,
  ConsensusEngine,
  type ConsensusMessage,
  ConsensusWal,
  type Decision,
  DoubleSignGuard,
  decodeConsensusMessage,
  type Evidence,
  encodeConsensusMessage,
  type Value,
  type VoteVerifier,
} from "../../../src/consensus/index.js";
import {
  ArmedFailpoints,
  FailpointCrash,
  type FailpointName,
  type Failpoints,
} from "../../../src/failpoints.js";
import { MemoryDisk, MemoryKvStore } from "../../../src/store/index.js";
import { makeToyValue, Scheduler, ToyApp, testVoteVerifier } from "../../../src/testing/index.js";
import { CHAIN, fixture } from "./fixture.js";

const f = fixture();
const p0 = f.set.proposerIndexForRound(0);
const me = (p0 + 1) % 4;
const others = [0, 1, 2, 3].filter((v) => v !== me);
const toy = (tag: string, height = 1, round = 0): Value =>
  makeToyValue(height, round, p0, 0, utf8ToBytes(tag));

interface Harness {
  engine: ConsensusEngine;
  sent: { to?: string; msg: ConsensusMessage }[];
  store: MemoryKvStore;
  sched: Scheduler;
  stored: Decision[];
  evidence: Evidence[];
  fatal: unknown[];
  deliver(msg: ConsensusMessage, from?: string): Promise<void>;
  advance(ms: number): Promise<void>;
}

async function start(
  disk = new MemoryDisk(),
  failpoints?: Failpoints,
  who = me,
  verifier: VoteVerifier = testVoteVerifier,
): Promise<Harness> {
  const sched = new Scheduler();
  const sent: Harness["sent"] = [];
  const stored: Decision[] = [];
  const evidence: Evidence[] = [];
  const fatal: unknown[] = [];
  const store = MemoryKvStore.open(disk);
  const app = new ToyApp(
    store,
    {
      genesis: f.set,
      membershipFor: (_h, prev) => prev.membership(),
      makeValue: (h, r) => makeToyValue(h, r, who, 0, utf8ToBytes(`own/${h}/${r}`)),
      onBlockStored: (d) => stored.push(d),
      onEvidence: (e) => evidence.push(e),
    },
    failpoints ?? { hit: () => {} },
  );
  const engine = await ConsensusEngine.init(
    { chainId: CHAIN, gossipIntervalMs: 1000 },
    {
      store,
      app,
      transport: {
        broadcast: (b) => sent.push({ msg: decodeConsensusMessage(b) }),
        send: (to, b) => sent.push({ to, msg: decodeConsensusMessage(b) }),
      },
      clock: sched.clockFor(() => true),
      verifier,
      signer: f.signerOf(who),
      ...(failpoints === undefined ? {} : { failpoints }),
      onFatal: (e) => fatal.push(e),
    },
  );
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) {
      await engine.idle();
      await new Promise((r) => setImmediate(r));
    }
  };
  await settle();
  return {
    engine,
    sent,
    store,
    sched,
    stored,
    evidence,
    fatal,
    async deliver(msg, from = "peer") {
      engine.receive(from, encodeConsensusMessage(msg));
      await settle();
    },
    async advance(ms) {
      const until = sched.now + ms;
      while (sched.step(until)) await settle();
    },
  };
}

const votesSent = (h: Harness) => h.sent.flatMap((s) => (s.msg.kind === "vote" ? [s.msg.vote] : []));
const crashAt = (name: FailpointName, nth = 1): ArmedFailpoints =>
  new ArmedFailpoints(name, nth, () => {
    throw new FailpointCrash(name);
  });

describe("ConsensusEngine", () => {
  it("persists the guard entry and the WAL record before it broadcasts its prevote", async () => {
    const h = await start();
    const v = toy("a");
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    const [pv] = votesSent(h);
    expect(pv).toMatchObject({ type: "prevote", height: 1, round: 0, validatorIndex: me, blockHash: v.hash });
    expect(DoubleSignGuard.load(h.store).last).toMatchObject({ height: 1, round: 0, step: "prevote" });
    const wal = ConsensusWal.open(h.store).read(1);
    expect(wal.map((e) => e.type)).toEqual(["proposal", "value-validated", "vote"]);
  });

  it("decides with three more precommits and hands the block and a valid commit to the app", async () => {
    const h = await start();
    const v = toy("a");
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    for (const o of others) await h.deliver({ kind: "vote", vote: f.vote(o, 0, "prevote", v.hash) });
    expect(votesSent(h).map((x) => x.type)).toEqual(["prevote", "precommit"]);
    for (const o of others) await h.deliver({ kind: "vote", vote: f.vote(o, 0, "precommit", v.hash) });
    expect(h.stored).toHaveLength(1);
    expect(h.stored[0]?.value).toEqual(v);
    expect(h.engine.height).toBe(2);
    // The WAL of the decided height is gone.
    expect(ConsensusWal.open(h.store).read(1)).toEqual([]);
  });

  it("replays its WAL after a restart to the same consensus state", async () => {
    const disk = new MemoryDisk();
    const h = await start(disk);
    const v = toy("a");
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    for (const o of others.slice(0, 2))
      await h.deliver({ kind: "vote", vote: f.vote(o, 0, "prevote", v.hash) });
    await h.deliver({ kind: "vote", vote: f.vote(others[2] as number, 0, "precommit", null) });
    const before = h.engine.consensus.snapshot();
    expect(before).toMatchObject({ step: "precommit", lockedRound: 0 });
    await h.engine.close();
    const again = await start(disk);
    expect(again.engine.consensus.snapshot()).toEqual(before);
    expect(again.engine.stats.replayedEvents).toBeGreaterThan(0);
    // It did not sign anything new on replay: its votes were already in the WAL.
    expect(votesSent(again)).toEqual([]);
  });

  it("never signs a conflicting vote after a restart, and re-sends the one it signed instead", async () => {
    const disk = new MemoryDisk();
    const h = await start(disk);
    const a = toy("a");
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, a) });
    expect(votesSent(h)[0]?.blockHash).toEqual(a.hash);
    // The node loses its WAL (not its signer state) and restarts.
    disk.apply({
      del: disk.entries.filter((e) => new TextDecoder().decode(e.key).startsWith("c/wal/")).map((e) => e.key),
    });
    const again = await start(disk);
    // Its round-0 proposal timeout fires: it would now prevote nil, which conflicts with prevote(a).
    await again.advance(3100);
    const resent = votesSent(again).filter((x) => x.round === 0 && x.type === "prevote");
    expect(resent.length).toBeGreaterThan(0);
    for (const x of resent) expect(x.blockHash).toEqual(a.hash);
    expect(again.engine.stats.guardRefusals).toBeGreaterThan(0);
  });

  it("sends nothing when killed after signing but before persisting, and signs again after restart", async () => {
    const disk = new MemoryDisk();
    const h = await start(disk, crashAt("cons.afterVoteSigned.beforePersist"));
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, toy("a")) });
    expect(h.fatal[0]).toBeInstanceOf(FailpointCrash);
    expect(votesSent(h)).toEqual([]);
    expect(DoubleSignGuard.load(MemoryKvStore.open(disk)).last).toBeUndefined();
    const again = await start(disk);
    await again.deliver({ kind: "proposal", proposal: f.proposal(0, toy("a")) });
    expect(votesSent(again)).toMatchObject([{ type: "prevote" }]);
  });

  it("re-sends the identical vote after being killed between persisting and broadcasting it", async () => {
    const disk = new MemoryDisk();
    const h = await start(disk, crashAt("cons.afterVotePersisted.beforeBroadcast"));
    const v = toy("a");
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    expect(votesSent(h)).toEqual([]);
    const signed = DoubleSignGuard.load(MemoryKvStore.open(disk)).last;
    expect(signed).toMatchObject({ step: "prevote" });
    const again = await start(disk);
    await again.advance(1000);
    const [pv] = votesSent(again);
    expect(pv?.blockHash).toEqual(v.hash);
    expect(pv?.signature).toEqual(signed?.signature);
  });

  it("holds a single vote unchecked until it could matter, then drops bad signatures; counts duplicates", async () => {
    const h = await start();
    const [a, b, c] = others as [number, number, number];
    const vote = f.vote(a, 0, "prevote", null);
    const blank = new Uint8Array(96);
    await h.deliver({ kind: "vote", vote: { ...vote, signature: blank } });
    // One prevote of four validators crosses no threshold: held, not checked yet.
    expect(h.engine.stats.votesDeferred).toBe(1);
    expect(h.engine.stats.badSignature).toBe(0);
    expect(h.engine.consensus.hasVote(vote)).toBe(false);
    // Another signature for the held slot: checked at once (one of the two is forged), and counted.
    await h.deliver({ kind: "vote", vote });
    expect(h.engine.consensus.hasVote(vote)).toBe(true);
    await h.deliver({ kind: "vote", vote });
    expect(h.engine.stats.duplicates).toBe(1);
    await h.deliver({ kind: "vote", vote: { ...vote, signature: new Uint8Array(96).fill(1) } });
    expect(h.engine.stats.duplicates).toBe(2);
    // Forged prevotes of the two others: with the counted one they would make > 2/3 of all prevotes,
    // so once the second arrives both are checked, and refused.
    const fb = { ...f.vote(b, 0, "prevote", null), signature: blank };
    await h.deliver({ kind: "vote", vote: fb });
    expect(h.engine.stats.badSignature).toBe(0);
    await h.deliver({ kind: "vote", vote: { ...f.vote(c, 0, "prevote", null), signature: blank } });
    expect(h.engine.stats.badSignature).toBe(2);
    expect(h.engine.consensus.hasVote(fb)).toBe(false);
    expect(h.engine.consensus.snapshot().step).toBe("propose");
  });

  it("checks held votes for one value in one batch once they could make a quorum; a failed batch finds the bad one", async () => {
    const batches: number[] = [];
    const batching: VoteVerifier = {
      ...testVoteVerifier,
      verify: (s, m, pk) => testVoteVerifier.verify(s, m, pk),
      verifyBatch(message, signatures, publicKeys) {
        batches.push(signatures.length);
        return signatures.every((sig, i) =>
          testVoteVerifier.verify(sig, message, publicKeys[i] as Uint8Array),
        );
      },
    };
    const h = await start(undefined, undefined, me, batching);
    const v = toy("a");
    const [a, b, c] = others as [number, number, number];
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    // Own prevote + a's: 2 of 4, no threshold: a's is held.
    await h.deliver({ kind: "vote", vote: f.vote(a, 0, "prevote", v.hash) });
    expect(batches).toEqual([]);
    expect(h.engine.consensus.hasVote(f.vote(a, 0, "prevote", v.hash))).toBe(false);
    // b's would make 3 of 4: both checked in one batch, counted, and the node precommits.
    await h.deliver({ kind: "vote", vote: f.vote(b, 0, "prevote", v.hash) });
    expect(batches).toEqual([2]);
    expect(h.engine.stats.votesBatchVerified).toBe(2);
    for (const o of [a, b]) expect(h.engine.consensus.hasVote(f.vote(o, 0, "prevote", v.hash))).toBe(true);
    expect(h.engine.consensus.snapshot().step).toBe("precommit");
    // c's prevote after the quorum changes nothing: never checked.
    await h.deliver({ kind: "vote", vote: f.vote(c, 0, "prevote", v.hash) });
    expect(batches).toEqual([2]);
    expect(h.engine.stats.votesDeferred).toBe(3);
    // Precommits: a's, then one for c carrying a's signature. The batch fails, single checks refuse the
    // forged one and count a's.
    const good = f.vote(a, 0, "precommit", v.hash);
    await h.deliver({ kind: "vote", vote: good });
    await h.deliver({
      kind: "vote",
      vote: { ...f.vote(c, 0, "precommit", v.hash), signature: good.signature },
    });
    expect(batches).toEqual([2, 2]);
    expect(h.engine.stats.votesBatchVerified).toBe(2);
    expect(h.engine.stats.badSignature).toBe(1);
    expect(h.stored).toHaveLength(0);
    // b's precommit makes the quorum with ours and a's: checked alone, and the height is decided.
    await h.deliver({ kind: "vote", vote: f.vote(b, 0, "precommit", v.hash) });
    expect(batches).toEqual([2, 2]);
    expect(h.stored).toHaveLength(1);
  });

  it("bounds the votes held in one validator's name; votes of rounds too far ahead are ignored", async () => {
    const h = await start();
    const [a, b] = others as [number, number];
    const blank = new Uint8Array(96);
    // Forged votes in a's name, one per round: never due (one validator is not > 1/3 of a round).
    for (let r = 1; r <= 8; r++)
      await h.deliver({
        kind: "vote",
        vote: { ...f.vote(a, 0, "prevote", null), round: r, signature: blank },
      });
    expect(h.engine.stats.votesDeferred).toBe(8);
    expect(h.engine.stats.badSignature).toBe(0);
    // a is at its cap: its genuine vote is checked on arrival and counted.
    const genuine = f.vote(a, 0, "prevote", null);
    await h.deliver({ kind: "vote", vote: genuine });
    expect(h.engine.consensus.hasVote(genuine)).toBe(true);
    expect(h.engine.stats.votesDeferred).toBe(8);
    // Another validator's vote is still held.
    await h.deliver({ kind: "vote", vote: f.vote(b, 0, "precommit", null) });
    expect(h.engine.stats.votesDeferred).toBe(9);
    // A round beyond what the state machine considers: neither held nor checked.
    await h.deliver({
      kind: "vote",
      vote: { ...f.vote(b, 0, "prevote", null), round: 5000, signature: blank },
    });
    expect(h.engine.stats.votesDeferred).toBe(9);
    expect(h.engine.stats.badSignature).toBe(0);
  });

  it("checks a held vote at once when it conflicts with its validator's counted vote (evidence)", async () => {
    const h = await start();
    const [a, b] = others as [number, number];
    const first = f.vote(a, 0, "prevote", null);
    const other = f.vote(a, 0, "prevote", toy("x").hash);
    await h.deliver({ kind: "vote", vote: first });
    await h.deliver({ kind: "vote", vote: f.vote(b, 0, "prevote", null) });
    // Two of four prevotes held: nothing counted yet.
    expect(h.engine.consensus.hasVote(first)).toBe(false);
    // a's second value: a's two votes are due together, checked and counted: equivocation.
    await h.deliver({ kind: "vote", vote: other });
    expect(h.engine.consensus.hasVote(first)).toBe(true);
    expect(h.engine.consensus.hasVote(other)).toBe(true);
    expect(h.evidence).toHaveLength(1);
  });

  it("ignores malformed bytes and messages of another chain", async () => {
    const h = await start();
    h.engine.receive("peer", Uint8Array.of(2, 0, 0));
    await h.deliver({
      kind: "vote",
      vote: { ...f.vote(others[0] as number, 0, "prevote", null), chainId: "tandem:other" },
    });
    expect(h.engine.stats.malformed).toBe(1);
    expect(h.engine.consensus.snapshot().step).toBe("propose");
  });

  it("decides from a peer's verified decision, ignores a forged one, and then serves it to a peer behind", async () => {
    const h = await start();
    const v = toy("a");
    const precommits = others.map((o) => f.vote(o, 0, "precommit", v.hash));
    const commit = buildCommit(precommits, f.set, testVoteVerifier);
    await h.deliver({
      kind: "decision",
      decision: { height: 1, value: v, commit: { ...commit, signature: new Uint8Array(96) } },
    });
    expect(h.stored).toEqual([]);
    await h.deliver({ kind: "decision", decision: { height: 1, value: toy("b"), commit } });
    expect(h.stored).toEqual([]);
    await h.deliver({ kind: "decision", decision: { height: 1, value: v, commit } });
    expect(h.stored.map((d) => d.height)).toEqual([1]);
    h.sent.length = 0;
    await h.deliver({ kind: "status", height: 1, round: 0 }, "laggard");
    expect(h.sent).toEqual([
      { to: "laggard", msg: { kind: "decision", decision: { height: 1, value: v, commit } } },
    ]);
  });

  it("buffers a message of the next height and processes it once it gets there", async () => {
    const h = await start();
    const v = toy("a");
    const next = makeToyValue(2, 0, 0, 0, utf8ToBytes("h2"));
    const proposer2 = f.set.next(f.set.membership()).proposerIndexForRound(0);
    const p2 = f.proposal(0, next, -1, 2, proposer2);
    await h.deliver({ kind: "proposal", proposal: p2 }, "ahead");
    expect(h.sent.some((s) => s.to === "ahead" && s.msg.kind === "status")).toBe(true);
    const commit = buildCommit(
      others.map((o) => f.vote(o, 0, "precommit", v.hash)),
      f.set,
      testVoteVerifier,
    );
    await h.deliver({ kind: "decision", decision: { height: 1, value: v, commit } });
    expect(h.engine.height).toBe(2);
    expect(h.engine.consensus.hasProposal(p2)).toBe(true);
  });

  it("counts an equivocator's votes that arrive as a certified proof-of-lock bundle", async () => {
    const h = await start();
    const v = toy("a");
    const byz = others[0] as number;
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, v) });
    await h.deliver({ kind: "vote", vote: f.vote(byz, 0, "prevote", toy("junk1").hash) });
    await h.deliver({ kind: "vote", vote: f.vote(byz, 0, "prevote", toy("junk2").hash) });
    const pol = [byz, others[1] as number, me].map((x) =>
      x === me ? votesSent(h)[0] : f.vote(x, 0, "prevote", v.hash),
    );
    await h.deliver({ kind: "votes", votes: pol as never });
    expect(votesSent(h).map((x) => x.type)).toEqual(["prevote", "precommit"]);
  });

  it("rebroadcasts its own votes and its status on every gossip tick", async () => {
    const h = await start();
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, toy("a")) });
    h.sent.length = 0;
    await h.advance(1000);
    expect(h.sent.map((s) => s.msg.kind)).toEqual(["status", "vote"]);
  });

  it("refuses to start on a corrupt WAL record (WAL_CORRUPT)", async () => {
    const disk = new MemoryDisk();
    const h = await start(disk);
    await h.deliver({ kind: "proposal", proposal: f.proposal(0, toy("a")) });
    await h.engine.close();
    const rec = disk.entries.find((e) => new TextDecoder().decode(e.key).startsWith("c/wal/"));
    if (rec === undefined) throw new Error("no WAL record");
    const bad = Uint8Array.from(rec.value);
    bad[6] = (bad[6] as number) ^ 0xff;
    disk.apply({ put: [[rec.key, bad]] });
    await expect(start(disk)).rejects.toMatchObject({ code: "WAL_CORRUPT" });
  });
});
