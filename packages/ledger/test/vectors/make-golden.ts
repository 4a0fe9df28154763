/**
 * Generates test/vectors/golden.json: one canonical encoding (hex) and its hash for every ledger
 * structure, built from fixed seeds (test/fixtures.ts). Run once, review the diff, commit:
 *
 *   cd packages/ledger && node --conditions=@tandem/source --import tsx test/vectors/make-golden.ts
 *
 * Ed25519, secp256k1 (RFC 6979) and BLS signatures are deterministic, so those vectors rebuild
 * byte-for-byte; SM2 signatures use a random k, so their vectors pin the unsigned bytes and a
 * signature that must keep verifying.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { bytesToHex, type HashFn, initBls, sha256, sm3 } from "@tandem/crypto";
import {
  accountAddress,
  encodeBlock,
  encodeCommit,
  encodeHeader,
  encodeMerkleProof,
  encodeSmtProof,
  encodeTx,
  encodeTxResult,
  encodeUnsignedTx,
  encodeValidatorSet,
  encodeVote,
  formatTandemAccountId,
  headerHash,
  MerkleTree,
  SparseMerkleTree,
  smtKey,
  txHash,
  txSignBytes,
  validatorSetHash,
  voteSignBytes,
} from "../../src/index.js";
import { blsValidators, CHAIN, sampleBlock, seed, signedTransfer } from "../fixtures.js";

export interface GoldenVector {
  kind: "tx" | "header" | "commit" | "block" | "validatorSet" | "merkleProof" | "smtProof" | "vote" | "txResult";
  suite: "sha256" | "sm3";
  /** Canonical encoding. */
  hex: string;
  /** The structure's hash (tx hash, header hash, commit hash, set hash, or the proof's root). */
  hash: string;
  /** Whether the generator reproduces `hex` exactly (false when a signature is randomised). */
  deterministic: boolean;
  [extra: string]: unknown;
}

export interface GoldenFile {
  description: string;
  generator: string;
  vectors: Record<string, GoldenVector>;
}

const hx = bytesToHex;

function suiteOf(hash: HashFn): "sha256" | "sm3" {
  return hash === sm3 ? "sm3" : "sha256";
}

function txVector(scheme: "ed25519" | "secp256k1" | "sm2", hash: HashFn): GoldenVector {
  const tx = signedTransfer(scheme, { hash });
  return {
    kind: "tx",
    suite: suiteOf(hash),
    hex: hx(encodeTx(tx)),
    hash: hx(txHash(tx, { hash })),
    deterministic: scheme !== "sm2",
    unsignedHex: hx(encodeUnsignedTx(tx)),
    signBytes: hx(txSignBytes(tx, { hash })),
    senderAccount: formatTandemAccountId(CHAIN, accountAddress(scheme, tx.sender, hash)),
  };
}

/** Builds every vector (needs `await initBls()`). */
export function buildGolden(): GoldenFile {
  const vectors: Record<string, GoldenVector> = {};
  vectors["tx/transfer/ed25519"] = txVector("ed25519", sha256);
  vectors["tx/transfer/secp256k1"] = txVector("secp256k1", sha256);
  vectors["tx/transfer/sm2"] = txVector("sm2", sha256);
  vectors["tx/transfer/sm2/sm3-suite"] = txVector("sm2", sm3);
  vectors["tx/transfer/ed25519/sm3-suite"] = txVector("ed25519", sm3);

  const { set, secretKeys } = blsValidators(4);
  vectors.validatorSet = {
    kind: "validatorSet",
    suite: "sha256",
    hex: hx(encodeValidatorSet(set)),
    hash: hx(validatorSetHash(set)),
    deterministic: true,
  };

  for (const hash of [sha256, sm3]) {
    const suite = suiteOf(hash);
    const txs = [encodeTx(signedTransfer("ed25519", { hash })), encodeTx(signedTransfer("secp256k1", { hash }))];
    const { block, commit } = sampleBlock(set, secretKeys, txs, hash);
    vectors[`header/${suite}`] = {
      kind: "header",
      suite,
      hex: hx(encodeHeader(block.header)),
      hash: hx(headerHash(block.header, hash)),
      deterministic: true,
    };
    vectors[`commit/${suite}`] = {
      kind: "commit",
      suite,
      hex: hx(encodeCommit(commit)),
      hash: hx(hash(encodeCommit(commit))),
      deterministic: true,
      signBytes: hx(voteSignBytes(CHAIN, { type: "precommit" as const, ...commit }, hash)),
      validatorCount: set.validators.length,
    };
    vectors[`block/${suite}`] = {
      kind: "block",
      suite,
      hex: hx(encodeBlock(block)),
      hash: hx(headerHash(block.header, hash)),
      deterministic: true,
    };
  }

  const vote = {
    type: "prevote" as const,
    height: 12,
    round: 3,
    blockHash: seed("voted-block"),
    validatorIndex: 2,
    signature: new Uint8Array(96).fill(0xab),
  };
  vectors.vote = {
    kind: "vote",
    suite: "sha256",
    hex: hx(encodeVote(vote)),
    hash: hx(voteSignBytes(CHAIN, vote)),
    deterministic: true,
  };
  vectors.txResult = {
    kind: "txResult",
    suite: "sha256",
    hex: hx(encodeTxResult({ code: "TX_BAD_NONCE", data: new Uint8Array([1, 2, 3]) })),
    hash: hx(sha256(encodeTxResult({ code: "TX_BAD_NONCE", data: new Uint8Array([1, 2, 3]) }))),
    deterministic: true,
  };

  const leaves = Array.from({ length: 13 }, (_, i) => seed(`leaf/${i}`).subarray(0, 10 + i));
  const mt = MerkleTree.from(leaves);
  vectors["merkleProof/leaf-9-of-13"] = {
    kind: "merkleProof",
    suite: "sha256",
    hex: hx(encodeMerkleProof(mt.prove(9))),
    hash: hx(mt.root),
    deterministic: true,
    leafHex: hx(leaves[9]!),
  };

  for (const hash of [sha256, sm3]) {
    const suite = suiteOf(hash);
    const tree = new SparseMerkleTree({ hash });
    const raw = Array.from({ length: 40 }, (_, i) => `accounts/${i}`);
    tree.update(raw.map((r, i) => [smtKey(new TextEncoder().encode(r), hash), new TextEncoder().encode(`balance=${i * 100}`)]));
    const member = smtKey(new TextEncoder().encode("accounts/17"), hash);
    // The first absent key whose search ends at another key's leaf (absence shown by a neighbour).
    let absent = smtKey(new TextEncoder().encode("accounts/1000"), hash);
    for (let i = 1000; tree.prove(absent).leaf === null; i++) {
      absent = smtKey(new TextEncoder().encode(`accounts/${i}`), hash);
    }
    vectors[`smtProof/membership/${suite}`] = {
      kind: "smtProof",
      suite,
      hex: hx(encodeSmtProof(tree.prove(member))),
      hash: hx(tree.root),
      deterministic: true,
      keyHex: hx(member),
      valueHex: hx(new TextEncoder().encode("balance=1700")),
    };
    vectors[`smtProof/non-membership/${suite}`] = {
      kind: "smtProof",
      suite,
      hex: hx(encodeSmtProof(tree.prove(absent))),
      hash: hx(tree.root),
      deterministic: true,
      keyHex: hx(absent),
      valueHex: null,
    };
  }
  // An absence proof that ends at an empty subtree (rather than at another leaf).
  {
    const tree = new SparseMerkleTree();
    const a = new Uint8Array(32).fill(0x11);
    const b = new Uint8Array(32).fill(0x13);
    tree.update([
      [a, new Uint8Array([1])],
      [b, new Uint8Array([2])],
    ]);
    const absent = new Uint8Array(32).fill(0x10);
    absent[0] = 0x00; // first bits 0000 0000: shares the 000 prefix of 0x11/0x13, then takes the empty branch
    vectors["smtProof/non-membership-empty/sha256"] = {
      kind: "smtProof",
      suite: "sha256",
      hex: hx(encodeSmtProof(tree.prove(absent))),
      hash: hx(tree.root),
      deterministic: true,
      keyHex: hx(absent),
      valueHex: null,
    };
  }

  return {
    description:
      "Tandem ledger canonical encodings from fixed seeds (see test/fixtures.ts). Rebuild with test/vectors/make-golden.ts only on a deliberate format change.",
    generator: "packages/ledger/test/vectors/make-golden.ts",
    vectors,
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await initBls();
  const out = fileURLToPath(new URL("./golden.json", import.meta.url));
  writeFileSync(out, `${JSON.stringify(buildGolden(), null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
