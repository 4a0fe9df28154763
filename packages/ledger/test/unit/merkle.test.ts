import { sha256, sm3 } from "@tandem/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assertMerkleProof,
  auditPathLength,
  decodeMerkleProof,
  encodeMerkleProof,
  LedgerError,
  LedgerErrorCode,
  MerkleTree,
  merkleEmptyRoot,
  merkleInnerHash,
  merkleLeafHash,
  merkleProof,
  merkleRoot,
  merkleRootFromLeafHashes,
  verifyMerkleProof,
} from "../../src/index.js";
import { fromHex, hexOf } from "../fixtures.js";

// Known answers: the RFC 6962 reference data of Certificate Transparency
// (google/certificate-transparency, merkle_tree_test): leaves, roots of sizes 0..8, audit paths.
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(fromHex);
const CT_ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const CT_PATHS = [
  {
    index: 0,
    size: 8,
    path: [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  },
];

/** RFC 6962 §2.1 MTH, written recursively as in the RFC, as the reference for the fast root. */
function referenceRoot(leaves: Uint8Array[], hash = sha256): Uint8Array {
  if (leaves.length === 0) return hash(new Uint8Array(0));
  if (leaves.length === 1) return merkleLeafHash(leaves[0]!, hash);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return merkleInnerHash(referenceRoot(leaves.slice(0, k), hash), referenceRoot(leaves.slice(k), hash), hash);
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), recursive reference. */
function referencePath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  if (m < k) return [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))];
  return [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

describe("RFC 6962 Merkle tree: known answers", () => {
  it("matches the Certificate Transparency roots for sizes 0..8", () => {
    expect(hexOf(merkleEmptyRoot())).toBe(CT_ROOTS[0]);
    for (let n = 0; n <= 8; n++) {
      expect(hexOf(merkleRoot(CT_LEAVES.slice(0, n))), `size ${n}`).toBe(CT_ROOTS[n]);
      expect(hexOf(MerkleTree.from(CT_LEAVES.slice(0, n)).root)).toBe(CT_ROOTS[n]);
    }
  });

  it("produces the Certificate Transparency audit paths and verifies them", () => {
    for (const v of CT_PATHS) {
      const proof = merkleProof(CT_LEAVES, v.index);
      expect(proof.path.map(hexOf)).toEqual(v.path);
      expect(verifyMerkleProof(fromHex(CT_ROOTS[v.size]!), CT_LEAVES[v.index]!, proof)).toBe(true);
    }
  });
});

describe("RFC 6962 Merkle tree: properties", () => {
  const leavesArb = fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 0, maxLength: 70 });

  it("the level-by-level root equals the recursive RFC 6962 definition", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        expect(hexOf(merkleRoot(leaves))).toBe(hexOf(referenceRoot(leaves)));
      }),
      { numRuns: 200 },
    );
  });

  it("the root from precomputed leaf hashes equals the root of the leaves", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const hashes = leaves.map((l) => merkleLeafHash(l));
        expect(hexOf(merkleRootFromLeafHashes(hashes))).toBe(hexOf(merkleRoot(leaves)));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a precomputed leaf hash that is not 32 bytes", () => {
    expect(() => merkleRootFromLeafHashes([new Uint8Array(31)])).toThrow(
      expect.objectContaining({ code: "PROOF_INVALID" }),
    );
  });

  it("every audit path equals RFC 6962 PATH and verifies, in every tree size up to 40", () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => new Uint8Array([i, n]));
      const tree = MerkleTree.from(leaves);
      for (let i = 0; i < n; i++) {
        const proof = tree.prove(i);
        expect(proof.path.map(hexOf)).toEqual(referencePath(i, leaves).map(hexOf));
        expect(proof.path.length).toBe(auditPathLength(i, n));
        expect(verifyMerkleProof(tree.root, leaves[i]!, proof)).toBe(true);
        // The same proof does not prove another leaf or another index.
        expect(verifyMerkleProof(tree.root, new Uint8Array([255]), proof)).toBe(false);
        if (n > 1) {
          expect(verifyMerkleProof(tree.root, leaves[i]!, { ...proof, leafIndex: (i + 1) % n })).toBe(false);
        }
      }
    }
  });

  it("round-trips proofs through the canonical encoding", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), (n, i) => {
        const leaves = Array.from({ length: n }, (_, k) => new Uint8Array([k & 255, k >> 8]));
        const proof = merkleProof(leaves, i % n);
        const bytes = encodeMerkleProof(proof);
        expect(bytes.length).toBe(16 + 32 * proof.path.length);
        const back = decodeMerkleProof(bytes);
        expect(back).toEqual(proof);
        expect(encodeMerkleProof(back)).toEqual(bytes);
      }),
      { numRuns: 100 },
    );
  });

  it("works with the SM3 suite and gives different roots than SHA-256", () => {
    const leaves = CT_LEAVES.slice(0, 5);
    const root = merkleRoot(leaves, sm3);
    expect(hexOf(root)).toBe(hexOf(referenceRoot(leaves, sm3)));
    expect(hexOf(root)).not.toBe(CT_ROOTS[5]);
    const proof = merkleProof(leaves, 3, sm3);
    expect(verifyMerkleProof(root, leaves[3]!, proof, sm3)).toBe(true);
    expect(verifyMerkleProof(root, leaves[3]!, proof, sha256)).toBe(false);
  });
});

describe("RFC 6962 Merkle tree: rejections", () => {
  const leaves = CT_LEAVES;
  const root = fromHex(CT_ROOTS[8]!);
  const proof = merkleProof(leaves, 5);

  it("rejects tampered, truncated and extended paths", () => {
    const flipped = proof.path.map((p) => p.slice());
    flipped[1]![0]! ^= 1;
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, path: flipped })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, path: proof.path.slice(0, -1) })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, path: [...proof.path, new Uint8Array(32)] })).toBe(
      false,
    );
    expect(
      verifyMerkleProof(root, leaves[5]!, {
        ...proof,
        path: [proof.path[1]!, proof.path[0]!, proof.path[2]!],
      }),
    ).toBe(false);
  });

  it("rejects bad index, size, hash lengths and non-proofs without throwing", () => {
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, leafIndex: 8 })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, leafIndex: -1 })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, treeSize: 0 })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, treeSize: 9 })).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, leafIndex: 0.5 })).toBe(false);
    expect(verifyMerkleProof(root.subarray(0, 31), leaves[5]!, proof)).toBe(false);
    expect(
      verifyMerkleProof(root, leaves[5]!, { ...proof, path: [new Uint8Array(31), ...proof.path.slice(1)] }),
    ).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, null as never)).toBe(false);
    expect(verifyMerkleProof(root, leaves[5]!, { ...proof, path: "x" as never })).toBe(false);
  });

  it("throws PROOF_INVALID from assertMerkleProof", () => {
    expect(code(() => assertMerkleProof(root, leaves[4]!, proof))).toBe(LedgerErrorCode.PROOF_INVALID);
    expect(() => assertMerkleProof(root, leaves[5]!, proof)).not.toThrow();
  });

  it("rejects a proof request for a leaf outside the tree", () => {
    expect(code(() => MerkleTree.from(leaves).prove(8))).toBe(LedgerErrorCode.PROOF_INVALID);
    expect(code(() => MerkleTree.from([]).prove(0))).toBe(LedgerErrorCode.PROOF_INVALID);
  });

  it("decodes only canonical proof bytes", () => {
    const bytes = encodeMerkleProof(proof);
    expect(code(() => decodeMerkleProof(bytes.subarray(0, bytes.length - 1)))).toBe(
      LedgerErrorCode.DECODE_TRUNCATED,
    );
    expect(code(() => decodeMerkleProof(new Uint8Array([...bytes, 0])))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );
    const sizeZero = bytes.slice();
    sizeZero.fill(0, 8, 16);
    expect(code(() => decodeMerkleProof(sizeZero))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    const indexPastSize = bytes.slice();
    indexPastSize[7] = 8;
    expect(code(() => decodeMerkleProof(indexPastSize))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    const huge = bytes.slice();
    huge[8] = 0xff;
    expect(code(() => decodeMerkleProof(huge))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("refuses to encode a proof whose path does not fit its index and size", () => {
    expect(code(() => encodeMerkleProof({ ...proof, path: proof.path.slice(1) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
    expect(code(() => encodeMerkleProof({ ...proof, leafIndex: 9 }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
  });
});
