/**
 * RFC 6962 / RFC 9162 Merkle trees (tx roots, result roots, validator-set hashes).
 *
 * - leaf hash  = H(0x00 ‖ leaf bytes)
 * - inner hash = H(0x01 ‖ left ‖ right)
 * - MTH of n > 1 leaves splits at k, the largest power of two < n; the empty tree's root is H("").
 *
 * The root is computed level by level (adjacent pairs hashed, an odd last node promoted unchanged), which
 * is the same tree as the recursive RFC 6962 definition. Inclusion proofs are the RFC 6962 audit paths
 * (leaf to root) and are verified with the RFC 9162 §2.1.3.2 algorithm, which also requires the path to
 * have exactly the length the (index, size) pair implies.
 *
 * Canonical proof encoding: u64 leafIndex ‖ u64 treeSize ‖ the audit path's 32-byte hashes, their number
 * implied by (leafIndex, treeSize); 1 ≤ treeSize ≤ 2^53 − 1, leafIndex < treeSize.
 */
import { decodeExact, type Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { bytesEqual, defaultHash, HASH_LENGTH, type HashFn, isZeroHash } from "./hash-suite.js";

/** An RFC 6962 inclusion proof: the audit path from the leaf up to the root. */
export interface MerkleProof {
  leafIndex: number;
  treeSize: number;
  /** Sibling hashes, leaf level first. */
  path: Uint8Array[];
}

const EMPTY = new Uint8Array(0);

/** Reused preimage buffer for leaves up to 2 KiB (txs): no allocation per leaf hash. */
const LEAF_SCRATCH = new Uint8Array(2049);

/** H(0x00 ‖ leaf). */
export function merkleLeafHash(leaf: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  if (leaf.length < LEAF_SCRATCH.length) {
    // Hash functions return a new array and never keep their input, so the buffer can be reused.
    const s = LEAF_SCRATCH;
    s[0] = 0;
    s.set(leaf, 1);
    return hash(s.subarray(0, leaf.length + 1));
  }
  const buf = new Uint8Array(leaf.length + 1);
  buf.set(leaf, 1);
  return hash(buf);
}

/** H(0x01 ‖ left ‖ right). */
export function merkleInnerHash(left: Uint8Array, right: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LENGTH);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_LENGTH);
  return hash(buf);
}

/** The root of the empty tree: H(""). */
export function merkleEmptyRoot(hash: HashFn = defaultHash): Uint8Array {
  return hash(EMPTY);
}

/** Leaf hashes of `leaves`, reusing one prefix buffer (no allocation per leaf beyond the digest). */
function leafHashes(leaves: readonly Uint8Array[], hash: HashFn): Uint8Array[] {
  let max = 0;
  for (const leaf of leaves) {
    if (!(leaf instanceof Uint8Array)) throw new TypeError("merkle leaf: expected Uint8Array");
    if (leaf.length > max) max = leaf.length;
  }
  const scratch = new Uint8Array(max + 1);
  const out = new Array<Uint8Array>(leaves.length);
  // Leaves of one tree usually share a length: reuse the view instead of making one per leaf.
  let view = scratch;
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i] as Uint8Array;
    scratch.set(leaf, 1);
    if (view.length !== leaf.length + 1) view = scratch.subarray(0, leaf.length + 1);
    out[i] = hash(view);
  }
  return out;
}

/** One level up: adjacent pairs hashed in a shared 65-byte scratch, an odd last node promoted. */
function nextLevel(level: readonly Uint8Array[], scratch: Uint8Array, hash: HashFn): Uint8Array[] {
  const n = level.length;
  const out = new Array<Uint8Array>((n + 1) >>> 1);
  let j = 0;
  for (let i = 0; i + 1 < n; i += 2) {
    scratch.set(level[i] as Uint8Array, 1);
    scratch.set(level[i + 1] as Uint8Array, 1 + HASH_LENGTH);
    out[j++] = hash(scratch);
  }
  if (n % 2 === 1) out[j] = level[n - 1] as Uint8Array;
  return out;
}

function innerScratch(): Uint8Array {
  const s = new Uint8Array(1 + 2 * HASH_LENGTH);
  s[0] = 1;
  return s;
}

/** The RFC 6962 root of `leaves` (raw leaf bytes, e.g. canonical tx encodings). */
export function merkleRoot(leaves: readonly Uint8Array[], hash: HashFn = defaultHash): Uint8Array {
  if (leaves.length === 0) return hash(EMPTY);
  return rootOfLeafHashes(leafHashes(leaves, hash), hash);
}

/**
 * The RFC 6962 root from leaf hashes already computed (each H(0x00 ‖ leaf), e.g. tx hashes, which are
 * defined that way): only the inner nodes are hashed. Same root as {@link merkleRoot} of the leaves.
 */
export function merkleRootFromLeafHashes(
  leafHashes: readonly Uint8Array[],
  hash: HashFn = defaultHash,
): Uint8Array {
  if (leafHashes.length === 0) return hash(EMPTY);
  for (let i = 0; i < leafHashes.length; i++) {
    const h = leafHashes[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_LENGTH) {
      throw new LedgerError(LedgerErrorCode.PROOF_INVALID, "leaf hash must be 32 bytes", { index: i });
    }
  }
  return rootOfLeafHashes(leafHashes, hash);
}

function rootOfLeafHashes(leafHashes: readonly Uint8Array[], hash: HashFn): Uint8Array {
  let level = leafHashes;
  const scratch = innerScratch();
  while (level.length > 1) level = nextLevel(level, scratch, hash);
  return level[0] as Uint8Array;
}

/** Number of hashes in the audit path of leaf `index` in a tree of `size` leaves (RFC 9162 walk). */
export function auditPathLength(index: number, size: number): number {
  let fn = index;
  let sn = size - 1;
  let len = 0;
  while (sn > 0) {
    if (fn % 2 === 0 && fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
    len++;
  }
  return len;
}

/** A Merkle tree kept in memory with all its levels, to answer many inclusion proofs. */
export class MerkleTree {
  /** Level 0 = leaf hashes; the last level holds the root alone. */
  private readonly levels: Uint8Array[][];
  readonly size: number;
  readonly root: Uint8Array;

  private constructor(levels: Uint8Array[][], root: Uint8Array) {
    this.levels = levels;
    this.size = levels[0]?.length ?? 0;
    this.root = root;
  }

  /** Builds the tree of `leaves` (raw leaf bytes). */
  static from(leaves: readonly Uint8Array[], hash: HashFn = defaultHash): MerkleTree {
    if (leaves.length === 0) return new MerkleTree([[]], hash(EMPTY));
    const levels: Uint8Array[][] = [leafHashes(leaves, hash)];
    const scratch = innerScratch();
    let level = levels[0] as Uint8Array[];
    while (level.length > 1) {
      level = nextLevel(level, scratch, hash);
      levels.push(level);
    }
    return new MerkleTree(levels, level[0] as Uint8Array);
  }

  /** The inclusion proof of leaf `index`; PROOF_INVALID when the index is out of range. */
  prove(index: number): MerkleProof {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new LedgerError(LedgerErrorCode.PROOF_INVALID, "leaf index out of range", {
        index,
        size: this.size,
      });
    }
    const path: Uint8Array[] = [];
    let idx = index;
    for (let l = 0; l < this.levels.length - 1; l++) {
      const level = this.levels[l] as Uint8Array[];
      const sib = idx ^ 1;
      if (sib < level.length) path.push(level[sib] as Uint8Array);
      idx >>>= 1;
    }
    return { leafIndex: index, treeSize: this.size, path };
  }
}

/** The inclusion proof of leaf `index` among `leaves`. */
export function merkleProof(
  leaves: readonly Uint8Array[],
  index: number,
  hash: HashFn = defaultHash,
): MerkleProof {
  return MerkleTree.from(leaves, hash).prove(index);
}

/** The root an audit path leads to from `leafHash`, or undefined when the path does not fit (index, size). */
export function merkleRootFromProof(
  leafHash: Uint8Array,
  proof: MerkleProof,
  hash: HashFn = defaultHash,
): Uint8Array | undefined {
  const { leafIndex, treeSize, path } = proof;
  if (!Number.isSafeInteger(treeSize) || !Number.isSafeInteger(leafIndex)) return undefined;
  if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize) return undefined;
  if (!Array.isArray(path) || path.length !== auditPathLength(leafIndex, treeSize)) return undefined;
  const scratch = innerScratch();
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of path) {
    if (!(p instanceof Uint8Array) || p.length !== HASH_LENGTH) return undefined;
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      scratch.set(p, 1);
      scratch.set(r, 1 + HASH_LENGTH);
      r = hash(scratch);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      scratch.set(r, 1);
      scratch.set(p, 1 + HASH_LENGTH);
      r = hash(scratch);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/**
 * True when `proof` shows `leaf` (raw bytes) at `proof.leafIndex` of the tree with `root`.
 * A zero root or a root that is not 32 bytes proves nothing.
 */
export function verifyMerkleProof(
  root: Uint8Array,
  leaf: Uint8Array,
  proof: MerkleProof,
  hash: HashFn = defaultHash,
): boolean {
  if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH || isZeroHash(root)) return false;
  if (!(leaf instanceof Uint8Array) || typeof proof !== "object" || proof === null) return false;
  const computed = merkleRootFromProof(merkleLeafHash(leaf, hash), proof, hash);
  return computed !== undefined && !isZeroHash(computed) && bytesEqual(computed, root);
}

/** Like {@link verifyMerkleProof} but throws PROOF_INVALID instead of returning false. */
export function assertMerkleProof(
  root: Uint8Array,
  leaf: Uint8Array,
  proof: MerkleProof,
  hash: HashFn = defaultHash,
): void {
  if (!verifyMerkleProof(root, leaf, proof, hash)) {
    throw new LedgerError(LedgerErrorCode.PROOF_INVALID, "Merkle inclusion proof does not verify", {
      leafIndex: proof?.leafIndex,
      treeSize: proof?.treeSize,
    });
  }
}

/** Writes the canonical encoding of a Merkle proof. */
export function writeMerkleProof(w: Writer, proof: MerkleProof): void {
  const { leafIndex, treeSize, path } = proof;
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || !Number.isSafeInteger(leafIndex) || leafIndex < 0) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "Merkle proof: bad index or size", {
      leafIndex: String(leafIndex),
      treeSize: String(treeSize),
    });
  }
  if (leafIndex >= treeSize || path.length !== auditPathLength(leafIndex, treeSize)) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "Merkle proof: path length does not fit", {
      leafIndex,
      treeSize,
      pathLength: path.length,
    });
  }
  w.u64(leafIndex).u64(treeSize);
  for (const p of path) w.fixed(p, HASH_LENGTH, "path");
}

/** Reads a canonical Merkle proof. */
export function readMerkleProof(r: Reader): MerkleProof {
  const at = r.offset;
  const leafIndex = r.u64("leafIndex");
  const treeSize = r.u64("treeSize");
  if (treeSize < 1 || leafIndex >= treeSize) {
    throw new LedgerError(
      LedgerErrorCode.DECODE_OUT_OF_RANGE,
      "Merkle proof: leafIndex must be < treeSize ≥ 1",
      {
        offset: at,
        leafIndex,
        treeSize,
      },
    );
  }
  const n = auditPathLength(leafIndex, treeSize);
  if (n * HASH_LENGTH > r.remaining) {
    throw new LedgerError(LedgerErrorCode.DECODE_TRUNCATED, "Merkle proof: path truncated", {
      offset: r.offset,
      need: n * HASH_LENGTH,
    });
  }
  const path = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) path[i] = r.fixed(HASH_LENGTH, "path");
  return { leafIndex, treeSize, path };
}

/** Canonical bytes of a Merkle proof. */
export function encodeMerkleProof(proof: MerkleProof): Uint8Array {
  const w = new Writer(16 + proof.path.length * HASH_LENGTH);
  writeMerkleProof(w, proof);
  return w.finish();
}

/** Decodes canonical Merkle-proof bytes (trailing bytes, bad sizes and truncation are coded errors). */
export function decodeMerkleProof(bytes: Uint8Array): MerkleProof {
  return decodeExact(bytes, readMerkleProof, "MerkleProof");
}
