/**
 * Signing and verification ports of consensus, and their BLS12-381 implementation (@tandem/crypto).
 * Consensus never touches key material or curve code directly: the engine signs through a
 * {@link VoteSigner} and checks through a {@link VoteVerifier}. The deterministic simulator plugs a
 * cheap test scheme in behind the same ports (src/testing/test-signer.ts).
 */
import { type BlsPublicKeyInput, bls, bytesToHex, initBls, type PreparedPublicKey } from "@tandem/crypto";

/** Holds one validator key; signs sign-bytes (votes and proposals). May be remote (async). */
export interface VoteSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * Checks signatures and aggregates. `verify*` return false (never throw) for any bad signature, key or
 * length. Keys passed to `verifyAggregate` must have had their proof of possession checked when the
 * validator joined (rogue-key attack on same-message aggregation).
 */
export interface VoteVerifier {
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** One signature from many over the same message; throws RangeError on an empty list or a bad signature. */
  aggregate(signatures: readonly Uint8Array[]): Uint8Array;
  verifyAggregate(signature: Uint8Array, message: Uint8Array, publicKeys: readonly Uint8Array[]): boolean;
  /**
   * Optional off-thread twins of `verify` / `verifyAggregate` with the same verdicts: the consensus
   * engine and proposal validation use them when present, so pairings do not hold the node's thread.
   */
  verifyAsync?(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean>;
  /**
   * Optional: many signatures over one message checked together (cheaper than one by one). True only
   * if every one would pass `verify`; false means some may not, and the caller checks them singly.
   */
  verifyBatch?(
    message: Uint8Array,
    signatures: readonly Uint8Array[],
    publicKeys: readonly Uint8Array[],
  ): boolean;
  verifyAggregateAsync?(
    signature: Uint8Array,
    message: Uint8Array,
    publicKeys: readonly Uint8Array[],
  ): Promise<boolean>;
}

/** BLS12-381 (min-pk, proof-of-possession ciphersuite) validator key. */
export class BlsVoteSigner implements VoteSigner {
  private constructor(
    private readonly secretKey: Uint8Array,
    readonly publicKey: Uint8Array,
  ) {}

  /** Initialises BLS once per process, then derives the public key. */
  static async create(secretKey: Uint8Array): Promise<BlsVoteSigner> {
    await initBls();
    const sk = Uint8Array.from(secretKey);
    return new BlsVoteSigner(sk, bls.getPublicKey(sk));
  }

  sign(message: Uint8Array): Uint8Array {
    return bls.sign(message, this.secretKey);
  }
}

/** BLS12-381 verifier; decoded public keys are cached (decoding checks the subgroup, which costs). */
export class BlsVoteVerifier implements VoteVerifier {
  private readonly prepared = new Map<string, PreparedPublicKey | null>();

  private constructor(private readonly maxCachedKeys: number) {}

  static async create(opts: { maxCachedKeys?: number } = {}): Promise<BlsVoteVerifier> {
    await initBls();
    return new BlsVoteVerifier(opts.maxCachedKeys ?? 4096);
  }

  private key(publicKey: Uint8Array): BlsPublicKeyInput | undefined {
    if (!(publicKey instanceof Uint8Array)) return undefined;
    const k = bytesToHex(publicKey);
    let p = this.prepared.get(k);
    if (p === undefined) {
      try {
        p = bls.preparePublicKey(publicKey);
      } catch {
        p = null;
      }
      if (this.prepared.size >= this.maxCachedKeys) this.prepared.clear();
      this.prepared.set(k, p);
    }
    return p ?? undefined;
  }

  /** `check` over every key decoded (cached); false if a key is invalid or the check throws. */
  private withKeys(
    publicKeys: readonly Uint8Array[],
    check: (pks: readonly BlsPublicKeyInput[]) => boolean,
  ): boolean {
    const pks: BlsPublicKeyInput[] = [];
    for (const pk of publicKeys) {
      const p = this.key(pk);
      if (p === undefined) return false;
      pks.push(p);
    }
    try {
      return check(pks);
    } catch {
      return false;
    }
  }

  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
    const pk = this.key(publicKey);
    if (pk === undefined) return false;
    try {
      return bls.verify(signature, message, pk);
    } catch {
      return false;
    }
  }

  verifyBatch(
    message: Uint8Array,
    signatures: readonly Uint8Array[],
    publicKeys: readonly Uint8Array[],
  ): boolean {
    if (!(message instanceof Uint8Array) || !Array.isArray(signatures) || !Array.isArray(publicKeys))
      return false;
    if (signatures.length === 0 || signatures.length !== publicKeys.length) return false;
    return this.withKeys(publicKeys, (pks) => bls.verifyBatch(message, signatures, pks));
  }

  aggregate(signatures: readonly Uint8Array[]): Uint8Array {
    return bls.aggregateSignatures(signatures);
  }

  verifyAggregate(signature: Uint8Array, message: Uint8Array, publicKeys: readonly Uint8Array[]): boolean {
    if (!(signature instanceof Uint8Array) || !(message instanceof Uint8Array)) return false;
    if (!Array.isArray(publicKeys) || publicKeys.length === 0) return false;
    return this.withKeys(publicKeys, (pks) => bls.fastAggregateVerify(signature, message, pks));
  }
}
