/**
 * Golden encodings (test/vectors/golden.json, generated once by test/vectors/make-golden.ts from fixed
 * seeds). Each vector is decoded, re-encoded and compared byte for byte, its hash recomputed, signatures
 * and proofs verified; the deterministic ones are also rebuilt from the seeds and must match exactly.
 */
import { readFileSync } from "node:fs";
import { bytesToHex, hexToBytes, initBls, sha256, sm3 } from "@tandem/crypto";
import { beforeAll, describe, expect, it } from "vitest";
import {
  accountAddress,
  checkCommit,
  commitSignBytes,
  decodeBlock,
  decodeCommit,
  decodeHeader,
  decodeMerkleProof,
  decodeSmtProof,
  decodeTx,
  decodeTxResult,
  decodeValidatorSet,
  decodeVote,
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
  txHash,
  txSignBytes,
  validateBlock,
  validatorSetHash,
  verifyMerkleProof,
  verifySmtProof,
  verifyTxSignature,
  voteSignBytes,
} from "../../src/index.js";
import { blsValidators, CHAIN } from "../fixtures.js";
import { buildGolden, type GoldenFile, type GoldenVector } from "../vectors/make-golden.js";

const golden = JSON.parse(
  readFileSync(new URL("../vectors/golden.json", import.meta.url), "utf8"),
) as GoldenFile;
const hashOf = (v: GoldenVector) => (v.suite === "sm3" ? sm3 : sha256);

function roundTrip<T>(v: GoldenVector, decode: (b: Uint8Array) => T, encode: (x: T) => Uint8Array): T {
  const decoded = decode(hexToBytes(v.hex));
  expect(bytesToHex(encode(decoded))).toBe(v.hex);
  return decoded;
}

describe("golden vectors", () => {
  let rebuilt: GoldenFile;
  beforeAll(async () => {
    await initBls();
    rebuilt = buildGolden();
  });

  it("cover every structure and both hash suites", () => {
    const kinds = new Set(Object.values(golden.vectors).map((v) => v.kind));
    expect([...kinds].sort()).toEqual(
      [
        "block",
        "commit",
        "header",
        "merkleProof",
        "smtProof",
        "tx",
        "txResult",
        "validatorSet",
        "vote",
      ].sort(),
    );
    expect(Object.keys(golden.vectors)).toEqual(
      expect.arrayContaining([
        "tx/transfer/ed25519",
        "tx/transfer/secp256k1",
        "tx/transfer/sm2",
        "smtProof/membership/sha256",
        "smtProof/non-membership/sha256",
        "smtProof/non-membership-empty/sha256",
      ]),
    );
    expect(new Set(Object.values(golden.vectors).map((v) => v.suite))).toEqual(new Set(["sha256", "sm3"]));
  });

  it("rebuild byte for byte from the fixed seeds (deterministic vectors)", () => {
    for (const [name, v] of Object.entries(golden.vectors)) {
      const r = rebuilt.vectors[name];
      expect(r, name).toBeDefined();
      if (v.deterministic) {
        expect(r!.hex, name).toBe(v.hex);
        expect(r!.hash, name).toBe(v.hash);
      } else {
        expect(r!.unsignedHex, name).toBe(v.unsignedHex);
        expect(r!.signBytes, name).toBe(v.signBytes);
      }
    }
  });

  for (const [name, v] of Object.entries(golden.vectors)) {
    it(`${name}: decodes, re-encodes to the same bytes and hashes to the pinned value`, () => {
      const hash = hashOf(v);
      switch (v.kind) {
        case "tx": {
          const tx = roundTrip(
            v,
            (b) => decodeTx(b),
            (x) => encodeTx(x),
          );
          expect(bytesToHex(txHash(tx, { hash }))).toBe(v.hash);
          expect(bytesToHex(txHash(hexToBytes(v.hex), { hash }))).toBe(v.hash);
          expect(bytesToHex(encodeUnsignedTx(tx))).toBe(v.unsignedHex);
          expect(bytesToHex(txSignBytes(tx, { hash }))).toBe(v.signBytes);
          expect(formatTandemAccountId(CHAIN, accountAddress(tx.scheme, tx.sender, hash))).toBe(
            v.senderAccount,
          );
          expect(verifyTxSignature(tx, { hash })).toBe(true);
          break;
        }
        case "header": {
          const h = roundTrip(v, decodeHeader, encodeHeader);
          expect(bytesToHex(headerHash(h, hash))).toBe(v.hash);
          break;
        }
        case "commit": {
          const c = roundTrip(
            v,
            (b) => decodeCommit(b, { validatorCount: v.validatorCount as number }),
            encodeCommit,
          );
          expect(bytesToHex(hash(encodeCommit(c)))).toBe(v.hash);
          expect(bytesToHex(commitSignBytes(CHAIN, c, hash))).toBe(v.signBytes);
          const { set } = blsValidators(4);
          expect(checkCommit(c, set, { chainId: CHAIN, hash }).ok).toBe(true);
          break;
        }
        case "block": {
          const b = roundTrip(v, decodeBlock, encodeBlock);
          expect(bytesToHex(headerHash(b.header, hash))).toBe(v.hash);
          validateBlock(b, hash);
          for (const tx of b.txs) expect(verifyTxSignature(decodeTx(tx), { hash })).toBe(true);
          break;
        }
        case "validatorSet": {
          const s = roundTrip(v, decodeValidatorSet, encodeValidatorSet);
          expect(bytesToHex(validatorSetHash(s, hash))).toBe(v.hash);
          break;
        }
        case "vote": {
          const vote = roundTrip(v, decodeVote, encodeVote);
          expect(bytesToHex(voteSignBytes(CHAIN, vote, hash))).toBe(v.hash);
          break;
        }
        case "txResult": {
          roundTrip(v, decodeTxResult, encodeTxResult);
          expect(bytesToHex(hash(hexToBytes(v.hex)))).toBe(v.hash);
          break;
        }
        case "merkleProof": {
          const p = roundTrip(v, decodeMerkleProof, encodeMerkleProof);
          expect(verifyMerkleProof(hexToBytes(v.hash), hexToBytes(v.leafHex as string), p, hash)).toBe(true);
          break;
        }
        case "smtProof": {
          const p = roundTrip(v, decodeSmtProof, encodeSmtProof);
          const value = v.valueHex === null ? null : hexToBytes(v.valueHex as string);
          expect(verifySmtProof(hexToBytes(v.hash), hexToBytes(v.keyHex as string), value, p, hash)).toBe(
            true,
          );
          if (name.includes("non-membership-empty")) expect(p.leaf).toBeNull();
          if (name.startsWith("smtProof/non-membership/")) expect(p.leaf).not.toBeNull();
          break;
        }
      }
    });
  }
});
