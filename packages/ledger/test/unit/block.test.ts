import { bls, initBls, sha256, sm3 } from "@tandem/crypto";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertCommit,
  bitmapIndices,
  checkCommit,
  commitHash,
  commitSignBytes,
  commitSigners,
  createValidatorSet,
  decodeBlock,
  decodeCommit,
  decodeHeader,
  decodeTxResult,
  decodeValidatorSet,
  decodeVote,
  encodeBlock,
  encodeCommit,
  encodeHeader,
  encodeTx,
  encodeTxResult,
  encodeValidator,
  encodeValidatorSet,
  encodeVote,
  headerHash,
  isCanonicalBitmap,
  LedgerError,
  LedgerErrorCode,
  MAX_TOTAL_POWER,
  resultsRoot,
  signerBitmap,
  validateBlock,
  validatorIndex,
  validatorProof,
  validatorSetHash,
  verifyCommit,
  verifyMerkleProof,
  voteSignBytes,
} from "../../src/index.js";
import { blockArb, commitArb, headerArb, txResultArb, validatorSetArb, voteArb } from "../arbitraries.js";
import {
  blsValidators,
  CHAIN,
  HOME_CHAIN,
  hexOf,
  sampleBlock,
  sampleHeader,
  signCommit,
  signedTransfer,
} from "../fixtures.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

const addr = (i: number) => new Uint8Array(20).fill(i);
const pk = (i: number) => new Uint8Array(48).fill(i);

describe("validator sets", () => {
  it("sorts by address and hashes as the RFC 6962 root of the validators' encodings", () => {
    const set = createValidatorSet([
      { address: addr(3), publicKey: pk(3), power: 5n },
      { address: addr(1), publicKey: pk(1), power: 7n },
    ]);
    expect(set.validators.map((v) => v.address[0])).toEqual([1, 3]);
    expect(set.totalPower).toBe(12n);
    const enc = encodeValidator(set.validators[0]!);
    expect(enc.length).toBe(20 + 48 + 8);
    const leafHashes = set.validators.map((v) => sha256(new Uint8Array([0, ...encodeValidator(v)])));
    expect(hexOf(validatorSetHash(set))).toBe(
      hexOf(sha256(new Uint8Array([1, ...leafHashes[0]!, ...leafHashes[1]!]))),
    );
    const proof = validatorProof(set, 1);
    expect(verifyMerkleProof(validatorSetHash(set), encodeValidator(set.validators[1]!), proof)).toBe(true);
    expect(validatorIndex(set, addr(3))).toBe(1);
    expect(validatorIndex(set, addr(2))).toBe(-1);
  });

  it("rejects empty sets, duplicates, zero power and total power overflow", () => {
    const v = (i: number, power = 1n) => ({ address: addr(i), publicKey: pk(i), power });
    expect(code(() => createValidatorSet([]))).toBe(LedgerErrorCode.VALIDATOR_SET_INVALID);
    expect(code(() => createValidatorSet([v(1), v(1)]))).toBe(LedgerErrorCode.VALIDATOR_SET_INVALID);
    expect(code(() => createValidatorSet([v(1), { ...v(2), publicKey: pk(1) }]))).toBe(
      LedgerErrorCode.VALIDATOR_SET_INVALID,
    );
    expect(code(() => createValidatorSet([v(1, 0n)]))).toBe(LedgerErrorCode.VALIDATOR_SET_INVALID);
    expect(code(() => createValidatorSet([v(1, MAX_TOTAL_POWER), v(2, 1n)]))).toBe(
      LedgerErrorCode.VALIDATOR_SET_INVALID,
    );
    expect(code(() => createValidatorSet([{ ...v(1), publicKey: new Uint8Array(47) }]))).toBe(
      LedgerErrorCode.VALIDATOR_SET_INVALID,
    );
    expect(createValidatorSet([v(1, MAX_TOTAL_POWER)]).totalPower).toBe(MAX_TOTAL_POWER);
  });

  it("decodes only canonical sets (sorted, unique, non-empty, positive power)", () => {
    const set = createValidatorSet([
      { address: addr(1), publicKey: pk(1), power: 1n },
      { address: addr(2), publicKey: pk(2), power: 2n },
    ]);
    const bytes = encodeValidatorSet(set);
    expect(decodeValidatorSet(bytes)).toEqual(set);
    const swapped = new Uint8Array([2, ...bytes.subarray(1 + 76), ...bytes.subarray(1, 1 + 76)]);
    expect(code(() => decodeValidatorSet(swapped))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    const dup = new Uint8Array([2, ...bytes.subarray(1, 1 + 76), ...bytes.subarray(1, 1 + 76)]);
    expect(code(() => decodeValidatorSet(dup))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    expect(code(() => decodeValidatorSet(new Uint8Array([0])))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    const zeroPower = bytes.slice();
    zeroPower.fill(0, 1 + 68, 1 + 76);
    expect(code(() => decodeValidatorSet(zeroPower))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("round-trips (property)", () => {
    fc.assert(
      fc.property(validatorSetArb, (set) => {
        const bytes = encodeValidatorSet(set);
        const back = decodeValidatorSet(bytes);
        expect(back).toEqual(set);
        expect(encodeValidatorSet(back)).toEqual(bytes);
      }),
      { numRuns: 100 },
    );
  });
});

describe("headers, votes, results and blocks: encoding", () => {
  it("round-trips headers, commits, votes, results and blocks (properties)", () => {
    const cases: [fc.Arbitrary<unknown>, (x: never) => Uint8Array, (b: Uint8Array) => unknown][] = [
      [headerArb, encodeHeader as never, decodeHeader],
      [commitArb, encodeCommit as never, decodeCommit],
      [voteArb, encodeVote as never, decodeVote],
      [txResultArb, encodeTxResult as never, decodeTxResult],
      [blockArb, encodeBlock as never, decodeBlock],
    ];
    for (const [arb, enc, dec] of cases) {
      fc.assert(
        fc.property(arb, (x) => {
          const bytes = enc(x as never);
          const back = dec(bytes);
          expect(back).toEqual(x);
          expect(enc(back as never)).toEqual(bytes);
        }),
        { numRuns: 150 },
      );
    }
  });

  it("lays the header out as documented", () => {
    const h = sampleHeader(
      createValidatorSet([{ address: addr(1), publicKey: pk(1), power: 1n }]),
      sha256,
      [],
    );
    const bytes = encodeHeader(h);
    expect(bytes.length).toBe(1 + CHAIN.length + 8 + 8 + 7 * 32 + 20);
    expect(hexOf(headerHash(h))).toBe(hexOf(sha256(bytes)));
    expect(hexOf(headerHash(h, sm3))).toBe(hexOf(sm3(bytes)));
  });

  it("rejects height 0, bad vote types and nil votes written as zero hashes", () => {
    const h = sampleHeader(
      createValidatorSet([{ address: addr(1), publicKey: pk(1), power: 1n }]),
      sha256,
      [],
    );
    expect(code(() => encodeHeader({ ...h, height: 0 }))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    const bytes = encodeHeader(h);
    bytes.fill(0, 1 + CHAIN.length, 1 + CHAIN.length + 8);
    expect(code(() => decodeHeader(bytes))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    const vote = {
      type: "precommit" as const,
      height: 3,
      round: 0,
      blockHash: null,
      validatorIndex: 1,
      signature: new Uint8Array(96),
    };
    const vb = encodeVote(vote);
    vb[0] = 3;
    expect(code(() => decodeVote(vb))).toBe(LedgerErrorCode.DECODE_UNKNOWN_KIND);
    const present = encodeVote({ ...vote, blockHash: new Uint8Array(32).fill(1) });
    present.fill(0, 1 + 8 + 4 + 1, 1 + 8 + 4 + 1 + 32);
    expect(code(() => decodeVote(present))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    expect(code(() => voteSignBytes(CHAIN, { ...vote, blockHash: new Uint8Array(32) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
  });

  it("defines vote sign bytes as H('tandem/vote/v1' ‖ chainId ‖ height ‖ round ‖ type ‖ blockHash)", () => {
    const blockHash = new Uint8Array(32).fill(7);
    const got = voteSignBytes(CHAIN, { type: "precommit" as const, height: 5, round: 2, blockHash });
    const want = sha256(
      new Uint8Array([
        ...new TextEncoder().encode("tandem/vote/v1"),
        CHAIN.length,
        ...new TextEncoder().encode(CHAIN),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        5,
        0,
        0,
        0,
        2,
        2,
        ...blockHash,
      ]),
    );
    expect(hexOf(got)).toBe(hexOf(want));
    const nil = voteSignBytes(CHAIN, { type: "precommit" as const, height: 5, round: 2, blockHash: null });
    expect(hexOf(nil)).not.toBe(hexOf(got));
    const prevote = voteSignBytes(CHAIN, { type: "prevote" as const, height: 5, round: 2, blockHash });
    expect(hexOf(prevote)).not.toBe(hexOf(got));
  });

  it("round-trips tx results and commits them in the results root", () => {
    const results = [
      { code: "OK", data: new Uint8Array(0) },
      { code: "TX_BAD_NONCE", data: new Uint8Array([1]) },
    ];
    expect(decodeTxResult(encodeTxResult(results[1]!))).toEqual(results[1]);
    expect(resultsRoot(results).length).toBe(32);
    expect(code(() => encodeTxResult({ code: "ok", data: new Uint8Array(0) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
  });
});

describe("signer bitmaps", () => {
  it("are ⌈n/8⌉ bytes, least significant bit first, with unused high bits zero", () => {
    const b = signerBitmap(10, [0, 3, 9]);
    expect([...b]).toEqual([0b0000_1001, 0b0000_0010]);
    expect(isCanonicalBitmap(b, 10)).toBe(true);
    expect(isCanonicalBitmap(b, 9)).toBe(false);
    expect(isCanonicalBitmap(b, 17)).toBe(false);
    expect(isCanonicalBitmap(new Uint8Array([0, 0b0000_0100]), 10)).toBe(false);
    expect(isCanonicalBitmap(new Uint8Array([0xff]), 8)).toBe(true);
    expect(bitmapIndices(b)).toEqual([0, 3, 9]);
    expect(code(() => signerBitmap(10, [10]))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
  });

  it("decodes a commit against the set size only when the bitmap is canonical for it", () => {
    const c = {
      height: 2,
      round: 0,
      blockHash: new Uint8Array(32).fill(1),
      signers: new Uint8Array([0x0f]),
      signature: new Uint8Array(96),
    };
    const bytes = encodeCommit(c);
    expect(decodeCommit(bytes, { validatorCount: 4 })).toEqual(c);
    expect(code(() => decodeCommit(bytes, { validatorCount: 3 }))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
    expect(code(() => decodeCommit(bytes, { validatorCount: 9 }))).toBe(LedgerErrorCode.DECODE_NON_CANONICAL);
  });
});

describe("commits: BLS aggregate verification", () => {
  let fx: ReturnType<typeof blsValidators>;
  beforeAll(async () => {
    await initBls();
    fx = blsValidators(4);
  });

  it("accepts a commit signed by more than 2/3 of the power", () => {
    const blockHash = new Uint8Array(32).fill(9);
    // Powers are 10..13 (total 46) in address order; any three of them sum to more than 46 · 2/3.
    const c = signCommit(fx.set, fx.secretKeys, [1, 2, 3], { height: 4, round: 1, blockHash });
    const vs = fx.set.validators;
    const want = vs[1]!.power + vs[2]!.power + vs[3]!.power;
    expect(fx.set.totalPower).toBe(46n);
    expect(checkCommit(c, fx.set, { chainId: CHAIN, blockHash, height: 4 })).toEqual({
      ok: true,
      signedPower: want,
    });
    expect(assertCommit(c, fx.set, { chainId: CHAIN })).toBe(want);
    expect(commitSigners(c, fx.set)).toEqual([vs[1], vs[2], vs[3]]);
  });

  it("rejects a commit with exactly 2/3 or less of the power", () => {
    const set = createValidatorSet(fx.set.validators.slice(0, 3).map((v) => ({ ...v, power: 1n })));
    const blockHash = new Uint8Array(32).fill(9);
    const c = signCommit(set, fx.secretKeys, [0, 1], { height: 4, round: 0, blockHash });
    const r = checkCommit(c, set, { chainId: CHAIN });
    expect(r).toEqual({ ok: false, reason: "not enough voting power", signedPower: 2n });
    expect(code(() => assertCommit(c, set, { chainId: CHAIN }))).toBe(LedgerErrorCode.COMMIT_INVALID);
    // A lower threshold (e.g. 1/3 trust level for skipping) accepts it.
    expect(verifyCommit(c, set, { chainId: CHAIN, threshold: { numerator: 1n, denominator: 3n } })).toBe(
      true,
    );
  });

  it("rejects a commit whose signature, signers, height, hash or chain do not match", () => {
    const blockHash = new Uint8Array(32).fill(9);
    const c = signCommit(fx.set, fx.secretKeys, [0, 1, 2, 3], { height: 4, round: 1, blockHash });
    const opts = { chainId: CHAIN };
    expect(verifyCommit(c, fx.set, opts)).toBe(true);
    expect(verifyCommit({ ...c, round: 2 }, fx.set, opts)).toBe(false);
    expect(verifyCommit({ ...c, signers: signerBitmap(4, [0, 1, 2]) }, fx.set, opts)).toBe(false);
    expect(verifyCommit({ ...c, signers: new Uint8Array([0x1f]) }, fx.set, opts)).toBe(false);
    expect(verifyCommit({ ...c, signers: new Uint8Array([0x0f, 0]) }, fx.set, opts)).toBe(false);
    expect(verifyCommit(c, fx.set, { ...opts, height: 5 })).toBe(false);
    expect(verifyCommit(c, fx.set, { ...opts, blockHash: new Uint8Array(32).fill(8) })).toBe(false);
    expect(verifyCommit(c, fx.set, { chainId: HOME_CHAIN })).toBe(false);
    expect(verifyCommit(c, fx.set, { ...opts, hash: sm3 })).toBe(false);
    expect(verifyCommit({ ...c, signers: new Uint8Array([0]) }, fx.set, opts)).toBe(false);
    const sig = c.signature.slice();
    sig[50]! ^= 1;
    expect(verifyCommit({ ...c, signature: sig }, fx.set, opts)).toBe(false);
    expect(checkCommit({ ...c, blockHash: new Uint8Array(32) }, fx.set, opts).ok).toBe(false);
  });

  it("returns false (never throws) when a signer's key is not a valid BLS key", () => {
    const bad = {
      address: new Uint8Array(20).fill(0xff),
      publicKey: new Uint8Array(48).fill(0x11),
      power: 1n,
    };
    const set = createValidatorSet([...fx.set.validators, bad]);
    expect(set.validators[4]).toEqual(bad);
    const blockHash = new Uint8Array(32).fill(6);
    const good = signCommit(set, fx.secretKeys, [0, 1, 2, 3], { height: 7, round: 0, blockHash });
    expect(verifyCommit(good, set, { chainId: CHAIN })).toBe(true);
    const withBad = { ...good, signers: signerBitmap(5, [0, 1, 2, 3, 4]) };
    expect(verifyCommit(withBad, set, { chainId: CHAIN })).toBe(false);
  });

  it("signs the precommit sign bytes", () => {
    const blockHash = new Uint8Array(32).fill(3);
    const c = signCommit(fx.set, fx.secretKeys, [0], { height: 9, round: 0, blockHash });
    const msg = voteSignBytes(CHAIN, { type: "precommit" as const, height: 9, round: 0, blockHash });
    expect(hexOf(commitSignBytes(CHAIN, c))).toBe(hexOf(msg));
    expect(bls.verify(c.signature, msg, fx.set.validators[0]!.publicKey)).toBe(true);
  });

  it("validates a block's parts against its header", () => {
    const txs = [encodeTx(signedTransfer("ed25519")), encodeTx(signedTransfer("sm2"))];
    const { block, commit } = sampleBlock(fx.set, fx.secretKeys, txs);
    expect(() => validateBlock(block)).not.toThrow();
    expect(decodeBlock(encodeBlock(block))).toEqual(block);
    expect(
      verifyCommit(commit, fx.set, { chainId: CHAIN, blockHash: headerHash(block.header), height: 2 }),
    ).toBe(true);
    expect(code(() => validateBlock({ ...block, txs: txs.slice(1) }))).toBe(LedgerErrorCode.BLOCK_INVALID);
    expect(code(() => validateBlock({ ...block, lastCommit: null }))).toBe(LedgerErrorCode.BLOCK_INVALID);
    const lc = block.lastCommit!;
    expect(code(() => validateBlock({ ...block, lastCommit: { ...lc, round: 5 } }))).toBe(
      LedgerErrorCode.BLOCK_INVALID,
    );
    const reheaded = { ...block.header, lastCommitHash: commitHash({ ...lc, height: 5 }) };
    expect(code(() => validateBlock({ ...block, header: reheaded, lastCommit: { ...lc, height: 5 } }))).toBe(
      LedgerErrorCode.BLOCK_INVALID,
    );
    const genesis = { header: sampleHeader(fx.set, sha256, [], 1), txs: [], lastCommit: null };
    expect(() => validateBlock(genesis)).not.toThrow();
    expect(code(() => validateBlock({ ...genesis, lastCommit: lc }))).toBe(LedgerErrorCode.BLOCK_INVALID);
  });
});
