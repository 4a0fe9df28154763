/**
 * Key layout of the state.
 *
 * 1. State keys (what modules read and write; committed in the sparse Merkle tree). A raw state key is
 *    an ASCII namespace ending in "/" followed by binary parts; its tree key is H(raw key) with the
 *    chain's hash suite ({@link smtKey}), so keys spread evenly and no raw key is a path prefix of
 *    another. Fixed-length parts (20-byte addresses, u64 ids) come before the one variable-length tail,
 *    so each raw key has exactly one reading.
 *
 *      acct/<address 20>            → account: u64 next nonce (absent = nonce 0)
 *      bal/<address 20><denom>      → u128 balance, big-endian, 16 bytes (absent = 0; zero is deleted)
 *      denom/<denom>                → u128 total supply (present = a denom this chain has issued)
 *      val/set                      → the validator set of the next height (ledger encoding)
 *      gov/next                     → u64 id of the next governance proposal
 *      gov/pending                  → pending proposal ids, ascending (LEB128 count ‖ u64 each)
 *      gov/prop/<u64 id>            → a pending proposal
 *      <module>/…                   → a plug-in module's own keys, under its name (e.g. "identity/")
 *
 * 2. Store keys (in the node's {@link KvStore}; everything the state machine persists is under "s/",
 *    apart from consensus "c/" and the app's block store):
 *
 *      s/meta                       → u64 last executed-and-committed height ‖ its state root
 *      s/h/<u64 height>             → height record: state root, next-validators hash, results root, tx count
 *      s/r/<u64 height>             → the block's tx results (code, data, gas, events) and end-block events
 *      s/n/<node hash 32>           → a sparse-Merkle node (65 bytes, its own hash preimage)
 *      s/v/<value hash 32>          → a state value by its hash (every version; what proofs at past heights read)
 *      s/l/<tree key 32>            → the latest value of a state key (one read on the execution hot path)
 *
 * Nothing under "s/" is ever overwritten with different content except s/meta and s/l/ (content-addressed
 * nodes and values, per-height records), so every committed height stays readable and provable.
 */
import { utf8ToBytes } from "@tandem/crypto";
import { ADDRESS_LENGTH, type HashFn, smtKey } from "@tandem/ledger";

/** Prefix of account keys (`acct/<address>`). */
export const ACCOUNT_PREFIX = utf8ToBytes("acct/");
const BAL = utf8ToBytes("bal/");
const DENOM = utf8ToBytes("denom/");
const GOV_PROP = utf8ToBytes("gov/prop/");

/** `val/set`: the validator set of the next height. */
export const VALIDATOR_SET_KEY: Uint8Array = utf8ToBytes("val/set");
/** `gov/next`: the next proposal id. */
export const GOV_NEXT_ID_KEY: Uint8Array = utf8ToBytes("gov/next");
/** `gov/pending`: ids of the pending proposals. */
export const GOV_PENDING_KEY: Uint8Array = utf8ToBytes("gov/pending");

function join(prefix: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  let n = prefix.length;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  out.set(prefix);
  let o = prefix.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u64(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

/** TypeError unless `address` is a 20-byte Uint8Array. */
export function assertAddress(address: Uint8Array): void {
  if (!(address instanceof Uint8Array) || address.length !== ADDRESS_LENGTH) {
    throw new TypeError(`address must be ${ADDRESS_LENGTH} bytes`);
  }
}

/** `acct/<address>`. */
export function accountKey(address: Uint8Array): Uint8Array {
  assertAddress(address);
  return join(ACCOUNT_PREFIX, address);
}

/** `bal/<address><denom>`. */
export function balanceKey(address: Uint8Array, denom: string): Uint8Array {
  assertAddress(address);
  return join(BAL, address, utf8ToBytes(denom));
}

/** `denom/<denom>`. */
export function denomKey(denom: string): Uint8Array {
  return join(DENOM, utf8ToBytes(denom));
}

/** `gov/prop/<u64 id>`. */
export function proposalKey(id: number): Uint8Array {
  return join(GOV_PROP, u64(id));
}

/** The sparse-Merkle key of a raw state key: H(raw) with the chain's hash suite. */
export function stateTreeKey(raw: Uint8Array, hash: HashFn): Uint8Array {
  return smtKey(raw, hash);
}

// ------------------------------------------------------------------------------------------ store keys

/** Prefix of everything the state machine writes to the store. */
export const STATE_STORE_PREFIX: Uint8Array = utf8ToBytes("s/");
export const STATE_META_KEY: Uint8Array = utf8ToBytes("s/meta");
const HEIGHT_PREFIX = utf8ToBytes("s/h/");
const RESULTS_PREFIX = utf8ToBytes("s/r/");
const NODE_PREFIX = utf8ToBytes("s/n/");
const VALUE_PREFIX = utf8ToBytes("s/v/");
const LATEST_PREFIX = utf8ToBytes("s/l/");

/** `s/h/<u64 height>`. */
export function heightRecordKey(height: number): Uint8Array {
  return join(HEIGHT_PREFIX, u64(height));
}

/** `s/r/<u64 height>`. */
export function blockResultsKey(height: number): Uint8Array {
  return join(RESULTS_PREFIX, u64(height));
}

/** `s/n/<node hash>`. */
export function smtNodeKey(nodeHash: Uint8Array): Uint8Array {
  return join(NODE_PREFIX, nodeHash);
}

/** `s/v/<value hash>`. */
export function stateValueKey(valueHash: Uint8Array): Uint8Array {
  return join(VALUE_PREFIX, valueHash);
}

/** `s/l/<tree key>`. */
export function latestValueKey(treeKey: Uint8Array): Uint8Array {
  return join(LATEST_PREFIX, treeKey);
}
