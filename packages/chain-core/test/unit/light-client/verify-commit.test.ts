import { bls, concatBytes, initBls, sha256, utf8ToBytes } from "@tandem/crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  BlsVoteSigner,
  BlsVoteVerifier,
  buildCommit,
  type Commit,
  signerBitmap,
  ValidatorSet,
  voteSignBytes,
} from "../../../src/consensus/index.js";
import { assertCommit, CommitErrorCode, verifyCommit } from "../../../src/light-client/index.js";
import { TestVoteSigner, testVoteVerifier } from "../../../src/testing/index.js";

const CHAIN = "tandem:acme";
const HASH = sha256(utf8ToBytes("block 7"));
const header = { chainId: CHAIN, height: 7, blockHash: HASH };

let signers: BlsVoteSigner[];
let verifier: BlsVoteVerifier;
let set: ValidatorSet;

beforeAll(async () => {
  await initBls();
  verifier = await BlsVoteVerifier.create();
  signers = [];
  for (let i = 0; i < 4; i++) {
    const { secretKey } = bls.keygen(
      sha256(concatBytes(utf8ToBytes("light-client-test/"), Uint8Array.of(i))),
    );
    signers.push(await BlsVoteSigner.create(secretKey));
  }
  set = ValidatorSet.create(signers.map((s) => ({ publicKey: s.publicKey, power: 10n })));
});

function commitBy(idx: number[], opts: { chainId?: string; round?: number; hash?: Uint8Array } = {}): Commit {
  const precommits = idx.map((i) => {
    const pk = set.at(i)?.publicKey as Uint8Array;
    const s = signers.find((x) => Buffer.from(x.publicKey).equals(pk)) as BlsVoteSigner;
    const unsigned = {
      chainId: opts.chainId ?? CHAIN,
      height: 7,
      round: opts.round ?? 0,
      type: "precommit" as const,
      blockHash: opts.hash ?? HASH,
      validatorIndex: i,
    };
    return { ...unsigned, signature: s.sign(voteSignBytes(unsigned)) };
  });
  return { ...buildCommitLoose(precommits) };
}

/** Like buildCommit, without its quorum check (to make under-signed commits). */
function buildCommitLoose(
  precommits: { validatorIndex: number; signature: Uint8Array; round: number; blockHash: Uint8Array }[],
): Commit {
  const first = precommits[0] as (typeof precommits)[number];
  return {
    height: 7,
    round: first.round,
    blockHash: first.blockHash,
    signers: signerBitmap(
      precommits.map((p) => p.validatorIndex),
      4,
    ),
    signature: verifier.aggregate(precommits.map((p) => p.signature)),
  };
}

const ctx = () => ({ chainId: CHAIN, verifier });

describe("verifyCommit (BLS12-381)", () => {
  it("accepts a commit signed by 3 of 4 equal validators, reporting the signed power and signers", () => {
    expect(verifyCommit(header, commitBy([0, 1, 3]), set, ctx())).toEqual({
      ok: true,
      signedPower: 30n,
      totalPower: 40n,
      signers: [0, 1, 3],
    });
  });

  it("COMMIT_INSUFFICIENT_POWER when no more than 2/3 signed (2 of 4, and exactly 2/3)", () => {
    expect(verifyCommit(header, commitBy([0, 2]), set, ctx())).toMatchObject({
      ok: false,
      code: "COMMIT_INSUFFICIENT_POWER",
    });
    const weighted = ValidatorSet.create(
      set.validators.map((v, i) => ({
        address: v.address,
        publicKey: v.publicKey,
        power: i === 3 ? 30n : 10n,
      })),
    );
    // Validators 0 and 3 hold 10 + 30 = 40 of 60, exactly 2/3: not enough; one more validator is.
    expect(verifyCommit(header, commitBy([0, 3]), weighted, ctx())).toMatchObject({
      ok: false,
      code: "COMMIT_INSUFFICIENT_POWER",
    });
    expect(verifyCommit(header, commitBy([0, 1, 3]), weighted, ctx())).toMatchObject({
      ok: true,
      signedPower: 50n,
    });
  });

  it("COMMIT_BAD_SIGNATURE for a forged aggregate, a bitmap that lies, or another chain's signatures", () => {
    const c = commitBy([0, 1, 2]);
    expect(verifyCommit(header, { ...c, signature: new Uint8Array(96) }, set, ctx())).toMatchObject({
      code: "COMMIT_BAD_SIGNATURE",
    });
    expect(
      verifyCommit(header, { ...c, signature: commitBy([0, 1, 3]).signature }, set, ctx()),
    ).toMatchObject({
      code: "COMMIT_BAD_SIGNATURE",
    });
    expect(verifyCommit(header, { ...c, signers: signerBitmap([0, 1, 3], 4) }, set, ctx())).toMatchObject({
      code: "COMMIT_BAD_SIGNATURE",
    });
    expect(verifyCommit(header, commitBy([0, 1, 2], { chainId: "tandem:other" }), set, ctx())).toMatchObject({
      code: "COMMIT_BAD_SIGNATURE",
    });
    expect(verifyCommit(header, { ...c, round: 1 }, set, ctx())).toMatchObject({
      code: "COMMIT_BAD_SIGNATURE",
    });
  });

  it("COMMIT_WRONG_CHAIN for a header of another chain than the one tracked", () => {
    const c = commitBy([0, 1, 2], { chainId: "tandem:other" });
    expect(verifyCommit({ ...header, chainId: "tandem:other" }, c, set, ctx())).toMatchObject({
      code: "COMMIT_WRONG_CHAIN",
    });
  });

  it("COMMIT_HEIGHT_MISMATCH and COMMIT_HASH_MISMATCH", () => {
    const c = commitBy([0, 1, 2]);
    expect(verifyCommit({ ...header, height: 8 }, c, set, ctx())).toMatchObject({
      code: "COMMIT_HEIGHT_MISMATCH",
    });
    expect(verifyCommit({ ...header, blockHash: sha256(HASH) }, c, set, ctx())).toMatchObject({
      code: "COMMIT_HASH_MISMATCH",
    });
  });

  it("COMMIT_BITMAP_LENGTH for a bitmap of the wrong size, COMMIT_UNKNOWN_SIGNER for a bit past the set", () => {
    const c = commitBy([0, 1, 2]);
    expect(verifyCommit(header, { ...c, signers: Uint8Array.of(7, 0) }, set, ctx())).toMatchObject({
      code: "COMMIT_BITMAP_LENGTH",
    });
    expect(verifyCommit(header, { ...c, signers: new Uint8Array(0) }, set, ctx())).toMatchObject({
      code: "COMMIT_BITMAP_LENGTH",
    });
    expect(verifyCommit(header, { ...c, signers: Uint8Array.of(0b10111) }, set, ctx())).toMatchObject({
      code: "COMMIT_UNKNOWN_SIGNER",
    });
  });

  it("COMMIT_MALFORMED for every wrong type or range, without throwing", () => {
    const c = commitBy([0, 1, 2]);
    const cases: [unknown, unknown, unknown, unknown][] = [
      [null, c, set, ctx()],
      [{ ...header, chainId: 7 }, c, set, ctx()],
      [{ ...header, height: 0 }, c, set, ctx()],
      [{ ...header, height: 1.5 }, c, set, ctx()],
      [{ ...header, height: "7" }, c, set, ctx()],
      [{ ...header, blockHash: "aa" }, c, set, ctx()],
      [{ ...header, blockHash: new Uint8Array(0) }, c, set, ctx()],
      [header, null, set, ctx()],
      [header, { ...c, height: -7 }, set, ctx()],
      [header, { ...c, round: -1 }, set, ctx()],
      [header, { ...c, round: 0.5 }, set, ctx()],
      [header, { ...c, blockHash: null }, set, ctx()],
      [header, { ...c, signers: [7] }, set, ctx()],
      [header, { ...c, signature: "sig" }, set, ctx()],
      [header, c, null, ctx()],
      [header, c, { validators: [], totalPower: 0n }, ctx()],
      [header, c, { validators: "x" }, ctx()],
      [header, c, set, null],
      [header, c, set, { verifier }],
      [{ ...header, chainId: "not a chain id" }, c, set, { chainId: "not a chain id", verifier }],
      [{ ...header, blockHash: new Uint8Array(31) }, { ...c, blockHash: new Uint8Array(31) }, set, ctx()],
    ];
    for (const [h, cm, vs, cx] of cases) {
      expect(
        verifyCommit(h as never, cm as never, vs as never, cx as never),
        JSON.stringify([h, cm], (_k, v) => (typeof v === "bigint" ? `${v}` : v)),
      ).toMatchObject({
        ok: false,
        code: "COMMIT_MALFORMED",
      });
    }
  });

  it("assertCommit throws COMMIT_INVALID carrying the reason code", () => {
    expect(() => assertCommit(header, commitBy([0, 1]), set, ctx())).toThrow(
      expect.objectContaining({
        code: "COMMIT_INVALID",
        meta: expect.objectContaining({ reason: "COMMIT_INSUFFICIENT_POWER" }),
      }),
    );
    expect(() => assertCommit(header, commitBy([0, 1, 2]), set, ctx())).not.toThrow();
    expect(Object.keys(CommitErrorCode)).toContain("COMMIT_BAD_SIGNATURE");
  });
});

describe("verifyCommit (properties, cheap test signer)", () => {
  it("accepts exactly when the signers hold more than 2/3 of the power", () => {
    const pool = [...Array(7).keys()].map((i) => new TestVoteSigner(`lc-${i}`));
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 7 }),
        fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
        (powers, signs) => {
          const vs = ValidatorSet.create(
            powers.map((p, i) => ({ publicKey: (pool[i] as TestVoteSigner).publicKey, power: BigInt(p) })),
          );
          const idx = vs.validators.map((_, i) => i).filter((i) => signs[i]);
          fc.pre(idx.length > 0);
          const precommits = idx.map((i) => {
            const s = pool.find((x) =>
              Buffer.from(x.publicKey).equals(vs.at(i)?.publicKey as Uint8Array),
            ) as TestVoteSigner;
            const u = {
              chainId: CHAIN,
              height: 7,
              round: 2,
              type: "precommit" as const,
              blockHash: HASH,
              validatorIndex: i,
            };
            return { ...u, signature: s.sign(voteSignBytes(u)) };
          });
          let signed = 0n;
          for (const i of idx) signed += vs.at(i)?.power ?? 0n;
          const quorum = 3n * signed > 2n * vs.totalPower;
          const commit = quorum
            ? buildCommit(precommits, vs, testVoteVerifier)
            : {
                height: 7,
                round: 2,
                blockHash: HASH,
                signers: signerBitmap(idx, vs.size),
                signature: testVoteVerifier.aggregate(precommits.map((p) => p.signature)),
              };
          const r = verifyCommit(header, commit, vs, { chainId: CHAIN, verifier: testVoteVerifier });
          expect(r.ok).toBe(quorum);
          if (!r.ok) expect(r.code).toBe("COMMIT_INSUFFICIENT_POWER");
        },
      ),
      { numRuns: 150 },
    );
  });
});
