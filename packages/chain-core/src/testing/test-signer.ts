/**
 * A cheap, deterministic stand-in for BLS behind the same {@link VoteSigner}/{@link VoteVerifier} ports,
 * for the simulator's hundreds of seeds (a BLS verify costs ~9 ms here). NOT a signature scheme: the
 * "signature" is three SHA-256 blocks of (counter ‖ tag ‖ publicKey ‖ message), which anyone can
 * compute, and the aggregate is the XOR of the signatures. Sizes match BLS12-381 (48-byte keys,
 * 96-byte signatures) so commits encode like real ones. It detects corrupted or misattributed
 * signatures, which is all the simulator needs (its Byzantine nodes sign only with their own key).
 * Never use it outside tests.
 */
import { concatBytes, equalBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import type { VoteSigner, VoteVerifier } from "../consensus/signer.js";

const TAG = utf8ToBytes("tandem/test-signature/v1");
const KEY_TAG = utf8ToBytes("tandem/test-key/v1");
const SIG_LENGTH = 96;

function expected(publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const body = concatBytes(TAG, publicKey, message);
  return concatBytes(
    sha256(concatBytes(Uint8Array.of(1), body)),
    sha256(concatBytes(Uint8Array.of(2), body)),
    sha256(concatBytes(Uint8Array.of(3), body)),
  );
}

export class TestVoteSigner implements VoteSigner {
  readonly publicKey: Uint8Array;

  /** A key derived from any label (e.g. the node name); 48-byte public key. */
  constructor(label: string) {
    const seed = sha256(concatBytes(KEY_TAG, utf8ToBytes(label)));
    this.publicKey = concatBytes(seed, sha256(seed).subarray(0, 16));
  }

  sign(message: Uint8Array): Uint8Array {
    return expected(this.publicKey, message);
  }
}

function xorInto(acc: Uint8Array, x: Uint8Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) ^ (x[i] ?? 0);
}

export const testVoteVerifier: VoteVerifier = {
  verify(signature, message, publicKey) {
    if (!(signature instanceof Uint8Array) || signature.length !== SIG_LENGTH) return false;
    return equalBytes(signature, expected(publicKey, message));
  },
  aggregate(signatures) {
    if (signatures.length === 0) throw new RangeError("aggregate: empty list");
    const acc = new Uint8Array(SIG_LENGTH);
    for (const s of signatures) {
      if (!(s instanceof Uint8Array) || s.length !== SIG_LENGTH)
        throw new RangeError("aggregate: bad signature");
      xorInto(acc, s);
    }
    return acc;
  },
  verifyAggregate(signature, message, publicKeys) {
    if (!(signature instanceof Uint8Array) || signature.length !== SIG_LENGTH || publicKeys.length === 0)
      return false;
    const acc = new Uint8Array(SIG_LENGTH);
    for (const pk of publicKeys) xorInto(acc, expected(pk, message));
    return equalBytes(acc, signature);
  },
};
