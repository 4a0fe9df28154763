/** fast-check arbitraries for every ledger structure (round-trip properties and fuzzing). */
import fc from "fast-check";
import {
  type Block,
  type BlockHeader,
  type Commit,
  createValidatorSet,
  type MerkleProof,
  MerkleTree,
  type SignedTx,
  type SmtProof,
  type TransferPayload,
  TX_SCHEMES,
  type TxResult,
  type TxScheme,
  type ValidatorSet,
  type Vote,
} from "../src/index.js";

export const chainIdArb = fc.stringMatching(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/);
export const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
export const nonZeroHashArb = hashArb.filter((h) => h.some((b) => b !== 0));
export const addressArb = fc.uint8Array({ minLength: 20, maxLength: 20 });
export const safeU64Arb = fc.maxSafeNat();
export const heightArb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });

const assetRefArb = fc.stringMatching(/^[-.%a-zA-Z0-9]{1,40}$/);
export const caip19Arb = fc
  .tuple(
    chainIdArb,
    fc.stringMatching(/^[-a-z0-9]{3,8}$/),
    assetRefArb,
    fc.option(fc.stringMatching(/^[-.%a-zA-Z0-9]{1,20}$/)),
  )
  .map(([c, ns, ref, tok]) => (tok === null ? `${c}/${ns}:${ref}` : `${c}/${ns}:${ref}/${tok}`));
const hopIdArb = fc.stringMatching(/^[-._+#a-zA-Z0-9]{2,16}$/);
export const denomArb = fc
  .tuple(fc.array(fc.tuple(hopIdArb, hopIdArb), { maxLength: 3 }), caip19Arb)
  .map(([hops, base]) => [...hops.map(([p, c]) => `${p}/${c}`), base].join("/"));

const utf8Length = (s: string): number => new TextEncoder().encode(s).length;
export const memoArb = fc.string({ unit: "binary", maxLength: 80 }).filter((s) => utf8Length(s) <= 256);

export const transferArb: fc.Arbitrary<TransferPayload> = fc.record({
  to: addressArb,
  amount: fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }),
  denom: denomArb,
  memo: memoArb,
});

function lengthsFor(scheme: TxScheme) {
  const info = TX_SCHEMES.find((s) => s.name === scheme)!;
  return info;
}

export const schemeArb = fc.constantFrom<TxScheme>("ed25519", "secp256k1", "sm2", "sm9");

export const signedTxArb: fc.Arbitrary<SignedTx<TransferPayload>> = schemeArb.chain((scheme) => {
  const info = lengthsFor(scheme);
  return fc.record({
    chainId: chainIdArb,
    kind: fc.constant("transfer"),
    scheme: fc.constant(scheme),
    sender: fc.uint8Array({ minLength: info.senderMinLength, maxLength: Math.min(info.senderMaxLength, 80) }),
    nonce: safeU64Arb,
    expiryHeight: safeU64Arb,
    payload: transferArb,
    signature: fc.uint8Array({
      minLength: info.signatureMinLength,
      maxLength: Math.min(info.signatureMaxLength, 120),
    }),
  });
});

export const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  chainId: chainIdArb,
  height: heightArb,
  time: safeU64Arb,
  previousHash: hashArb,
  lastCommitHash: hashArb,
  txRoot: hashArb,
  resultsRoot: hashArb,
  stateRoot: hashArb,
  validatorsHash: hashArb,
  nextValidatorsHash: hashArb,
  proposer: addressArb,
});

/** A bitmap canonical for some set size n (returned alongside). */
export const bitmapArb = fc.integer({ min: 1, max: 200 }).chain((n) =>
  fc.array(fc.boolean(), { minLength: n, maxLength: n }).map((bits) => {
    const out = new Uint8Array(Math.ceil(n / 8));
    bits.forEach((b, i) => {
      if (b) out[i >> 3]! |= 1 << (i & 7);
    });
    return { n, bitmap: out };
  }),
);

export const commitArb: fc.Arbitrary<Commit> = fc.record({
  height: heightArb,
  round: fc.integer({ min: 0, max: 0xffff_ffff }),
  blockHash: hashArb,
  signers: bitmapArb.map((b) => b.bitmap),
  signature: fc.uint8Array({ minLength: 96, maxLength: 96 }),
});

export const voteArb: fc.Arbitrary<Vote> = fc.record({
  type: fc.constantFrom("prevote" as const, "precommit" as const),
  height: heightArb,
  round: fc.integer({ min: 0, max: 0xffff_ffff }),
  blockHash: fc.option(nonZeroHashArb),
  validatorIndex: fc.integer({ min: 0, max: 9999 }),
  signature: fc.uint8Array({ minLength: 96, maxLength: 96 }),
});

export const validatorSetArb: fc.Arbitrary<ValidatorSet> = fc
  .uniqueArray(
    fc.record({
      address: addressArb,
      publicKey: fc.uint8Array({ minLength: 48, maxLength: 48 }),
      power: fc.bigInt({ min: 1n, max: 1n << 50n }),
    }),
    {
      minLength: 1,
      maxLength: 20,
      selector: (v) => Buffer.from(v.address).toString("hex"),
    },
  )
  .filter((vs) => new Set(vs.map((v) => Buffer.from(v.publicKey).toString("hex"))).size === vs.length)
  .map((vs) => createValidatorSet(vs));

export const blockArb: fc.Arbitrary<Block> = fc.record({
  header: headerArb,
  txs: fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { maxLength: 6 }),
  lastCommit: fc.option(commitArb),
});

export const txResultArb: fc.Arbitrary<TxResult> = fc.record({
  code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/),
  data: fc.uint8Array({ maxLength: 64 }),
});

export const merkleProofArb: fc.Arbitrary<MerkleProof> = fc
  .tuple(fc.integer({ min: 1, max: 70 }), fc.nat())
  .map(([size, i]) => {
    const leaves = Array.from({ length: size }, (_, k) => new Uint8Array([k, size]));
    return MerkleTree.from(leaves).prove(i % size);
  });

/** A structurally canonical SMT proof (random hashes; it need not verify against anything). */
export const smtProofArb: fc.Arbitrary<SmtProof> = fc
  .tuple(
    fc.array(fc.option(nonZeroHashArb, { freq: 3 }), { maxLength: 40 }),
    nonZeroHashArb,
    fc.option(fc.record({ key: hashArb, valueHash: hashArb })),
  )
  .map(([sibs, deepest, leaf]) => {
    const siblings = sibs.map((s) => s ?? new Uint8Array(32));
    if (siblings.length > 0) siblings[siblings.length - 1] = deepest;
    return { siblings, leaf };
  });
