/** A little chain of ledger headers and commits for light-client tests. */
import { type BlockHeader, headerHash, validatorSetHash } from "@tandem/ledger";
import {
  buildCommit,
  type Commit,
  signerBitmap,
  ValidatorSet,
  type VoteSigner,
  type VoteVerifier,
  voteSignBytes,
} from "../../../src/consensus/index.js";

export const LC_CHAIN = "tandem:acme";

export interface LcBlock {
  header: BlockHeader;
  commit: Commit;
  validators: ValidatorSet;
  nextValidators: ValidatorSet;
}

/** Builds heights 1..n; `setAt(h)` lists the signers (and powers) of height h. */
export function buildChain(
  n: number,
  setAt: (h: number) => { signer: VoteSigner; power: bigint }[],
  verifier: VoteVerifier,
  opts: {
    chainId?: string;
    stateRoot?: (h: number) => Uint8Array;
    signersAt?: (h: number, set: ValidatorSet) => number[];
  } = {},
): LcBlock[] {
  const chainId = opts.chainId ?? LC_CHAIN;
  const sets = new Map<number, { set: ValidatorSet; signers: Map<string, VoteSigner> }>();
  const get = (h: number) => {
    let s = sets.get(h);
    if (s === undefined) {
      const members = setAt(h);
      s = {
        set: ValidatorSet.create(members.map((m) => ({ publicKey: m.signer.publicKey, power: m.power }))),
        signers: new Map(members.map((m) => [Buffer.from(m.signer.publicKey).toString("hex"), m.signer])),
      };
      sets.set(h, s);
    }
    return s;
  };
  const out: LcBlock[] = [];
  let prev: Uint8Array = new Uint8Array(32);
  for (let h = 1; h <= n; h++) {
    const { set, signers } = get(h);
    const next = get(h + 1).set;
    const header: BlockHeader = {
      chainId,
      height: h,
      time: 1_700_000_000_000 + h * 1000,
      previousHash: prev,
      lastCommitHash: new Uint8Array(32),
      txRoot: new Uint8Array(32),
      resultsRoot: new Uint8Array(32),
      stateRoot: opts.stateRoot?.(h) ?? new Uint8Array(32),
      validatorsHash: validatorSetHash(set.toLedger()),
      nextValidatorsHash: validatorSetHash(next.toLedger()),
      proposer: set.proposer.address,
    };
    const blockHash = headerHash(header);
    const who = opts.signersAt?.(h, set) ?? set.validators.map((_, i) => i);
    const precommits = who.map((i) => {
      const v = set.at(i);
      if (v === undefined) throw new RangeError("signer index");
      const signer = signers.get(Buffer.from(v.publicKey).toString("hex")) as VoteSigner;
      const unsigned = {
        chainId,
        height: h,
        round: 0,
        type: "precommit" as const,
        blockHash,
        validatorIndex: i,
      };
      return { ...unsigned, signature: signer.sign(voteSignBytes(unsigned)) as Uint8Array };
    });
    let power = 0n;
    for (const i of who) power += set.at(i)?.power ?? 0n;
    const commit = set.isQuorum(power)
      ? buildCommit(precommits, set, verifier)
      : {
          height: h,
          round: 0,
          blockHash,
          signers: signerBitmap(who, set.size),
          signature: verifier.aggregate(precommits.map((p) => p.signature)),
        };
    out.push({ header, commit, validators: set, nextValidators: next });
    prev = blockHash;
  }
  return out;
}
