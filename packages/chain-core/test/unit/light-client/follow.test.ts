import { bls, concatBytes, initBls, sha256, utf8ToBytes } from "@tandem/crypto";
import { headerHash } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { BlsVoteSigner, BlsVoteVerifier } from "../../../src/consensus/index.js";
import {
  detectMisbehaviour,
  followHeaders,
  freeze,
  type TrustedState,
  trustHeader,
  verifyAdjacent,
} from "../../../src/light-client/index.js";
import { TestVoteSigner, testVoteVerifier } from "../../../src/testing/index.js";
import { buildChain, type LcBlock } from "./chain.js";

const pool = [...Array(6).keys()].map((i) => new TestVoteSigner(`follow-${i}`));
/** Heights 1–2: validators 0–3; 3–4: 0–4 (one added); 5+: 1–4 (0 removed, 4 heavier). */
const setAt = (h: number) =>
  h <= 2
    ? pool.slice(0, 4).map((signer) => ({ signer, power: 10n }))
    : h <= 4
      ? pool.slice(0, 5).map((signer) => ({ signer, power: 10n }))
      : pool.slice(1, 5).map((signer, i) => ({ signer, power: i === 3 ? 20n : 10n }));

const chain = buildChain(6, setAt, testVoteVerifier);
const genesis = (): TrustedState =>
  trustHeader((chain[0] as LcBlock).header, (chain[0] as LcBlock).nextValidators);
const rest = chain.slice(1);

describe("light client: hop-by-hop header following", () => {
  it("follows validator-set additions and removals from height 1 to 6", () => {
    const r = followHeaders(genesis(), rest, testVoteVerifier);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.state.height).toBe(6);
    expect(r.state.headerHash).toEqual(headerHash((chain[5] as LcBlock).header));
  });

  it("LIGHT_VALIDATORS_MISMATCH when a header is signed by a set the trusted header did not announce", () => {
    const forged = buildChain(
      2,
      (h) => (h === 2 ? pool.slice(2, 6).map((signer) => ({ signer, power: 10n })) : setAt(h)),
      testVoteVerifier,
    );
    expect(verifyAdjacent(genesis(), forged[1] as LcBlock, testVoteVerifier)).toMatchObject({
      ok: false,
      code: "LIGHT_VALIDATORS_MISMATCH",
    });
  });

  it("LIGHT_NEXT_VALIDATORS_MISMATCH when the block's next set is not the one its header commits to", () => {
    const b = rest[0] as LcBlock;
    expect(verifyAdjacent(genesis(), { ...b, nextValidators: b.validators }, testVoteVerifier)).toMatchObject(
      {
        ok: false,
        code: "LIGHT_NEXT_VALIDATORS_MISMATCH",
      },
    );
  });

  it("LIGHT_NOT_ADJACENT for a skipped height, LIGHT_TIME_NOT_INCREASING for time going back", () => {
    expect(verifyAdjacent(genesis(), rest[1] as LcBlock, testVoteVerifier)).toMatchObject({
      code: "LIGHT_NOT_ADJACENT",
    });
    const late = { ...genesis(), time: (rest[0] as LcBlock).header.time };
    expect(verifyAdjacent(late, rest[0] as LcBlock, testVoteVerifier)).toMatchObject({
      code: "LIGHT_TIME_NOT_INCREASING",
    });
  });

  it("COMMIT_WRONG_CHAIN for a header of another chain", () => {
    const other = buildChain(2, setAt, testVoteVerifier, { chainId: "tandem:other" });
    expect(verifyAdjacent(genesis(), other[1] as LcBlock, testVoteVerifier)).toMatchObject({
      code: "COMMIT_WRONG_CHAIN",
    });
  });

  it("passes the commit check's code through (a header signed by too few)", () => {
    const weak = buildChain(2, setAt, testVoteVerifier, {
      signersAt: (h) => (h === 2 ? [0, 1] : [0, 1, 2, 3]),
    });
    expect(verifyAdjacent(genesis(), weak[1] as LcBlock, testVoteVerifier)).toMatchObject({
      code: "COMMIT_INSUFFICIENT_POWER",
    });
  });

  it("stops at the first bad block and reports its index and the last good state", () => {
    const bad = [
      ...rest.slice(0, 2),
      { ...(rest[2] as LcBlock), commit: { ...(rest[2] as LcBlock).commit, signature: new Uint8Array(96) } },
    ];
    const r = followHeaders(genesis(), bad, testVoteVerifier);
    expect(r).toMatchObject({ ok: false, index: 2, code: "COMMIT_BAD_SIGNATURE" });
    expect(r.state.height).toBe(3);
  });
});

describe("light client: misbehaviour", () => {
  const forkA = buildChain(3, setAt, testVoteVerifier);
  const forkB = buildChain(3, setAt, testVoteVerifier, {
    stateRoot: (h) => (h === 3 ? sha256(utf8ToBytes("fork")) : new Uint8Array(32)),
  });
  const a = forkA[2] as LcBlock;
  const b = forkB[2] as LcBlock;

  it("detects two valid commits for one height with different blocks, naming who signed both", () => {
    const m = detectMisbehaviour(
      "tandem:acme",
      a.validators,
      { blockHash: headerHash(a.header), commit: a.commit },
      { blockHash: headerHash(b.header), commit: b.commit },
      testVoteVerifier,
    );
    expect(m).toMatchObject({ kind: "conflicting-commits", height: 3, doubleSigners: [0, 1, 2, 3, 4] });
  });

  it("finds nothing for the same block, different heights, or an invalid second commit", () => {
    const ha = { blockHash: headerHash(a.header), commit: a.commit };
    expect(detectMisbehaviour("tandem:acme", a.validators, ha, ha, testVoteVerifier)).toBeUndefined();
    const two = forkA[1] as LcBlock;
    expect(
      detectMisbehaviour(
        "tandem:acme",
        a.validators,
        ha,
        { blockHash: headerHash(two.header), commit: two.commit },
        testVoteVerifier,
      ),
    ).toBeUndefined();
    const forged = {
      blockHash: headerHash(b.header),
      commit: { ...b.commit, signature: new Uint8Array(96) },
    };
    expect(detectMisbehaviour("tandem:acme", a.validators, ha, forged, testVoteVerifier)).toBeUndefined();
  });

  it("freezes the client: nothing verifies after misbehaviour", () => {
    const frozen = freeze(genesis());
    expect(verifyAdjacent(frozen, rest[0] as LcBlock, testVoteVerifier)).toMatchObject({
      ok: false,
      code: "LIGHT_FROZEN",
    });
  });
});

describe("light client with real BLS12-381", () => {
  it("follows three headers across a validator-set change", async () => {
    await initBls();
    const verifier = await BlsVoteVerifier.create();
    const keys: BlsVoteSigner[] = [];
    for (let i = 0; i < 5; i++) {
      keys.push(
        await BlsVoteSigner.create(
          bls.keygen(sha256(concatBytes(utf8ToBytes("follow-bls/"), Uint8Array.of(i)))).secretKey,
        ),
      );
    }
    const blsChain = buildChain(
      4,
      (h) => (h <= 2 ? keys.slice(0, 4) : keys.slice(1, 5)).map((signer) => ({ signer, power: 10n })),
      verifier,
    );
    const start = trustHeader((blsChain[0] as LcBlock).header, (blsChain[0] as LcBlock).nextValidators);
    const r = followHeaders(start, blsChain.slice(1), verifier);
    expect(r).toMatchObject({ ok: true, state: { height: 4 } });
  });
});
