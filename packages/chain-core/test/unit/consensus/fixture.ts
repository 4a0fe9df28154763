/** Validators, values, votes and proposals for consensus unit tests (cheap test signatures). */
import { sha256, utf8ToBytes } from "@tandem/crypto";
import {
  type Proposal,
  proposalSignBytes,
  ValidatorSet,
  type Value,
  type Vote,
  type VoteType,
  voteSignBytes,
} from "../../../src/consensus/index.js";
import { TestVoteSigner } from "../../../src/testing/index.js";

export const CHAIN = "tandem:test";

export function value(tag: string): Value {
  const bytes = utf8ToBytes(`value:${tag}`);
  return { hash: sha256(bytes), bytes };
}

export interface Fixture {
  signers: TestVoteSigner[];
  set: ValidatorSet;
  /** Validator index of signer i. */
  idx(i: number): number;
  /** Signer number of validator index v. */
  signerOf(v: number): TestVoteSigner;
  vote(v: number, round: number, type: VoteType, hash: Uint8Array | null, height?: number): Vote;
  proposal(round: number, val: Value, validRound?: number, height?: number, proposerIndex?: number): Proposal;
}

export function fixture(powers: bigint[] = [10n, 10n, 10n, 10n], label = "v"): Fixture {
  const signers = powers.map((_, i) => new TestVoteSigner(`${label}${i}`));
  const set = ValidatorSet.create(
    signers.map((s, i) => ({ publicKey: s.publicKey, power: powers[i] as bigint })),
  );
  const byIndex = (v: number): TestVoteSigner => {
    const pk = set.at(v)?.publicKey;
    const s = signers.find((x) => pk !== undefined && Buffer.from(x.publicKey).equals(pk));
    if (s === undefined) throw new RangeError(`no signer for validator ${v}`);
    return s;
  };
  return {
    signers,
    set,
    idx: (i) => set.indexOf((signers[i] as TestVoteSigner).publicKey),
    signerOf: byIndex,
    vote(v, round, type, hash, height = 1) {
      const unsigned = { chainId: CHAIN, height, round, type, blockHash: hash, validatorIndex: v };
      return { ...unsigned, signature: byIndex(v).sign(voteSignBytes(unsigned)) };
    },
    proposal(round, val, validRound = -1, height = 1, proposerIndex = set.proposerIndexForRound(round)) {
      const unsigned = { chainId: CHAIN, height, round, validRound, value: val, proposerIndex };
      return {
        ...unsigned,
        signature: byIndex(proposerIndex).sign(proposalSignBytes({ ...unsigned, valueHash: val.hash })),
      };
    },
  };
}
