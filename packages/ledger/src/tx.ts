/**
 * The transaction envelope, its payload-kind registry, signing and signature verification.
 *
 * Canonical encoding (see encoding.ts for the primitive rules):
 *
 *   unsigned = string chainId (CAIP-2, ≤ 41 B)
 *            ‖ u16 kind id (registered)
 *            ‖ u8 scheme id (0 ed25519, 1 secp256k1, 2 sm2, 3 sm9)
 *            ‖ bytes sender (32 B ed25519; 33 B compressed secp256k1 / sm2; 1…1024 B sm9 identity)
 *            ‖ u64 nonce ‖ u64 expiryHeight
 *            ‖ LEB128 payload length ‖ payload (the kind's codec; must consume the section exactly)
 *   tx       = unsigned ‖ bytes signature (64 B ed25519 / secp256k1 / sm2; 1…256 B sm9)
 *
 *   sign bytes = H("tandem/tx/v1" ‖ unsigned)   (the chain id is inside: no cross-chain replay)
 *   tx hash    = H(0x00 ‖ tx), the tx's RFC 6962 leaf hash in the block's tx tree, so a node builds
 *                the tx root from the ids it computed at mempool entry (inner nodes only)
 *   account address = first 20 bytes of H(scheme id byte ‖ sender)
 *
 * `nonce` and `expiryHeight` are u64 on the wire and JS safe integers in memory (≤ 2^53 − 1; larger
 * values are DECODE_OUT_OF_RANGE). The chain node decides what they mean (e.g. expiryHeight 0 = none).
 */
import { ed25519, type SignatureScheme, secp256k1, sm2 } from "@tandem/crypto";
import { isChainId, MAX_CHAIN_ID_LENGTH } from "./caip.js";
import { decodeExact, type Reader, Writer } from "./encoding.js";
import { LedgerError, LedgerErrorCode } from "./errors.js";
import { asciiTag, defaultHash, type HashFn } from "./hash-suite.js";
import { merkleLeafHash } from "./merkle.js";

/** Signature schemes a transaction may use. */
export type TxScheme = "ed25519" | "secp256k1" | "sm2" | "sm9";

/** Schemes {@link signTx} can sign with (SM9 signing lives with the SM9 key holder). */
export type SignableTxScheme = "ed25519" | "secp256k1" | "sm2";

/** Wire rules of one transaction signature scheme. */
export interface TxSchemeInfo {
  readonly name: TxScheme;
  /** The scheme id byte on the wire and in account addresses. */
  readonly id: number;
  readonly senderMinLength: number;
  readonly senderMaxLength: number;
  readonly signatureMinLength: number;
  readonly signatureMaxLength: number;
}

const SCHEMES: readonly TxSchemeInfo[] = Object.freeze([
  Object.freeze({
    name: "ed25519",
    id: 0,
    senderMinLength: 32,
    senderMaxLength: 32,
    signatureMinLength: 64,
    signatureMaxLength: 64,
  }),
  Object.freeze({
    name: "secp256k1",
    id: 1,
    senderMinLength: 33,
    senderMaxLength: 33,
    signatureMinLength: 64,
    signatureMaxLength: 64,
  }),
  Object.freeze({
    name: "sm2",
    id: 2,
    senderMinLength: 33,
    senderMaxLength: 33,
    signatureMinLength: 64,
    signatureMaxLength: 64,
  }),
  Object.freeze({
    name: "sm9",
    id: 3,
    senderMinLength: 1,
    senderMaxLength: 1024,
    signatureMinLength: 1,
    signatureMaxLength: 256,
  }),
] as TxSchemeInfo[]);

const SCHEME_BY_NAME = new Map<string, TxSchemeInfo>(SCHEMES.map((s) => [s.name, s]));

const SIGNERS: Readonly<Record<SignableTxScheme, SignatureScheme>> = { ed25519, secp256k1, sm2 };

/** The wire rules of every scheme, by scheme id. */
export const TX_SCHEMES: readonly TxSchemeInfo[] = SCHEMES;

/** The wire rules of `scheme`; ENCODE_INVALID_VALUE for an unknown name. */
export function txSchemeInfo(scheme: TxScheme): TxSchemeInfo {
  const info = SCHEME_BY_NAME.get(scheme);
  if (info === undefined) {
    throw new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, `unknown tx scheme ${String(scheme)}`, {
      scheme: String(scheme),
    });
  }
  return info;
}

/** Largest payload a kind may declare. */
export const MAX_TX_PAYLOAD_BYTES = 65_536;
/** Largest encoded transaction (envelope + payload + signature). */
export const MAX_TX_BYTES = MAX_TX_PAYLOAD_BYTES + 2048;

/** Encodes and decodes one kind's payload inside the envelope's length-prefixed payload section. */
export interface TxPayloadCodec<P> {
  /** Writes the payload; throws a LedgerError (ENCODE_INVALID_VALUE, DENOM_INVALID, …) for a bad value. */
  encode(w: Writer, payload: P): void;
  /** Reads the payload; throws only LedgerErrors with DECODE_* codes. */
  decode(r: Reader): P;
}

/** A registered payload kind. */
export interface TxKindDefinition<P = unknown> {
  /** Stable name, `[a-z][a-z0-9_.-]{0,63}`, e.g. "transfer". */
  readonly kind: string;
  /** Stable wire id, 1…65535. */
  readonly id: number;
  readonly codec: TxPayloadCodec<P>;
  /** Largest payload section for this kind (default and cap: MAX_TX_PAYLOAD_BYTES). */
  readonly maxPayloadBytes?: number;
  readonly description?: string;
}

const KIND_NAME_RE = /^[a-z][a-z0-9_.-]{0,63}$/;

/**
 * Payload kinds by name and wire id. Later issues add kinds (identity, devices, peg, governance) with
 * {@link registerTxKind}; the envelope never changes.
 */
export class TxKindRegistry {
  private readonly byIdMap = new Map<number, TxKindDefinition>();
  private readonly byNameMap = new Map<string, TxKindDefinition>();

  /**
   * Adds a kind. Re-registering the identical definition is a no-op; any other clash of name or id is
   * TX_KIND_CONFLICT.
   */
  register<P>(def: TxKindDefinition<P>): TxKindDefinition<P> {
    const bad = (reason: string): LedgerError =>
      new LedgerError(LedgerErrorCode.TX_KIND_CONFLICT, `tx kind registration: ${reason}`, {
        kind: String(def?.kind),
        id: Number(def?.id),
      });
    if (typeof def !== "object" || def === null) throw bad("definition must be an object");
    if (typeof def.kind !== "string" || !KIND_NAME_RE.test(def.kind)) throw bad("bad kind name");
    if (!Number.isInteger(def.id) || def.id < 1 || def.id > 0xffff) throw bad("id must be 1..65535");
    if (typeof def.codec?.encode !== "function" || typeof def.codec?.decode !== "function") {
      throw bad("codec needs encode and decode");
    }
    const max = def.maxPayloadBytes ?? MAX_TX_PAYLOAD_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > MAX_TX_PAYLOAD_BYTES) throw bad("bad maxPayloadBytes");
    const sameId = this.byIdMap.get(def.id);
    const sameName = this.byNameMap.get(def.kind);
    if (sameId !== undefined || sameName !== undefined) {
      if (sameId === sameName && sameId?.codec === def.codec) return sameId as TxKindDefinition<P>;
      throw bad(`name or id already registered (${sameId?.kind ?? sameName?.kind})`);
    }
    const frozen = Object.freeze({ ...def, maxPayloadBytes: max });
    this.byIdMap.set(def.id, frozen as TxKindDefinition);
    this.byNameMap.set(def.kind, frozen as TxKindDefinition);
    return frozen;
  }

  byId(id: number): TxKindDefinition | undefined {
    return this.byIdMap.get(id);
  }

  byName(kind: string): TxKindDefinition | undefined {
    return this.byNameMap.get(kind);
  }

  /** Every registered kind, by id. */
  list(): TxKindDefinition[] {
    return [...this.byIdMap.values()].sort((a, b) => a.id - b.id);
  }
}

/** The process-wide registry used when no other is passed. */
export const defaultTxKinds = new TxKindRegistry();

/** Registers a payload kind in the default registry (see {@link TxKindRegistry.register}). */
export function registerTxKind<P>(def: TxKindDefinition<P>): TxKindDefinition<P> {
  return defaultTxKinds.register(def);
}

/** A transaction before signing. */
export interface UnsignedTx<P = unknown> {
  /** CAIP-2 chain id, e.g. `tandem:acme`. */
  chainId: string;
  /** Registered kind name, e.g. "transfer". */
  kind: string;
  scheme: TxScheme;
  /** The signer's public key (ed25519 32 B, secp256k1/sm2 33 B compressed) or SM9 identity bytes. */
  sender: Uint8Array;
  nonce: number;
  expiryHeight: number;
  payload: P;
}

/** A signed transaction. */
export interface SignedTx<P = unknown> extends UnsignedTx<P> {
  signature: Uint8Array;
}

/** Options of encoders and decoders that need the kind registry. */
export interface TxCodecOptions {
  registry?: TxKindRegistry;
}

/** Options of functions that hash. */
export interface TxHashOptions extends TxCodecOptions {
  /** Hash suite of the chain (default SHA-256). */
  hash?: HashFn;
}

function encodeInvalid(message: string, meta?: Record<string, unknown>): LedgerError {
  return new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, message, meta);
}

function writeUnsigned(w: Writer, tx: UnsignedTx, registry: TxKindRegistry): void {
  if (typeof tx !== "object" || tx === null) throw encodeInvalid("tx must be an object");
  if (!isChainId(tx.chainId))
    throw encodeInvalid("tx.chainId is not a CAIP-2 chain id", { field: "chainId" });
  const def = registry.byName(tx.kind);
  if (def === undefined) {
    throw new LedgerError(LedgerErrorCode.TX_UNKNOWN_KIND, `unregistered tx kind ${String(tx.kind)}`, {
      kind: String(tx.kind),
    });
  }
  const scheme = txSchemeInfo(tx.scheme);
  w.string(tx.chainId, MAX_CHAIN_ID_LENGTH, "chainId");
  w.u16(def.id);
  w.u8(scheme.id);
  w.bytes(tx.sender, scheme.senderMaxLength, "sender", scheme.senderMinLength);
  w.u64(tx.nonce);
  w.u64(tx.expiryHeight);
  const mark = w.beginPrefixed();
  def.codec.encode(w, tx.payload);
  w.endPrefixed(mark, def.maxPayloadBytes ?? MAX_TX_PAYLOAD_BYTES, "payload");
}

function writeSignature(w: Writer, tx: SignedTx): void {
  const scheme = txSchemeInfo(tx.scheme);
  w.bytes(tx.signature, scheme.signatureMaxLength, "signature", scheme.signatureMinLength);
}

// One reusable writer for the hot path; a nested call (a codec that encodes a tx) gets its own.
const sharedWriter = new Writer(1024);
let sharedBusy = false;

function withWriter<T>(fn: (w: Writer) => T): T {
  if (sharedBusy) return fn(new Writer(1024));
  sharedBusy = true;
  try {
    return fn(sharedWriter.reset());
  } finally {
    sharedBusy = false;
  }
}

const TX_TAG = asciiTag("tandem/tx/v1");

/** Canonical bytes of a transaction without its signature. */
export function encodeUnsignedTx(tx: UnsignedTx, opts: TxCodecOptions = {}): Uint8Array {
  return withWriter((w) => {
    writeUnsigned(w, tx, opts.registry ?? defaultTxKinds);
    return w.finish();
  });
}

/**
 * Canonical bytes of a signed transaction, in a new exact-size array. Hot paths that frame many txs
 * (block bodies, gossip batches) can skip that allocation with {@link writeTx} into a reused Writer.
 */
export function encodeTx(tx: SignedTx, opts: TxCodecOptions = {}): Uint8Array {
  return withWriter((w) => {
    writeUnsigned(w, tx, opts.registry ?? defaultTxKinds);
    writeSignature(w, tx);
    return w.finish();
  });
}

/** Writes a signed transaction into `w` (for structures that embed one). */
export function writeTx(w: Writer, tx: SignedTx, opts: TxCodecOptions = {}): void {
  writeUnsigned(w, tx, opts.registry ?? defaultTxKinds);
  writeSignature(w, tx);
}

/** Reads a signed transaction from `r` (for structures that embed one). */
export function readTx(r: Reader, opts: TxCodecOptions = {}): SignedTx {
  const registry = opts.registry ?? defaultTxKinds;
  const chainAt = r.offset;
  const chainId = r.string(MAX_CHAIN_ID_LENGTH, "chainId", true);
  if (!isChainId(chainId)) {
    throw new LedgerError(LedgerErrorCode.DECODE_INVALID_VALUE, "chainId is not a CAIP-2 chain id", {
      offset: chainAt,
      field: "chainId",
    });
  }
  const kindAt = r.offset;
  const kindId = r.u16("kind");
  const def = registry.byId(kindId);
  if (def === undefined) {
    throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, `unknown tx kind id ${kindId}`, {
      offset: kindAt,
      field: "kind",
      id: kindId,
    });
  }
  const schemeAt = r.offset;
  const schemeId = r.u8("scheme");
  const scheme = SCHEMES[schemeId];
  if (scheme === undefined) {
    throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, `unknown signature scheme id ${schemeId}`, {
      offset: schemeAt,
      field: "scheme",
      id: schemeId,
    });
  }
  const sender = r.bytes(scheme.senderMaxLength, "sender", scheme.senderMinLength);
  const nonce = r.u64("nonce");
  const expiryHeight = r.u64("expiryHeight");
  const payload = r.prefixed(def.maxPayloadBytes ?? MAX_TX_PAYLOAD_BYTES, def.codec.decode, "payload");
  const signature = r.bytes(scheme.signatureMaxLength, "signature", scheme.signatureMinLength);
  return { chainId, kind: def.kind, scheme: scheme.name, sender, nonce, expiryHeight, payload, signature };
}

/** Decodes a canonical signed transaction; every non-canonical input is a coded decode error. */
export function decodeTx(bytes: Uint8Array, opts: TxCodecOptions = {}): SignedTx {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decodeTx: expected Uint8Array");
  if (bytes.length > MAX_TX_BYTES) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, `tx larger than ${MAX_TX_BYTES} bytes`, {
      length: bytes.length,
    });
  }
  return decodeExact(bytes, (r) => readTx(r, opts), "tx");
}

/** H("tandem/tx/v1" ‖ unsigned encoding): the 32 bytes the sender signs. */
export function txSignBytes(tx: UnsignedTx, opts: TxHashOptions = {}): Uint8Array {
  const hash = opts.hash ?? defaultHash;
  return withWriter((w) => {
    w.raw(TX_TAG);
    writeUnsigned(w, tx, opts.registry ?? defaultTxKinds);
    return hash(w.view());
  });
}

/**
 * {@link txSignBytes} of `tx` taken from its canonical bytes `bytes` (what `decodeTx(bytes)` returned):
 * the unsigned encoding is the prefix before the signature's LEB128 length and bytes, so nothing is
 * re-encoded. The result equals `txSignBytes(tx)`; `bytes` must be the canonical encoding of `tx`.
 */
export function txSignBytesFromCanonical(
  bytes: Uint8Array,
  tx: SignedTx,
  opts: TxHashOptions = {},
): Uint8Array {
  const hash = opts.hash ?? defaultHash;
  const sigLen = tx.signature.length;
  let prefix = 1;
  for (let v = sigLen; v >= 0x80; v = Math.floor(v / 128)) prefix++;
  const unsignedLen = bytes.length - sigLen - prefix;
  if (unsignedLen <= 0) throw encodeInvalid("bytes are not the canonical encoding of tx");
  const n = TX_TAG.length + unsignedLen;
  // A reused preimage buffer for usual sizes (hash functions never keep their input).
  const buf = n <= SIGN_SCRATCH.length ? SIGN_SCRATCH.subarray(0, n) : new Uint8Array(n);
  buf.set(TX_TAG);
  buf.set(bytes.subarray(0, unsignedLen), TX_TAG.length);
  return hash(buf);
}

const SIGN_SCRATCH = new Uint8Array(2048);

/** H(0x00 ‖ canonical signed tx) — its RFC 6962 leaf hash — from the tx or from its canonical bytes. */
export function txHash(tx: SignedTx | Uint8Array, opts: TxHashOptions = {}): Uint8Array {
  const hash = opts.hash ?? defaultHash;
  if (tx instanceof Uint8Array) return merkleLeafHash(tx, hash);
  return withWriter((w) => {
    writeTx(w, tx, opts);
    return merkleLeafHash(w.view(), hash);
  });
}

/** The 20-byte account address of a sender: first 20 bytes of H(scheme id ‖ sender). */
export function accountAddress(scheme: TxScheme, sender: Uint8Array, hash: HashFn = defaultHash): Uint8Array {
  const info = txSchemeInfo(scheme);
  if (
    !(sender instanceof Uint8Array) ||
    sender.length < info.senderMinLength ||
    sender.length > info.senderMaxLength
  ) {
    throw encodeInvalid(`sender length does not fit scheme ${scheme}`, { scheme });
  }
  const buf = new Uint8Array(1 + sender.length);
  buf[0] = info.id;
  buf.set(sender, 1);
  return hash(buf).slice(0, 20);
}

/** The account address of a transaction's sender. */
export function txSenderAddress(tx: UnsignedTx, hash: HashFn = defaultHash): Uint8Array {
  return accountAddress(tx.scheme, tx.sender, hash);
}

/** An unsigned tx whose sender and scheme {@link signTx} may fill in from the secret key. */
export type TxDraft<P = unknown> = Omit<UnsignedTx<P>, "sender" | "scheme"> & {
  sender?: Uint8Array;
  scheme?: TxScheme;
};

/**
 * Signs `draft` with `secretKey` under `scheme` (ed25519, secp256k1 or sm2). The sender is the key's
 * public key; a sender or scheme already in the draft must agree. For tests, the SDK and devices.
 */
export function signTx<P>(
  draft: TxDraft<P>,
  secretKey: Uint8Array,
  scheme: SignableTxScheme,
  opts: TxHashOptions = {},
): SignedTx<P> {
  const signer = SIGNERS[scheme];
  if (signer === undefined) throw encodeInvalid(`signTx cannot sign with scheme ${String(scheme)}`);
  if (draft.scheme !== undefined && draft.scheme !== scheme) {
    throw encodeInvalid("draft.scheme differs from the signing scheme", { scheme });
  }
  const publicKey = signer.getPublicKey(secretKey);
  if (draft.sender !== undefined && !sameBytes(draft.sender, publicKey)) {
    throw encodeInvalid("draft.sender is not the public key of secretKey", { scheme });
  }
  const unsigned: UnsignedTx<P> = { ...draft, scheme, sender: publicKey };
  const signature = signer.sign(txSignBytes(unsigned, opts), secretKey);
  return { ...unsigned, signature };
}

/**
 * Signs with an external signer (an SM9 key holder, an HSM, a device): `sign` receives the 32 sign bytes
 * and returns the signature.
 */
export function signTxWith<P>(
  unsigned: UnsignedTx<P>,
  sign: (signBytes: Uint8Array) => Uint8Array,
  opts: TxHashOptions = {},
): SignedTx<P> {
  const signature = sign(txSignBytes(unsigned, opts));
  return { ...unsigned, signature };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Options of {@link verifyTxSignature}. */
export interface VerifyTxOptions extends TxHashOptions {
  /**
   * SM9 verification needs the sender's current SM9 parameters from chain state, so the caller supplies
   * it; without this hook SM9 transactions never verify.
   */
  sm9?: (tx: SignedTx, signBytes: Uint8Array) => boolean;
}

/**
 * True when `tx.signature` is the sender's signature over `txSignBytes(tx)`. False for a wrong
 * signature, key or length, and for SM9 without the `sm9` hook. Throws only when `tx` cannot be encoded.
 */
export function verifyTxSignature(tx: SignedTx, opts: VerifyTxOptions = {}): boolean {
  if (typeof tx !== "object" || tx === null || !(tx.signature instanceof Uint8Array)) return false;
  const info = SCHEME_BY_NAME.get(tx.scheme);
  if (info === undefined) return false;
  if (tx.signature.length < info.signatureMinLength || tx.signature.length > info.signatureMaxLength)
    return false;
  const signBytes = txSignBytes(tx, opts);
  if (tx.scheme === "sm9") {
    if (opts.sm9 === undefined) return false;
    return opts.sm9(tx, signBytes) === true;
  }
  const signer = SIGNERS[tx.scheme];
  return signer.verify(tx.signature, signBytes, tx.sender);
}

/** Throws TX_BAD_SIGNATURE unless {@link verifyTxSignature} holds. */
export function assertTxSignature(tx: SignedTx, opts: VerifyTxOptions = {}): void {
  if (!verifyTxSignature(tx, opts)) {
    throw new LedgerError(LedgerErrorCode.TX_BAD_SIGNATURE, "transaction signature does not verify", {
      scheme: String(tx?.scheme),
      chainId: String(tx?.chainId),
      kind: String(tx?.kind),
    });
  }
}

/** Narrows a decoded tx to a kind's payload type. */
export function isTxOfKind<P>(tx: UnsignedTx, def: TxKindDefinition<P>): tx is SignedTx<P> {
  return tx.kind === def.kind;
}
