import { bytesToHex, hexToBytes, sha256, sm3 } from "@tandem/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { proposalSignBytes, voteSignBytes } from "../../../src/consensus/index.js";

// Known answers: SHA-256 over pre-images assembled by hand from the layout documented in
// src/consensus/sign-bytes.ts (the ledger's vote layout: raw tag, LEB128-length chain id, …).
const VOTE_TAG = "74616e64656d2f766f74652f7631"; // "tandem/vote/v1"
const PROPOSAL_TAG = "74616e64656d2f70726f706f73616c2f7631"; // "tandem/proposal/v1"
const ACME = "0b" + "74616e64656d3a61636d65"; // len 11, "tandem:acme"
const H = (hex: string): string => bytesToHex(sha256(hexToBytes(hex)));

describe("vote sign bytes", () => {
  it("matches the documented layout for a precommit (known answer)", () => {
    const bytes = voteSignBytes({
      chainId: "tandem:acme",
      height: 5,
      round: 2,
      type: "precommit",
      blockHash: new Uint8Array(32).fill(0xab),
    });
    expect(bytesToHex(bytes)).toBe(
      H([VOTE_TAG, ACME, "0000000000000005", "00000002", "02", "ab".repeat(32)].join("")),
    );
  });

  it("matches the documented layout for a nil prevote (known answer)", () => {
    const bytes = voteSignBytes({
      chainId: "tandem:acme",
      height: 1,
      round: 0,
      type: "prevote",
      blockHash: null,
    });
    expect(bytesToHex(bytes)).toBe(
      H([VOTE_TAG, ACME, "0000000000000001", "00000000", "01", "00".repeat(32)].join("")),
    );
  });

  it("hashes with the chain's hash suite (SM3 gives other bytes)", () => {
    const v = { chainId: "tandem:acme", height: 1, round: 0, type: "prevote" as const, blockHash: null };
    expect(bytesToHex(voteSignBytes(v, sm3))).toBe(
      bytesToHex(
        sm3(hexToBytes([VOTE_TAG, ACME, "0000000000000001", "00000000", "01", "00".repeat(32)].join(""))),
      ),
    );
    expect(voteSignBytes(v, sm3)).not.toEqual(voteSignBytes(v));
  });

  it("differs whenever chain, height, round, type or hash differ, and never depends on the validator", () => {
    const hashArb = fc.option(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((h) => h.some((b) => b !== 0)),
      { nil: null },
    );
    const voteArb = fc.record({
      chainId: fc.constantFrom("tandem:acme", "tandem:home-7f3a", "tandem:other"),
      height: fc.integer({ min: 1, max: 2 ** 40 }),
      round: fc.integer({ min: 0, max: 1000 }),
      type: fc.constantFrom("prevote" as const, "precommit" as const),
      blockHash: hashArb,
    });
    fc.assert(
      fc.property(voteArb, voteArb, (a, b) => {
        const same =
          a.chainId === b.chainId &&
          a.height === b.height &&
          a.round === b.round &&
          a.type === b.type &&
          (a.blockHash === null || b.blockHash === null
            ? a.blockHash === b.blockHash
            : bytesToHex(a.blockHash) === bytesToHex(b.blockHash));
        expect(bytesToHex(voteSignBytes(a)) === bytesToHex(voteSignBytes(b))).toBe(same);
      }),
    );
    const v = {
      chainId: "tandem:acme",
      height: 3,
      round: 1,
      type: "precommit" as const,
      blockHash: new Uint8Array(32).fill(9),
    };
    expect(voteSignBytes({ ...v, validatorIndex: 0 } as never)).toEqual(
      voteSignBytes({ ...v, validatorIndex: 3 } as never),
    );
  });

  it("rejects every malformed field with CONSENSUS_INVALID_MESSAGE", () => {
    const ok = { chainId: "tandem:acme", height: 1, round: 0, type: "prevote" as const, blockHash: null };
    const bad = { code: "CONSENSUS_INVALID_MESSAGE" };
    for (const patch of [
      { chainId: "" },
      { chainId: "tandem" },
      { chainId: "TANDEM:acme" },
      { chainId: `tandem:${"x".repeat(33)}` },
      { chainId: 7 },
      { height: 0 },
      { height: -1 },
      { height: 1.5 },
      { height: 2 ** 53 },
      { height: "1" },
      { round: -1 },
      { round: 0.5 },
      { round: 2 ** 32 },
      { type: "commit" },
      { blockHash: new Uint8Array(0) },
      { blockHash: new Uint8Array(31).fill(1) },
      { blockHash: new Uint8Array(33).fill(1) },
      { blockHash: new Uint8Array(32) },
      { blockHash: "ab" },
    ]) {
      expect(() => voteSignBytes({ ...ok, ...patch } as never), JSON.stringify(patch)).toThrow(
        expect.objectContaining(bad),
      );
    }
  });
});

describe("proposal sign bytes", () => {
  it("matches the documented layout (known answer)", () => {
    const bytes = proposalSignBytes({
      chainId: "tandem:acme",
      height: 7,
      round: 3,
      validRound: 1,
      valueHash: new Uint8Array(32).fill(0xcd),
    });
    expect(bytesToHex(bytes)).toBe(
      H([PROPOSAL_TAG, ACME, "0000000000000007", "00000003", "00000002", "cd".repeat(32)].join("")),
    );
  });

  it("encodes validRound −1 as 0 and never collides with a vote", () => {
    const hash = new Uint8Array(32).fill(1);
    const p = proposalSignBytes({
      chainId: "tandem:acme",
      height: 7,
      round: 0,
      validRound: -1,
      valueHash: hash,
    });
    expect(bytesToHex(p)).toBe(
      H([PROPOSAL_TAG, ACME, "0000000000000007", "00000000", "00000000", "01".repeat(32)].join("")),
    );
    const v = voteSignBytes({
      chainId: "tandem:acme",
      height: 7,
      round: 0,
      type: "prevote",
      blockHash: hash,
    });
    expect(bytesToHex(p)).not.toBe(bytesToHex(v));
  });

  it("rejects a validRound that is not −1 or below the round, and a missing hash", () => {
    const ok = {
      chainId: "tandem:acme",
      height: 2,
      round: 2,
      validRound: -1,
      valueHash: new Uint8Array(32).fill(1),
    };
    for (const patch of [
      { validRound: 2 },
      { validRound: 3 },
      { validRound: -2 },
      { validRound: 0.5 },
      { valueHash: null },
      { valueHash: new Uint8Array(32) },
    ]) {
      expect(() => proposalSignBytes({ ...ok, ...patch } as never)).toThrow(
        expect.objectContaining({ code: "CONSENSUS_INVALID_MESSAGE" }),
      );
    }
  });
});
