/**
 * Sparse Merkle tree over 256-bit keys: the chain state commitment.
 *
 * Design (binary "compact SMT", the binary form of Diem's Jellyfish Merkle tree):
 * - Keys are 32 bytes and are used as given; callers pass `smtKey(rawKey)` = H(rawKey) so keys are
 *   uniformly spread (the tree's depth is then ~log2(n)) and a raw key that is a prefix of another raw
 *   key maps to an unrelated path. Key bit i is bit (7 − i mod 8) of byte ⌊i/8⌋ (most significant
 *   first); 0 goes left.
 * - Three node shapes: the empty subtree (the constant 32 zero bytes, never hashed), a leaf
 *   H(0x00 ‖ key ‖ H(value)), and an inner node H(0x01 ‖ left ‖ right). A leaf sits at the shortest
 *   prefix of its key that no other key shares, so a subtree holding one key is that key's leaf and an
 *   inner node always has ≥ 2 leaves below it: there is no inner node with (empty, empty) or
 *   (empty, leaf) children. Each set of (key, value) pairs therefore has exactly one tree and one root.
 * - The empty tree's root is 32 zero bytes. It proves nothing (interop B4): verification rejects the zero
 *   root and any proof that computes it, including proofs of absence.
 * - Nodes are content-addressed (by their hash) in a {@link SmtNodeStore}; an update writes new nodes
 *   only, so every earlier root stays readable and provable (versioned, persistent tree) until a store
 *   prunes it. The in-memory store is {@link MemorySmtStore}; chain-core backs the same interface with LMDB
 *   using {@link encodeSmtNode}/{@link decodeSmtNode} (the node encoding is its hash preimage).
 *
 * Proof = the siblings along the key's path from the root down to where the search stops (an empty
 * subtree or a leaf), plus that leaf. Membership: the leaf is (key, H(value)). Non-membership: the
 * search stops at an empty subtree, or at a leaf of another key that shares the path so far.
 *
 * Canonical proof encoding:
 *   u16 depth d (0…256) ‖ bitmap of ⌈d/8⌉ bytes (bit i = sibling at depth i is non-empty; bit i is
 *   byte[i>>3] & (1 << (i & 7)); unused high bits zero) ‖ the non-empty siblings, root side first,
 *   32 bytes each and never all-zero ‖ terminal tag u8 (0 = empty, 1 = leaf) ‖ [key 32 ‖ valueHash 32].
 * A decoder also rejects the two shapes no canonical tree has: the deepest sibling empty next to an
 * empty terminal or next to a leaf.
 */
import { decodeExact, type Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { bytesEqual, defaultHash, HASH_LENGTH, type HashFn, isZeroHash, ZERO_HASH } from "./hash-suite.js";

/** Key length in bytes (256-bit keys). */
export const SMT_KEY_LENGTH = 32;
/** Deepest possible leaf: two keys that share 255 bits. */
export const SMT_MAX_DEPTH = 256;

/** A leaf: one key and the hash of its value. */
export interface SmtLeaf {
  readonly kind: "leaf";
  readonly hash: Uint8Array;
  readonly key: Uint8Array;
  readonly valueHash: Uint8Array;
}

/** An inner node: the hashes of its children (32 zero bytes for an empty child). Nodes are immutable. */
export interface SmtInner {
  readonly kind: "inner";
  readonly hash: Uint8Array;
  readonly left: Uint8Array;
  readonly right: Uint8Array;
}

export type SmtNode = SmtLeaf | SmtInner;

/**
 * Where tree nodes live, addressed by hash. Synchronous by design (LMDB reads are synchronous);
 * `put` receives the new nodes of one update as one batch.
 */
export interface SmtNodeStore {
  get(hash: Uint8Array): SmtNode | undefined;
  put(nodes: readonly SmtNode[]): void;
}

/** The first 30 bits of a hash: a small-integer map key (the full hash is compared on lookup). */
function slot(h: Uint8Array): number {
  return (
    ((h[0] as number) << 22) | ((h[1] as number) << 14) | ((h[2] as number) << 6) | ((h[3] as number) >> 2)
  );
}

function equal32(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < HASH_LENGTH; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Node store in memory; keeps every version (nothing is ever deleted). Keyed by the first 30 bits of the
 * node hash (small-integer keys keep the Map fast at millions of nodes), with the rare collisions chained.
 */
export class MemorySmtStore implements SmtNodeStore {
  private readonly nodes = new Map<number, SmtNode | SmtNode[]>();
  private count = 0;

  get(hash: Uint8Array): SmtNode | undefined {
    if (hash.length !== HASH_LENGTH) return undefined;
    const e = this.nodes.get(slot(hash));
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return equal32(e.hash, hash) ? e : undefined;
    for (const n of e) if (equal32(n.hash, hash)) return n;
    return undefined;
  }

  put(nodes: readonly SmtNode[]): void {
    for (const n of nodes) {
      const k = slot(n.hash);
      const e = this.nodes.get(k);
      if (e === undefined) {
        this.nodes.set(k, n);
        this.count++;
      } else if (!Array.isArray(e)) {
        if (!equal32(e.hash, n.hash)) {
          this.nodes.set(k, [e, n]);
          this.count++;
        }
      } else if (!e.some((x) => equal32(x.hash, n.hash))) {
        e.push(n);
        this.count++;
      }
    }
  }

  /** Number of distinct nodes held. */
  get size(): number {
    return this.count;
  }
}

/** The tree key of a raw state key: H(rawKey). */
export function smtKey(rawKey: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  return hash(rawKey);
}

/** H(0x00 ‖ key ‖ valueHash). */
export function smtLeafHash(key: Uint8Array, valueHash: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LENGTH);
  buf.set(key, 1);
  buf.set(valueHash, 1 + HASH_LENGTH);
  return hash(buf);
}

/** H(0x01 ‖ left ‖ right). */
export function smtInnerHash(left: Uint8Array, right: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  const buf = new Uint8Array(1 + 2 * HASH_LENGTH);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + HASH_LENGTH);
  return hash(buf);
}

/** Bytes of a node's encoding ({@link encodeSmtNode}). */
export const SMT_NODE_BYTES = 1 + 2 * HASH_LENGTH;

/** The node's storage bytes, which are also its hash preimage: 0x00‖key‖valueHash or 0x01‖left‖right. */
export function encodeSmtNode(node: SmtNode): Uint8Array {
  const buf = new Uint8Array(SMT_NODE_BYTES);
  writeSmtNode(node, buf, 0);
  return buf;
}

/** Writes {@link encodeSmtNode}'s bytes into `out` at `offset` (for callers packing many nodes in one buffer). */
export function writeSmtNode(node: SmtNode, out: Uint8Array, offset: number): void {
  if (node.kind === "leaf") {
    out[offset] = 0;
    out.set(node.key, offset + 1);
    out.set(node.valueHash, offset + 1 + HASH_LENGTH);
  } else {
    out[offset] = 1;
    out.set(node.left, offset + 1);
    out.set(node.right, offset + 1 + HASH_LENGTH);
  }
}

/**
 * Decodes stored node bytes; the node's hash is recomputed (so a corrupted store is caught) unless
 * `knownHash` is given.
 */
export function decodeSmtNode(
  bytes: Uint8Array,
  hash: HashFn = defaultHash,
  knownHash?: Uint8Array,
): SmtNode {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decodeSmtNode: expected Uint8Array");
  if (bytes.length !== 1 + 2 * HASH_LENGTH) {
    throw new LedgerError(
      bytes.length < 1 + 2 * HASH_LENGTH
        ? LedgerErrorCode.DECODE_TRUNCATED
        : LedgerErrorCode.DECODE_TRAILING_BYTES,
      "SMT node must be 65 bytes",
      { length: bytes.length },
    );
  }
  const tag = bytes[0] as number;
  if (tag > 1) throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, "SMT node tag", { offset: 0, tag });
  const a = bytes.slice(1, 1 + HASH_LENGTH);
  const b = bytes.slice(1 + HASH_LENGTH);
  const h = knownHash ?? hash(bytes);
  if (tag === 0) return { kind: "leaf", hash: h, key: a, valueHash: b };
  if (isZeroHash(a) && isZeroHash(b)) {
    throw new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, "SMT inner node with two empty children");
  }
  return { kind: "inner", hash: h, left: a, right: b };
}

/** Bit `i` of a 256-bit key, most significant first. */
function bit(key: Uint8Array, i: number): number {
  return ((key[i >> 3] as number) >> (7 - (i & 7))) & 1;
}

/** Number of leading bits `a` and `b` share (256 when equal). */
function commonPrefixBits(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < SMT_KEY_LENGTH; i++) {
    const x = (a[i] as number) ^ (b[i] as number);
    if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  }
  return 256;
}

function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < SMT_KEY_LENGTH; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

function missing(hash: Uint8Array): LedgerError {
  let hex = "";
  for (const b of hash) hex += b.toString(16).padStart(2, "0");
  return new LedgerError(LedgerErrorCode.SMT_MISSING_NODE, "SMT node missing from store", { hash: hex });
}

/** One entry of an update batch: a key and its new value, or null to delete the key. */
export type SmtUpdate = readonly [key: Uint8Array, value: Uint8Array | null];

interface Entry {
  key: Uint8Array;
  /** null = delete */
  valueHash: Uint8Array | null;
}

/** The result of applying a batch: the new root and the nodes to write (not yet written). */
export interface SmtApplyResult {
  root: Uint8Array;
  nodes: SmtNode[];
}

class Updater {
  readonly nodes: SmtNode[] = [];
  private readonly scratch = new Uint8Array(1 + 2 * HASH_LENGTH);

  constructor(
    private readonly store: SmtNodeStore,
    private readonly hash: HashFn,
    private readonly entries: Entry[],
  ) {}

  private load(h: Uint8Array): SmtNode {
    const n = this.store.get(h);
    if (n === undefined) throw missing(h);
    return n;
  }

  private leaf(key: Uint8Array, valueHash: Uint8Array): SmtLeaf {
    const s = this.scratch;
    s[0] = 0;
    s.set(key, 1);
    s.set(valueHash, 1 + HASH_LENGTH);
    const node: SmtLeaf = { kind: "leaf", hash: this.hash(s), key, valueHash };
    this.nodes.push(node);
    return node;
  }

  private inner(left: Uint8Array, right: Uint8Array): SmtInner {
    const s = this.scratch;
    s[0] = 1;
    s.set(left, 1);
    s.set(right, 1 + HASH_LENGTH);
    const node: SmtInner = { kind: "inner", hash: this.hash(s), left, right };
    this.nodes.push(node);
    return node;
  }

  /** First index in [lo, hi) whose key has bit `depth` set (entries are sorted). */
  private split(list: Entry[], lo: number, hi: number, depth: number): number {
    let a = lo;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (bit((list[m] as Entry).key, depth) === 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** The subtree of `list[lo, hi)` (sorted, distinct keys, no deletions) rooted at `depth`. */
  private build(list: Entry[], lo: number, hi: number, depth: number): SmtNode | null {
    const n = hi - lo;
    if (n === 0) return null;
    if (n === 1) {
      const e = list[lo] as Entry;
      return this.leaf(e.key, e.valueHash as Uint8Array);
    }
    const s = this.split(list, lo, hi, depth);
    const l = this.build(list, lo, s, depth + 1);
    const r = this.build(list, s, hi, depth + 1);
    return this.inner(l === null ? ZERO_HASH : l.hash, r === null ? ZERO_HASH : r.hash);
  }

  /** Applies entries[lo, hi) to the subtree `h` at `depth`; returns the new subtree (null = empty). */
  apply(h: Uint8Array, depth: number, lo: number, hi: number): SmtNode | null {
    const entries = this.entries;
    if (isZeroHash(h)) {
      const inserts: Entry[] = [];
      for (let i = lo; i < hi; i++)
        if ((entries[i] as Entry).valueHash !== null) inserts.push(entries[i] as Entry);
      return this.build(inserts, 0, inserts.length, depth);
    }
    const node = this.load(h);
    if (node.kind === "leaf") return this.applyLeaf(node, depth, lo, hi);
    return this.applyInner(node, depth, lo, hi);
  }

  private applyLeaf(leaf: SmtLeaf, depth: number, lo: number, hi: number): SmtNode | null {
    const entries = this.entries;
    if (hi - lo === 1) {
      const e = entries[lo] as Entry;
      if (compareKeys(e.key, leaf.key) === 0) {
        if (e.valueHash === null) return null;
        if (bytesEqual(e.valueHash, leaf.valueHash)) return leaf;
        return this.leaf(leaf.key, e.valueHash);
      }
    }
    const merged: Entry[] = [];
    let placed = false;
    for (let i = lo; i < hi; i++) {
      const e = entries[i] as Entry;
      if (!placed) {
        const c = compareKeys(leaf.key, e.key);
        if (c < 0) {
          merged.push({ key: leaf.key, valueHash: leaf.valueHash });
          placed = true;
        } else if (c === 0) {
          placed = true; // overridden or deleted by the batch
        }
      }
      if (e.valueHash !== null) merged.push(e);
    }
    if (!placed) merged.push({ key: leaf.key, valueHash: leaf.valueHash });
    if (merged.length === 1 && compareKeys((merged[0] as Entry).key, leaf.key) === 0) {
      const only = merged[0] as Entry;
      if (bytesEqual(only.valueHash as Uint8Array, leaf.valueHash)) return leaf;
    }
    return this.build(merged, 0, merged.length, depth);
  }

  private applyInner(node: SmtInner, depth: number, lo: number, hi: number): SmtNode | null {
    const s = this.split(this.entries, lo, hi, depth);
    const l = lo < s ? this.apply(node.left, depth + 1, lo, s) : undefined;
    const r = s < hi ? this.apply(node.right, depth + 1, s, hi) : undefined;
    const lh = l === undefined ? node.left : l === null ? ZERO_HASH : l.hash;
    const rh = r === undefined ? node.right : r === null ? ZERO_HASH : r.hash;
    if (bytesEqual(lh, node.left) && bytesEqual(rh, node.right)) return node;
    const lEmpty = isZeroHash(lh);
    const rEmpty = isZeroHash(rh);
    if (lEmpty && rEmpty) return null;
    if (lEmpty) {
      const only = r ?? this.load(rh);
      if (only.kind === "leaf") return only;
    } else if (rEmpty) {
      const only = l ?? this.load(lh);
      if (only.kind === "leaf") return only;
    }
    return this.inner(lh, rh);
  }
}

function assertKey(key: unknown, field = "key"): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== SMT_KEY_LENGTH) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, `${field} must be ${SMT_KEY_LENGTH} bytes`, {
      field,
    });
  }
}

function assertRoot(root: unknown): asserts root is Uint8Array {
  if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, `root must be ${HASH_LENGTH} bytes`);
  }
}

/**
 * Applies `batch` to the tree with `root` in `store` and returns the new root with the nodes to write;
 * writes nothing. Later entries for the same key win; a null value deletes (absent keys are ignored).
 */
export function smtApply(
  store: SmtNodeStore,
  root: Uint8Array,
  batch: readonly SmtUpdate[],
  hash: HashFn = defaultHash,
): SmtApplyResult {
  return applyBatch(store, root, batch, hash, false);
}

/**
 * {@link smtApply} for callers that already hold each value's hash: `batch` is `[key, H(value) | null]`
 * (the same tree and nodes as `smtApply` with the values themselves, without hashing them again).
 */
export function smtApplyHashed(
  store: SmtNodeStore,
  root: Uint8Array,
  batch: readonly SmtUpdate[],
  hash: HashFn = defaultHash,
): SmtApplyResult {
  return applyBatch(store, root, batch, hash, true);
}

function applyBatch(
  store: SmtNodeStore,
  root: Uint8Array,
  batch: readonly SmtUpdate[],
  hash: HashFn,
  hashed: boolean,
): SmtApplyResult {
  assertRoot(root);
  const raw: Entry[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i];
    if (!Array.isArray(item) || item.length !== 2) {
      throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "SMT update must be [key, value | null]", {
        index: i,
      });
    }
    const [key, value] = item as SmtUpdate;
    assertKey(key);
    if (value !== null && (!(value instanceof Uint8Array) || (hashed && value.length !== HASH_LENGTH))) {
      throw new LedgerError(
        LedgerErrorCode.ENCODE_INVALID_VALUE,
        hashed ? `SMT value hash must be ${HASH_LENGTH} bytes or null` : "SMT value must be bytes or null",
        { index: i },
      );
    }
    // Copies: the tree keeps these arrays, the caller may reuse theirs.
    raw[i] = {
      key: key.slice(),
      valueHash: value === null ? null : hashed ? value.slice() : hash(value),
    };
  }
  // Stable sort by key, then keep the last entry of each key.
  const order = raw.map((_, i) => i);
  order.sort((a, b) => compareKeys((raw[a] as Entry).key, (raw[b] as Entry).key) || a - b);
  const entries: Entry[] = [];
  for (let i = 0; i < order.length; i++) {
    const e = raw[order[i] as number] as Entry;
    const next = order[i + 1];
    if (next !== undefined && compareKeys(e.key, (raw[next] as Entry).key) === 0) continue;
    entries.push(e);
  }
  if (entries.length === 0) return { root: root.slice(), nodes: [] };
  const u = new Updater(store, hash, entries);
  const top = u.apply(root, 0, 0, entries.length);
  return { root: top === null ? new Uint8Array(HASH_LENGTH) : top.hash.slice(), nodes: u.nodes };
}

/** A sparse-Merkle proof: siblings root side first (32 zero bytes where empty) and the leaf the search met. */
export interface SmtProof {
  siblings: Uint8Array[];
  leaf: { key: Uint8Array; valueHash: Uint8Array } | null;
}

/**
 * The proof for `key` in the tree with `root` (membership if the key is present, absence otherwise).
 * The proof owns its arrays (copies), so callers may keep or mutate it.
 */
export function smtProve(store: SmtNodeStore, root: Uint8Array, key: Uint8Array): SmtProof {
  assertRoot(root);
  assertKey(key);
  const siblings: Uint8Array[] = [];
  let h = root;
  for (let depth = 0; ; depth++) {
    if (isZeroHash(h)) return { siblings, leaf: null };
    const node = store.get(h);
    if (node === undefined) throw missing(h);
    if (node.kind === "leaf") {
      return { siblings, leaf: { key: node.key.slice(), valueHash: node.valueHash.slice() } };
    }
    if (bit(key, depth) === 0) {
      siblings.push(node.right.slice());
      h = node.left;
    } else {
      siblings.push(node.left.slice());
      h = node.right;
    }
  }
}

/** The value hash stored under `key` in the tree with `root`, or null. */
export function smtGet(store: SmtNodeStore, root: Uint8Array, key: Uint8Array): Uint8Array | null {
  assertRoot(root);
  assertKey(key);
  let h = root;
  for (let depth = 0; ; depth++) {
    if (isZeroHash(h)) return null;
    const node = store.get(h);
    if (node === undefined) throw missing(h);
    if (node.kind === "leaf") return compareKeys(node.key, key) === 0 ? node.valueHash.slice() : null;
    h = bit(key, depth) === 0 ? node.left : node.right;
  }
}

const verifyScratch = new Uint8Array(1 + 2 * HASH_LENGTH);

/**
 * The root `proof` leads to for `key` with `value` (null = absence), or undefined when the proof is
 * malformed, non-canonical or inconsistent with the claim. Never throws on malformed input.
 */
export function smtRootFromProof(
  key: Uint8Array,
  value: Uint8Array | null,
  proof: SmtProof,
  hash: HashFn = defaultHash,
): Uint8Array | undefined {
  if (!(key instanceof Uint8Array) || key.length !== SMT_KEY_LENGTH) return undefined;
  if (value !== null && !(value instanceof Uint8Array)) return undefined;
  if (typeof proof !== "object" || proof === null || !Array.isArray(proof.siblings)) return undefined;
  const { siblings, leaf } = proof;
  const d = siblings.length;
  if (d > SMT_MAX_DEPTH) return undefined;
  for (const s of siblings) if (!(s instanceof Uint8Array) || s.length !== HASH_LENGTH) return undefined;
  const s = verifyScratch;
  let node: Uint8Array;
  if (leaf !== null) {
    if (typeof leaf !== "object" || leaf === undefined) return undefined;
    const { key: lk, valueHash: lv } = leaf;
    if (!(lk instanceof Uint8Array) || lk.length !== SMT_KEY_LENGTH) return undefined;
    if (!(lv instanceof Uint8Array) || lv.length !== HASH_LENGTH) return undefined;
    const same = compareKeys(lk, key) === 0;
    if (value !== null) {
      if (!same || !bytesEqual(lv, hash(value))) return undefined;
    } else {
      // Absence by a neighbouring leaf: it must be another key on the same path down to depth d.
      if (same || commonPrefixBits(lk, key) < d) return undefined;
    }
    // A leaf next to an empty sibling would have been pushed up: not a canonical tree.
    if (d > 0 && isZeroHash(siblings[d - 1] as Uint8Array)) return undefined;
    s[0] = 0;
    s.set(lk, 1);
    s.set(lv, 1 + HASH_LENGTH);
    node = hash(s);
  } else {
    if (value !== null) return undefined;
    // An empty subtree's sibling is an inner node (≥ 2 leaves), never another empty subtree.
    if (d > 0 && isZeroHash(siblings[d - 1] as Uint8Array)) return undefined;
    node = ZERO_HASH;
  }
  s[0] = 1;
  for (let i = d - 1; i >= 0; i--) {
    const sib = siblings[i] as Uint8Array;
    if (bit(key, i) === 0) {
      s.set(node, 1);
      s.set(sib, 1 + HASH_LENGTH);
    } else {
      s.set(sib, 1);
      s.set(node, 1 + HASH_LENGTH);
    }
    node = hash(s);
  }
  return node === ZERO_HASH ? new Uint8Array(HASH_LENGTH) : node;
}

/**
 * True when `proof` shows that `key` maps to `value` (membership) or, for `value === null`, that `key`
 * is absent, in the tree with `root`. The zero root, and any proof that computes it, prove nothing.
 * `proof` may be the decoded object or its canonical bytes (undecodable bytes give false).
 */
export function verifySmtProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: SmtProof | Uint8Array,
  hash: HashFn = defaultHash,
): boolean {
  if (!(root instanceof Uint8Array) || root.length !== HASH_LENGTH || isZeroHash(root)) return false;
  let p: SmtProof;
  if (proof instanceof Uint8Array) {
    try {
      p = decodeSmtProof(proof);
    } catch {
      return false;
    }
  } else {
    p = proof;
  }
  const computed = smtRootFromProof(key, value, p, hash);
  return computed !== undefined && !isZeroHash(computed) && bytesEqual(computed, root);
}

/** Like {@link verifySmtProof} but throws PROOF_INVALID (or the decode error of bad proof bytes). */
export function assertSmtProof(
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array | null,
  proof: SmtProof | Uint8Array,
  hash: HashFn = defaultHash,
): void {
  const p = proof instanceof Uint8Array ? decodeSmtProof(proof) : proof;
  if (!verifySmtProof(root, key, value, p, hash)) {
    throw new LedgerError(LedgerErrorCode.PROOF_INVALID, "sparse-Merkle proof does not verify", {
      claim: value === null ? "absence" : "membership",
    });
  }
}

/** Writes the canonical encoding of an SMT proof. */
export function writeSmtProof(w: Writer, proof: SmtProof): void {
  const { siblings, leaf } = proof;
  const d = siblings.length;
  if (d > SMT_MAX_DEPTH) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "SMT proof deeper than 256", { depth: d });
  }
  if (d > 0 && isZeroHash(siblings[d - 1] as Uint8Array)) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "SMT proof: deepest sibling is empty");
  }
  w.u16(d);
  const bitmap = new Uint8Array((d + 7) >> 3);
  for (let i = 0; i < d; i++) {
    const sib = siblings[i];
    if (!(sib instanceof Uint8Array) || sib.length !== HASH_LENGTH) {
      throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, "SMT proof sibling must be 32 bytes", {
        index: i,
      });
    }
    if (!isZeroHash(sib)) bitmap[i >> 3] = (bitmap[i >> 3] as number) | (1 << (i & 7));
  }
  w.raw(bitmap);
  for (const sib of siblings) if (!isZeroHash(sib)) w.raw(sib);
  if (leaf === null) {
    w.u8(0);
  } else {
    w.u8(1);
    w.fixed(leaf.key, SMT_KEY_LENGTH, "leaf.key");
    w.fixed(leaf.valueHash, HASH_LENGTH, "leaf.valueHash");
  }
}

/** Reads a canonical SMT proof. */
export function readSmtProof(r: Reader): SmtProof {
  const at = r.offset;
  const d = r.u16("depth");
  if (d > SMT_MAX_DEPTH) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "SMT proof depth above 256", {
      offset: at,
      depth: d,
    });
  }
  const bitmapLen = (d + 7) >> 3;
  const bitmap = r.view(bitmapLen, "bitmap");
  if (d % 8 !== 0 && bitmapLen > 0 && (bitmap[bitmapLen - 1] as number) >> (d % 8) !== 0) {
    throw new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, "SMT proof bitmap: bits set beyond depth", {
      offset: at + 2 + bitmapLen - 1,
    });
  }
  let count = 0;
  for (let i = 0; i < bitmapLen; i++) {
    let v = bitmap[i] as number;
    while (v !== 0) {
      count += v & 1;
      v >>= 1;
    }
  }
  if (count * HASH_LENGTH > r.remaining) {
    throw new LedgerError(LedgerErrorCode.DECODE_TRUNCATED, "SMT proof: siblings truncated", {
      offset: r.offset,
      need: count * HASH_LENGTH,
    });
  }
  const siblings = new Array<Uint8Array>(d);
  for (let i = 0; i < d; i++) {
    if (((bitmap[i >> 3] as number) >> (i & 7)) & 1) {
      const off = r.offset;
      const sib = r.fixed(HASH_LENGTH, "sibling");
      if (isZeroHash(sib)) {
        throw new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, "SMT proof: empty sibling written out", {
          offset: off,
        });
      }
      siblings[i] = sib;
    } else {
      siblings[i] = new Uint8Array(HASH_LENGTH);
    }
  }
  const tagAt = r.offset;
  const tag = r.u8("terminal");
  if (tag > 1) {
    throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, "SMT proof terminal tag", {
      offset: tagAt,
      tag,
    });
  }
  if (d > 0 && (((bitmap[(d - 1) >> 3] as number) >> ((d - 1) & 7)) & 1) === 0) {
    throw new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, "SMT proof: deepest sibling is empty", {
      offset: tagAt,
    });
  }
  if (tag === 0) return { siblings, leaf: null };
  const key = r.fixed(SMT_KEY_LENGTH, "leaf.key");
  const valueHash = r.fixed(HASH_LENGTH, "leaf.valueHash");
  return { siblings, leaf: { key, valueHash } };
}

/** Canonical bytes of an SMT proof. */
export function encodeSmtProof(proof: SmtProof): Uint8Array {
  const w = new Writer(2 + 32 + proof.siblings.length * HASH_LENGTH + 65);
  writeSmtProof(w, proof);
  return w.finish();
}

/** Decodes canonical SMT proof bytes; every other byte string is a coded decode error. */
export function decodeSmtProof(bytes: Uint8Array): SmtProof {
  return decodeExact(bytes, readSmtProof, "SmtProof");
}

/** Options of a {@link SparseMerkleTree}. */
export interface SparseMerkleTreeOptions {
  /** Hash suite (default SHA-256). */
  hash?: HashFn;
  /** Node store (default: a fresh {@link MemorySmtStore}). */
  store?: SmtNodeStore;
  /** Start at this root (default: the empty tree, 32 zero bytes). */
  root?: Uint8Array;
}

/**
 * A versioned sparse Merkle tree: `update` moves the current root, and every earlier root remains
 * readable through `prove(key, root)` / `get(key, root)` / `at(root)` as long as the store keeps its nodes.
 */
export class SparseMerkleTree {
  readonly hash: HashFn;
  readonly store: SmtNodeStore;
  private current: Uint8Array;

  constructor(opts: SparseMerkleTreeOptions = {}) {
    this.hash = opts.hash ?? defaultHash;
    this.store = opts.store ?? new MemorySmtStore();
    const root = opts.root ?? ZERO_HASH;
    assertRoot(root);
    this.current = root.slice();
  }

  /** The current root (32 zero bytes for the empty tree); a copy. */
  get root(): Uint8Array {
    return this.current.slice();
  }

  /** A tree over the same store positioned at `root` (an earlier or speculative version). */
  at(root: Uint8Array): SparseMerkleTree {
    return new SparseMerkleTree({ hash: this.hash, store: this.store, root });
  }

  /**
   * Applies a batch of `[key, value | null]` (null deletes; later entries for one key win), writes the new
   * nodes to the store in one `put`, and returns the new root.
   */
  update(batch: readonly SmtUpdate[]): Uint8Array {
    const { root, nodes } = smtApply(this.store, this.current, batch, this.hash);
    if (nodes.length > 0) this.store.put(nodes);
    this.current = root;
    return root.slice();
  }

  /** The hash of the value stored under `key`, or null. */
  get(key: Uint8Array, root: Uint8Array = this.current): Uint8Array | null {
    return smtGet(this.store, root, key);
  }

  /** Membership or absence proof for `key` at `root` (default: the current root). */
  prove(key: Uint8Array, root: Uint8Array = this.current): SmtProof {
    return smtProve(this.store, root, key);
  }
}
