import { readFileSync } from "node:fs";
import { utf8ToBytes } from "@tandem/crypto";
import { validatorSetHash } from "@tandem/ledger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TOTAL_VOTING_POWER, ValidatorSet, validatorAddress } from "../../../src/consensus/index.js";

const vectors = JSON.parse(
  readFileSync(new URL("../../vectors/cometbft-proposer-selection.json", import.meta.url), "utf8"),
);
const key = (s: string): Uint8Array => utf8ToBytes(s);
const addr = (last: number): Uint8Array => {
  const a = new Uint8Array(20);
  a[19] = last;
  return a;
};
const name = (set: ValidatorSet, i: number): string => new TextDecoder().decode(set.at(i)?.publicKey);
/** A validator whose address (the tie-breaker) is given, as in the CometBFT tests. */
const val = (address: Uint8Array, power: bigint) => ({ address, publicKey: address, power });
const pk48 = (i: number): Uint8Array => new Uint8Array(48).fill(i);

describe("ValidatorSet proposer selection: CometBFT known answers", () => {
  it("reproduces TestProposerSelection1 (foo 1000, bar 300, baz 330) for 99 heights", () => {
    let set = ValidatorSet.create(
      vectors.selection1.validators.map((v: { address: string; power: number }) =>
        val(key(v.address), BigInt(v.power)),
      ),
    );
    const got: string[] = [];
    for (let i = 0; i < 99; i++) {
      got.push(name(set, set.proposerIndex));
      set = set.incrementProposerPriority(1);
    }
    expect(got.join(" ")).toBe(vectors.selection1.proposers);
  });

  it("goes round-robin in address order when powers are equal", () => {
    let set = ValidatorSet.create([2, 0, 1].map((i) => val(addr(i), 100n)));
    for (let i = 0; i < 15; i++) {
      expect(set.proposer.publicKey).toEqual(addr(i % 3));
      set = set.incrementProposerPriority(1);
    }
  });

  it("starts with the most powerful validator, then the smallest address", () => {
    const set = ValidatorSet.create([val(addr(0), 100n), val(addr(1), 100n), val(addr(2), 400n)]);
    expect(set.proposer.publicKey).toEqual(addr(2));
    expect(set.incrementProposerPriority(1).proposer.publicKey).toEqual(addr(0));
  });

  it("lets a validator with more than half of the rest propose twice in a row", () => {
    let set = ValidatorSet.create([val(addr(0), 100n), val(addr(1), 100n), val(addr(2), 401n)]);
    const seq: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      seq.push(set.proposer.publicKey);
      set = set.incrementProposerPriority(1);
    }
    expect(seq).toEqual([addr(2), addr(2), addr(0)]);
  });

  it("chooses each validator in proportion to its power (4, 5, 3 over 120 heights: 40, 50, 30)", () => {
    let set = ValidatorSet.create([val(addr(0), 4n), val(addr(1), 5n), val(addr(2), 3n)]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 120; i++) {
      const last = set.proposer.publicKey[19] as number;
      counts[last] = (counts[last] as number) + 1;
      set = set.incrementProposerPriority(1);
    }
    expect(counts).toEqual([40, 50, 30]);
  });
});

describe("ValidatorSet proposer selection: properties", () => {
  const powersArb = fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 });
  const setOf = (powers: number[]): ValidatorSet =>
    ValidatorSet.create(powers.map((p, i) => ({ publicKey: addr(i + 1), power: BigInt(p) })));

  it("is fair: over k·P increments each validator proposes k·power times, within the set size", () => {
    fc.assert(
      fc.property(powersArb, fc.integer({ min: 1, max: 4 }), (powers, k) => {
        let set = setOf(powers);
        const total = powers.reduce((a, b) => a + b, 0);
        const counts = new Map<number, number>();
        for (let i = 0; i < k * total; i++) {
          const id = set.proposer.publicKey[19] as number;
          counts.set(id, (counts.get(id) ?? 0) + 1);
          set = set.incrementProposerPriority(1);
        }
        powers.forEach((p, i) => {
          expect(Math.abs((counts.get(i + 1) ?? 0) - k * p)).toBeLessThanOrEqual(powers.length);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("gives the round-r proposer of a copy incremented r times in one call, cached or not", () => {
    fc.assert(
      fc.property(powersArb, fc.integer({ min: 0, max: 40 }), (powers, round) => {
        const set = setOf(powers);
        const expected = round === 0 ? set.proposerIndex : set.incrementProposerPriority(round).proposerIndex;
        expect(set.proposerIndexForRound(round)).toBe(expected);
        expect(setOf(powers).proposerIndexForRound(round)).toBe(expected);
      }),
      { numRuns: 80 },
    );
  });

  it("orders validators by address ascending (the ledger's order), whatever the input order", () => {
    fc.assert(
      fc.property(powersArb, (powers) => {
        const inits = powers.map((p, i) => ({ publicKey: pk48(i + 1), power: BigInt(p) }));
        const a = ValidatorSet.create(inits);
        const b = ValidatorSet.create([...inits].reverse());
        expect(a.validators.map((v) => v.publicKey)).toEqual(b.validators.map((v) => v.publicKey));
        expect(a.hash()).toEqual(b.hash());
        expect(a.toLedger().validators.map((v) => v.address)).toEqual(a.validators.map((v) => v.address));
        for (let i = 1; i < a.size; i++) {
          expect(
            Buffer.compare(
              a.validators[i - 1]?.address as Uint8Array,
              a.validators[i]?.address as Uint8Array,
            ),
          ).toBe(-1);
        }
      }),
    );
  });

  it("derives a validator's default address as the first 20 bytes of SHA-256(publicKey)", () => {
    const set = ValidatorSet.create([{ publicKey: pk48(1), power: 1n }]);
    expect(set.at(0)?.address).toEqual(validatorAddress(pk48(1)));
    expect(validatorAddress(pk48(1))).toHaveLength(20);
    expect(set.indexOfAddress(validatorAddress(pk48(1)))).toBe(0);
    expect(set.indexOf(pk48(1))).toBe(0);
    expect(set.indexOf(pk48(2))).toBe(-1);
  });

  it("round-trips through encode/decode with priorities and proposer", () => {
    fc.assert(
      fc.property(powersArb, fc.integer({ min: 1, max: 10 }), (powers, times) => {
        const set = setOf(powers).incrementProposerPriority(times);
        const back = ValidatorSet.decode(set.encode());
        expect(back.validators).toEqual(set.validators);
        expect(back.proposerIndex).toBe(set.proposerIndex);
        expect(back.proposerIndexForRound(3)).toBe(set.proposerIndexForRound(3));
      }),
    );
  });
});

describe("ValidatorSet updates between heights", () => {
  const base = (): ValidatorSet =>
    ValidatorSet.create([1, 2, 3, 4].map((i) => ({ publicKey: pk48(i), power: 10n })));

  it("keeps the priority of validators that stay and starts a new one at −1.125·P (before centring)", () => {
    const set = base().incrementProposerPriority(3);
    const next = set.next([...set.membership(), { publicKey: pk48(9), power: 10n }]);
    const newcomer = next.validators[next.indexOf(pk48(9))];
    // The newcomer is the least likely proposer right after joining.
    const others = next.validators.filter((v) => v !== newcomer).map((v) => v.priority);
    expect(others.every((p) => p > (newcomer?.priority ?? 0n))).toBe(true);
  });

  it("drops removed validators, recomputes the total and the hash", () => {
    const set = base();
    const next = set.next(set.membership().slice(1));
    expect(next.size).toBe(3);
    expect(next.totalPower).toBe(30n);
    expect(next.hash()).not.toEqual(set.hash());
  });

  it("hashes membership and powers, not priorities, exactly as the ledger's validatorSetHash", () => {
    const set = base();
    expect(set.incrementProposerPriority(5).hash()).toEqual(set.hash());
    expect(set.hash()).toEqual(validatorSetHash(set.toLedger()));
    expect(ValidatorSet.fromLedger(set.toLedger()).validators).toEqual(
      ValidatorSet.create(set.membership()).validators,
    );
  });

  it("refuses a ledger view of keys that are not 48 bytes (ledger VALIDATOR_SET_INVALID)", () => {
    const set = ValidatorSet.create([{ publicKey: addr(1), power: 1n }]);
    expect(() => set.toLedger()).toThrow(expect.objectContaining({ code: "VALIDATOR_SET_INVALID" }));
  });

  it("computes quorum (> 2/3) and one-third (> 1/3) by power", () => {
    const set = base();
    expect(set.isQuorum(26n)).toBe(false);
    expect(set.isQuorum(27n)).toBe(true);
    expect(set.isOneThird(13n)).toBe(false);
    expect(set.isOneThird(14n)).toBe(true);
  });

  it("rejects every invalid membership with VALIDATOR_SET_INVALID", () => {
    const bad = { code: "VALIDATOR_SET_INVALID" };
    const k = addr(1);
    for (const m of [
      [],
      [{ publicKey: k, power: 0n }],
      [{ publicKey: k, power: -1n }],
      [{ publicKey: k, power: 1 }],
      [{ publicKey: "k", power: 1n }],
      [{ publicKey: new Uint8Array(0), power: 1n }],
      [{ publicKey: new Uint8Array(257), power: 1n }],
      [null],
      [
        { publicKey: k, power: 1n },
        { publicKey: addr(1), power: 2n },
      ],
      [
        { address: addr(5), publicKey: addr(1), power: 1n },
        { address: addr(5), publicKey: addr(2), power: 1n },
      ],
      [{ address: new Uint8Array(0), publicKey: k, power: 1n }],
      [{ address: "a", publicKey: k, power: 1n }],
      [
        { publicKey: addr(1), power: MAX_TOTAL_VOTING_POWER },
        { publicKey: addr(2), power: 1n },
      ],
      [{ publicKey: k, power: MAX_TOTAL_VOTING_POWER + 1n }],
      "not an array",
    ]) {
      expect(
        () => ValidatorSet.create(m as never),
        JSON.stringify(m, (_k, v) => String(v)),
      ).toThrow(expect.objectContaining(bad));
    }
  });

  it("rejects a bad increment count and a bad round with RangeError", () => {
    const set = base();
    for (const t of [0, -1, 1.5, Number.NaN])
      expect(() => set.incrementProposerPriority(t)).toThrow(RangeError);
    for (const r of [-1, 0.5, Number.NaN]) expect(() => set.proposerIndexForRound(r)).toThrow(RangeError);
  });

  it("rejects non-canonical or truncated encodings", () => {
    const enc = base().encode();
    expect(() => ValidatorSet.decode(enc.subarray(0, enc.length - 1))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    expect(() => ValidatorSet.decode(Uint8Array.from([...enc, 0]))).toThrow(
      expect.objectContaining({ code: "CODEC_MALFORMED" }),
    );
    const zero = new Uint8Array(8);
    expect(() => ValidatorSet.decode(Uint8Array.from([0, 0, 0, 0, ...zero.subarray(0, 4)]))).toThrow(
      expect.objectContaining({ code: "VALIDATOR_SET_INVALID" }),
    );
    // Swap the first two entries (equal power): not in key order any more.
    const a = ValidatorSet.create([val(addr(1), 10n), val(addr(2), 10n)]).encode();
    const entry = 4 + 20 + 4 + 20 + 8 + 8;
    const swapped = Uint8Array.from([
      ...a.subarray(0, 4),
      ...a.subarray(4 + entry, 4 + 2 * entry),
      ...a.subarray(4, 4 + entry),
      ...a.subarray(4 + 2 * entry),
    ]);
    expect(() => ValidatorSet.decode(swapped)).toThrow(
      expect.objectContaining({ code: "VALIDATOR_SET_INVALID" }),
    );
  });
});
