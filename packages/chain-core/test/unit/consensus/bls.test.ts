/** The BLS12-381 implementation of the signing ports (@tandem/crypto), and commits built with it. */
import { bls, concatBytes, initBls, sha256, utf8ToBytes } from "@tandem/crypto";
import { verifyCommit as ledgerVerifyCommit } from "@tandem/ledger";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BlsVoteSigner,
  BlsVoteVerifier,
  BlsWorkerVoteVerifier,
  buildCommit,
  ValidatorSet,
  type Vote,
  verifyEvidence,
  voteSignBytes,
} from "../../../src/consensus/index.js";
import { verifyCommit } from "../../../src/light-client/index.js";
import { CHAIN, value } from "./fixture.js";

let signers: BlsVoteSigner[];
let verifier: BlsVoteVerifier;
let set: ValidatorSet;

beforeAll(async () => {
  await initBls();
  verifier = await BlsVoteVerifier.create();
  signers = [];
  for (let i = 0; i < 4; i++) {
    const { secretKey } = bls.keygen(
      sha256(concatBytes(utf8ToBytes("chain-core/bls-test/"), Uint8Array.of(i))),
    );
    signers.push(await BlsVoteSigner.create(secretKey));
  }
  set = ValidatorSet.create(signers.map((s) => ({ publicKey: s.publicKey, power: 10n })));
});

function vote(i: number, round: number, type: "prevote" | "precommit", hash: Uint8Array | null): Vote {
  const validatorIndex = set.indexOf((signers[i] as BlsVoteSigner).publicKey);
  const unsigned = { chainId: CHAIN, height: 3, round, type, blockHash: hash, validatorIndex };
  return { ...unsigned, signature: (signers[i] as BlsVoteSigner).sign(voteSignBytes(unsigned)) };
}

describe("BlsVoteSigner / BlsVoteVerifier", () => {
  it("signs 96-byte signatures with 48-byte keys that verify, and nothing else does", () => {
    const s = signers[0] as BlsVoteSigner;
    const msg = utf8ToBytes("m");
    const sig = s.sign(msg);
    expect(s.publicKey).toHaveLength(48);
    expect(sig).toHaveLength(96);
    expect(verifier.verify(sig, msg, s.publicKey)).toBe(true);
    expect(verifier.verify(sig, utf8ToBytes("n"), s.publicKey)).toBe(false);
    expect(verifier.verify(sig, msg, (signers[1] as BlsVoteSigner).publicKey)).toBe(false);
  });

  it("returns false, never throws, for wrong lengths, non-bytes and invalid keys", () => {
    const s = signers[0] as BlsVoteSigner;
    const msg = utf8ToBytes("m");
    const sig = s.sign(msg);
    for (const [a, b, c] of [
      [sig.subarray(1), msg, s.publicKey],
      [new Uint8Array(96), msg, s.publicKey],
      [sig, msg, s.publicKey.subarray(1)],
      [sig, msg, new Uint8Array(48)],
      ["sig", msg, s.publicKey],
      [sig, "msg", s.publicKey],
      [sig, msg, null],
    ]) {
      expect(verifier.verify(a as Uint8Array, b as Uint8Array, c as Uint8Array)).toBe(false);
    }
    expect(verifier.verifyAggregate(sig, msg, [])).toBe(false);
    expect(verifier.verifyAggregate(sig, msg, [new Uint8Array(48)])).toBe(false);
    expect(verifier.verifyAggregate(sig, msg, "pks" as never)).toBe(false);
  });

  it("aggregates signatures of one message and verifies the aggregate over exactly the signers' keys", () => {
    const msg = utf8ToBytes("same message");
    const agg = verifier.aggregate(signers.slice(0, 3).map((s) => s.sign(msg)));
    const keys = signers.map((s) => s.publicKey);
    expect(verifier.verifyAggregate(agg, msg, keys.slice(0, 3))).toBe(true);
    expect(verifier.verifyAggregate(agg, msg, keys.slice(0, 2))).toBe(false);
    expect(verifier.verifyAggregate(agg, msg, keys.slice(1, 4))).toBe(false);
    expect(() => verifier.aggregate([])).toThrow(RangeError);
  });
});

describe("batched vote checks (BlsVoteVerifier and BlsWorkerVoteVerifier)", () => {
  it("verify a batch exactly when every vote verifies alone, on this thread and with the worker pool", async () => {
    const pool = await BlsWorkerVoteVerifier.create({ threads: 1 });
    try {
      const h = value("batch").hash;
      const votes = [0, 1, 2, 3].map((i) => vote(i, 0, "prevote", h));
      const msg = voteSignBytes(votes[0] as Vote);
      const pks = votes.map((v) => set.at(v.validatorIndex)?.publicKey as Uint8Array);
      const sigs = votes.map((v) => v.signature);
      for (const ver of [verifier, pool]) {
        expect(ver.verifyBatch(msg, sigs, pks)).toBe(true);
        // One vote signed for another value; one key that is not a key; lists of different lengths.
        const other = [...sigs];
        other[1] = vote(1, 0, "prevote", value("other").hash).signature;
        expect(ver.verifyBatch(msg, other, pks)).toBe(false);
        expect(ver.verifyBatch(msg, sigs, [new Uint8Array(48), ...pks.slice(1)])).toBe(false);
        expect(ver.verifyBatch(msg, sigs, pks.slice(1))).toBe(false);
        expect(ver.verifyBatch(msg, [], [])).toBe(false);
      }
      // The pool's single checks (off-thread) agree with the local ones.
      expect(await pool.verifyAsync(sigs[0] as Uint8Array, msg, pks[0] as Uint8Array)).toBe(true);
      expect(await pool.verifyAsync(sigs[1] as Uint8Array, msg, pks[0] as Uint8Array)).toBe(false);
    } finally {
      await pool.close();
    }
  });
});

describe("commits from real BLS precommits", () => {
  it("verify with the light client and with the ledger's verifyCommit", () => {
    const v = value("block");
    const commit = buildCommit(
      [0, 1, 2].map((i) => vote(i, 1, "precommit", v.hash)),
      set,
      verifier,
    );
    expect(commit.signature).toHaveLength(96);
    const lc = verifyCommit({ chainId: CHAIN, height: 3, blockHash: v.hash }, commit, set, {
      chainId: CHAIN,
      verifier,
    });
    expect(lc).toMatchObject({ ok: true, signedPower: 30n, totalPower: 40n });
    expect(
      ledgerVerifyCommit(commit, set.toLedger(), { chainId: CHAIN, height: 3, blockHash: v.hash, bls }),
    ).toBe(true);
  });

  it("refuses to build a commit from too few, mixed or nil precommits", () => {
    const v = value("block");
    expect(() =>
      buildCommit(
        [0, 1].map((i) => vote(i, 1, "precommit", v.hash)),
        set,
        verifier,
      ),
    ).toThrow(expect.objectContaining({ code: "CONSENSUS_INVALID_MESSAGE" }));
    expect(() => buildCommit([vote(0, 1, "precommit", null)], set, verifier)).toThrow();
    expect(() =>
      buildCommit(
        [
          vote(0, 1, "precommit", v.hash),
          vote(1, 1, "precommit", value("other").hash),
          vote(2, 1, "precommit", v.hash),
        ],
        set,
        verifier,
      ),
    ).toThrow();
    expect(() =>
      buildCommit(
        [vote(0, 1, "precommit", v.hash), vote(1, 2, "precommit", v.hash), vote(2, 1, "precommit", v.hash)],
        set,
        verifier,
      ),
    ).toThrow();
    expect(() => buildCommit([], set, verifier)).toThrow();
  });
});

describe("verifyEvidence with real BLS", () => {
  it("accepts two validly signed conflicting votes of one validator", () => {
    const a = vote(2, 0, "prevote", value("a").hash);
    const b = vote(2, 0, "prevote", null);
    expect(verifyEvidence({ kind: "duplicate-vote", voteA: a, voteB: b }, CHAIN, set, verifier)).toBe(true);
  });

  it("rejects the same vote twice, votes of two validators, other steps, other chains and forged signatures", () => {
    const a = vote(2, 0, "prevote", value("a").hash);
    const check = (voteA: Vote, voteB: Vote): boolean =>
      verifyEvidence({ kind: "duplicate-vote", voteA, voteB }, CHAIN, set, verifier);
    expect(check(a, a)).toBe(false);
    expect(check(a, vote(1, 0, "prevote", null))).toBe(false);
    expect(check(a, vote(2, 0, "precommit", null))).toBe(false);
    expect(check(a, vote(2, 1, "prevote", null))).toBe(false);
    expect(check(a, { ...vote(2, 0, "prevote", null), signature: a.signature })).toBe(false);
    expect(
      verifyEvidence(
        { kind: "duplicate-vote", voteA: a, voteB: vote(2, 0, "prevote", null) },
        "tandem:other",
        set,
        verifier,
      ),
    ).toBe(false);
    expect(verifyEvidence({ kind: "nonsense" } as never, CHAIN, set, verifier)).toBe(false);
  });
});
