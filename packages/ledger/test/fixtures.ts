/**
 * Deterministic sample structures built from fixed seeds, shared by the golden-vector generator
 * (test/vectors/make-golden.ts) and the tests.
 */
import { bls, ed25519, secp256k1, sha256, sm2, utf8ToBytes } from "@tandem/crypto";
import {
  type Block,
  type BlockHeader,
  type Commit,
  commitHash,
  commitSignBytes,
  createValidatorSet,
  type HashFn,
  headerHash,
  resultsRoot,
  type SignableTxScheme,
  type SignedTx,
  signerBitmap,
  signTx,
  type TransferPayload,
  type TxDraft,
  txRoot,
  type ValidatorSet,
  validatorSetHash,
} from "../src/index.js";

export const CHAIN = "tandem:acme";
export const HOME_CHAIN = "tandem:home-7f3a";

/** 32 bytes derived from a label: SHA-256("tandem/test/" ‖ label). */
export function seed(label: string): Uint8Array {
  return sha256(utf8ToBytes(`tandem/test/${label}`));
}

/** `n` bytes filled with `byte`. */
export function filled(n: number, byte: number): Uint8Array {
  return new Uint8Array(n).fill(byte);
}

export const SIGNERS = { ed25519, secp256k1, sm2 } as const;

export function keyPair(
  scheme: SignableTxScheme,
  label = "alice",
): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return SIGNERS[scheme].keygen(seed(`${scheme}/${label}`));
}

export function transferDraft(overrides: Partial<TxDraft<TransferPayload>> = {}): TxDraft<TransferPayload> {
  return {
    chainId: CHAIN,
    kind: "transfer",
    nonce: 7,
    expiryHeight: 1000,
    payload: {
      to: seed("bob").slice(0, 20),
      amount: 1_500_000_000_000_000_000n,
      denom: "tandem:acme/native:credit",
      memo: "invoice 42 ✓",
    },
    ...overrides,
  };
}

export function signedTransfer(
  scheme: SignableTxScheme,
  opts: { hash?: HashFn; draft?: Partial<TxDraft<TransferPayload>> } = {},
): SignedTx<TransferPayload> {
  const { secretKey } = keyPair(scheme);
  return signTx(
    transferDraft(opts.draft),
    secretKey,
    scheme,
    opts.hash === undefined ? {} : { hash: opts.hash },
  );
}

/** BLS validators from fixed IKMs (requires `await initBls()`). */
export function blsValidators(n: number): { set: ValidatorSet; secretKeys: Map<string, Uint8Array> } {
  const secretKeys = new Map<string, Uint8Array>();
  const vals = [];
  for (let i = 0; i < n; i++) {
    const { secretKey, publicKey } = bls.keygen(seed(`bls/${i}`));
    const address = seed(`validator/${i}`).slice(0, 20);
    secretKeys.set(hexOf(publicKey), secretKey);
    vals.push({ address, publicKey, power: BigInt(10 + i) });
  }
  return { set: createValidatorSet(vals), secretKeys };
}

export function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, "hex"));
}

export function sampleHeader(set: ValidatorSet, hash: HashFn, txs: Uint8Array[], height = 2): BlockHeader {
  return {
    chainId: CHAIN,
    height,
    time: 1_764_000_000_000,
    previousHash: height === 1 ? new Uint8Array(32) : seed("previous-header"),
    lastCommitHash: new Uint8Array(32),
    txRoot: txRoot(txs, hash),
    resultsRoot: resultsRoot(
      txs.map(() => ({ code: "OK", data: new Uint8Array(0) })),
      hash,
    ),
    stateRoot: seed("state-root"),
    validatorsHash: validatorSetHash(set, hash),
    nextValidatorsHash: validatorSetHash(set, hash),
    proposer: set.validators[0]!.address,
  };
}

/** A commit over `blockHash` signed by the validators at `indices` (requires `await initBls()`). */
export function signCommit(
  set: ValidatorSet,
  secretKeys: Map<string, Uint8Array>,
  indices: number[],
  c: { height: number; round: number; blockHash: Uint8Array },
  chainId = CHAIN,
  hash: HashFn = sha256,
): Commit {
  const partial: Commit = {
    ...c,
    signers: signerBitmap(set.validators.length, indices),
    signature: new Uint8Array(96),
  };
  const msg = commitSignBytes(chainId, partial, hash);
  const sigs = indices.map((i) => bls.sign(msg, secretKeys.get(hexOf(set.validators[i]!.publicKey))!));
  return { ...partial, signature: bls.aggregateSignatures(sigs) };
}

/** A height-2 block with two txs and the height-1 commit, consistent under `validateBlock`. */
export function sampleBlock(
  set: ValidatorSet,
  secretKeys: Map<string, Uint8Array>,
  txs: Uint8Array[],
  hash: HashFn = sha256,
): { block: Block; commit: Commit } {
  const genesis = sampleHeader(set, hash, [], 1);
  const genesisHash = headerHash(genesis, hash);
  const lastCommit = signCommit(
    set,
    secretKeys,
    set.validators.map((_, i) => i),
    { height: 1, round: 0, blockHash: genesisHash },
    CHAIN,
    hash,
  );
  const header: BlockHeader = {
    ...sampleHeader(set, hash, txs, 2),
    previousHash: genesisHash,
    lastCommitHash: commitHash(lastCommit, hash),
  };
  const commit = signCommit(
    set,
    secretKeys,
    [0, 1, 2],
    { height: 2, round: 1, blockHash: headerHash(header, hash) },
    CHAIN,
    hash,
  );
  return { block: { header, txs, lastCommit }, commit };
}
