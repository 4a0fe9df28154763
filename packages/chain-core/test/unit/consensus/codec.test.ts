import { decodeCommit, encodeCommit } from "@tandem/ledger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConsensusMessage,
  decodeConsensusMessage,
  decodeDecision,
  decodeWalEvent,
  encodeConsensusMessage,
  encodeDecision,
  encodeWalEvent,
  type WalEvent,
} from "../../../src/consensus/index.js";
import { CHAIN, fixture, value } from "./fixture.js";

const f = fixture();
const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((h) => h.some((b) => b !== 0));
const voteArb = fc
  .record({
    v: fc.integer({ min: 0, max: 3 }),
    round: fc.integer({ min: 0, max: 2 ** 31 }),
    height: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    type: fc.constantFrom("prevote" as const, "precommit" as const),
    hash: fc.option(hashArb, { nil: null }),
  })
  .map(({ v, round, height, type, hash }) => f.vote(v, round, type, hash, height));
const proposalArb = fc
  .record({
    round: fc.integer({ min: 1, max: 50 }),
    vr: fc.integer({ min: -1, max: 0 }),
    tag: fc.string(),
    height: fc.integer({ min: 1, max: 2 ** 40 }),
  })
  .map(({ round, vr, tag, height }) => f.proposal(round, value(tag), vr, height));
const commitArb = fc.record({
  height: fc.integer({ min: 1, max: 2 ** 40 }),
  round: fc.integer({ min: 0, max: 1000 }),
  blockHash: hashArb,
  signers: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  signature: fc.uint8Array({ minLength: 96, maxLength: 96 }),
});

describe("consensus message codec", () => {
  it("round-trips every message kind (property)", () => {
    const msgArb: fc.Arbitrary<ConsensusMessage> = fc.oneof(
      proposalArb.map((proposal) => ({ kind: "proposal" as const, proposal })),
      voteArb.map((vote) => ({ kind: "vote" as const, vote })),
      fc
        .record({ height: fc.integer({ min: 0, max: 2 ** 40 }), round: fc.integer({ min: 0, max: 2 ** 31 }) })
        .map((s) => ({ kind: "status" as const, ...s })),
      fc.tuple(commitArb, fc.string()).map(([c, t]) => ({
        kind: "decision" as const,
        decision: { height: c.height, value: value(t), commit: c },
      })),
      fc.array(voteArb, { maxLength: 5 }).map((votes) => ({ kind: "votes" as const, votes })),
    );
    fc.assert(
      fc.property(msgArb, (m) => {
        expect(decodeConsensusMessage(encodeConsensusMessage(m))).toEqual(m);
      }),
    );
  });

  it("rejects truncated input, trailing bytes and unknown tags with CODEC_MALFORMED", () => {
    const bytes = encodeConsensusMessage({ kind: "vote", vote: f.vote(1, 0, "prevote", value("a").hash) });
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeConsensusMessage(bytes.subarray(0, n))).toThrow(
        expect.objectContaining({ code: "CODEC_MALFORMED" }),
      );
    }
    expect(() => decodeConsensusMessage(Uint8Array.from([...bytes, 0]))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    for (const tag of [0, 6, 255]) {
      expect(() => decodeConsensusMessage(Uint8Array.from([tag, ...bytes.subarray(1)]))).toThrow(
        expect.objectContaining({ code: "CODEC_MALFORMED" }),
      );
    }
  });

  it("rejects a vote with an unknown type or a non-boolean hash flag", () => {
    const bytes = encodeConsensusMessage({ kind: "vote", vote: f.vote(1, 0, "prevote", null) });
    const typeAt = 1 + 4 + CHAIN.length + 8 + 4;
    expect(bytes[typeAt]).toBe(1);
    const badType = Uint8Array.from(bytes);
    badType[typeAt] = 3;
    expect(() => decodeConsensusMessage(badType)).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    const badFlag = Uint8Array.from(bytes);
    badFlag[typeAt + 1] = 2;
    expect(() => decodeConsensusMessage(badFlag)).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
  });

  it("rejects a proposal whose validRound is not below its round", () => {
    const p = { ...f.proposal(1, value("a"), 0), validRound: 0 };
    const bytes = encodeConsensusMessage({ kind: "proposal", proposal: p });
    const vrAt = 1 + 4 + CHAIN.length + 8 + 4;
    const bad = Uint8Array.from(bytes);
    bad[vrAt + 3] = 5;
    expect(() => decodeConsensusMessage(bad)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });

  it("rejects a vote bundle whose count cannot fit the input", () => {
    const bytes = Uint8Array.from([5, 0, 0, 0x27, 0x10]);
    expect(() => decodeConsensusMessage(bytes)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });

  it("embeds the ledger's canonical commit, and rejects one the ledger rejects", () => {
    const c = {
      height: 2,
      round: 0,
      blockHash: new Uint8Array(32).fill(1),
      signers: new Uint8Array(1),
      signature: new Uint8Array(96),
    };
    const d = encodeDecision({ height: 2, value: value("x"), commit: c });
    const ledgerBytes = encodeCommit(c);
    expect(Buffer.from(d).includes(Buffer.from(ledgerBytes))).toBe(true);
    const bad = Uint8Array.from(d);
    bad[bad.length - 96 - 1 - 1] = 9; // the bitmap length byte
    expect(() => decodeDecision(bad)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });

  it("round-trips commits and decisions, and rejects a decision whose commit is for another height", () => {
    fc.assert(
      fc.property(commitArb, (c) => {
        expect(decodeCommit(encodeCommit(c))).toEqual(c);
        const d = { height: c.height, value: value("x"), commit: c };
        expect(decodeDecision(encodeDecision(d))).toEqual(d);
      }),
    );
    const c = {
      height: 2,
      round: 0,
      blockHash: new Uint8Array(32).fill(1),
      signers: new Uint8Array(1),
      signature: new Uint8Array(96),
    };
    const bad = encodeDecision({ height: 3, value: value("x"), commit: c });
    expect(() => decodeDecision(bad)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });
});

describe("WAL event codec", () => {
  it("round-trips every WAL event kind (property)", () => {
    const evArb: fc.Arbitrary<WalEvent> = fc.oneof(
      proposalArb.map((proposal) => ({ type: "proposal" as const, proposal })),
      voteArb.map((vote) => ({ type: "vote" as const, vote })),
      voteArb.map((vote) => ({ type: "vote" as const, vote, certified: true })),
      fc
        .record({
          height: fc.integer({ min: 1, max: 2 ** 40 }),
          round: fc.integer({ min: 0, max: 2 ** 31 }),
          step: fc.constantFrom("propose" as const, "prevote" as const, "precommit" as const),
        })
        .map((t) => ({ type: "timeout" as const, ...t })),
      fc
        .record({ height: fc.integer({ min: 1, max: 2 ** 40 }), hash: hashArb, valid: fc.boolean() })
        .map((v) => ({ type: "value-validated" as const, ...v })),
      commitArb.map((commit) => ({
        type: "commit-certificate" as const,
        height: commit.height,
        value: value("c"),
        commit,
      })),
    );
    fc.assert(
      fc.property(evArb, (e) => {
        expect(decodeWalEvent(encodeWalEvent(e))).toEqual(e);
      }),
    );
  });

  it("rejects an unknown event tag or step", () => {
    expect(() => decodeWalEvent(Uint8Array.from([9]))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    const t = encodeWalEvent({ type: "timeout", height: 1, round: 0, step: "propose" });
    const bad = Uint8Array.from(t);
    bad[bad.length - 1] = 4;
    expect(() => decodeWalEvent(bad)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });
});
