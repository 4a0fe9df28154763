/**
 * Misbehaviour evidence on chain, as a state module and a tx kind (the ledger's block format has no
 * evidence field, so evidence travels as a transaction: canonical, gossiped and proven like any other).
 *
 * When a node's consensus engine sees one validator sign two conflicting votes (or proposals) for one
 * (height, round, step), the node signs an `evidence.equivocation` tx with its operator key and submits
 * it; the next proposer reaps it into a block. The module checks it deterministically on every node:
 * both signatures verify under the accused key over this chain's sign bytes, the two messages really
 * conflict, the key belongs to the current validator set, the evidence is not from the future nor older
 * than `maxAgeBlocks`, and the same misbehaviour was not recorded before. It then records it under
 * `evidence/<validator address 20><u64 height><u32 round><u8 step>` (value: u64 height of inclusion) and
 * emits an `evidence` event. There is no slashing module yet; governance can act on the event.
 *
 * Payload (ledger canonical encoding), one encoding per misbehaviour (A sorts before B by signed hash,
 * nil first; equal hashes do not conflict and do not decode):
 *   u8 kind (1 duplicate vote, 2 duplicate proposal) ‖ publicKey 48 ‖ u64 height ‖ u32 round
 *   kind 1: u8 vote type (1 prevote, 2 precommit) ‖ A ‖ B, each: optional blockHash 32 ‖ signature 96
 *   kind 2: A ‖ B, each: u32 validRound + 1 ‖ valueHash 32 ‖ signature 96
 */
import { bytesToHex, compareBytes, equalBytes, utf8ToBytes } from "@tandem/crypto";
import {
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  LedgerError,
  LedgerErrorCode,
  type Reader,
  registerTxKind,
  type SignedTx,
  type TxKindDefinition,
  type Validator,
  type Writer,
} from "@tandem/ledger";
import { proposalSignBytes, voteSignBytes } from "../consensus/sign-bytes.js";
import type { VoteVerifier } from "../consensus/signer.js";
import type { Evidence, VoteType } from "../consensus/types.js";
import type { ValidatorSet } from "../consensus/validator-set.js";
import { txError } from "./errors.js";
import type { StateModule, TxContext } from "./interface.js";

/** Result codes of the evidence module. */
export const EvidenceErrorCode = {
  /** The two messages do not conflict, or a signature does not verify under the accused key. */
  INVALID: "EVIDENCE_INVALID",
  /** This misbehaviour (validator, height, round, step) is already recorded. */
  DUPLICATE: "EVIDENCE_DUPLICATE",
  /** The evidence is from a height after the block's, or older than the module accepts. */
  OUT_OF_RANGE: "EVIDENCE_OUT_OF_RANGE",
  /** The accused key is not in the current validator set. */
  UNKNOWN_VALIDATOR: "EVIDENCE_UNKNOWN_VALIDATOR",
} as const;
export type EvidenceErrorCode = (typeof EvidenceErrorCode)[keyof typeof EvidenceErrorCode];

export interface SignedVoteHalf {
  readonly blockHash: Uint8Array | null;
  readonly signature: Uint8Array;
}

export interface SignedProposalHalf {
  readonly validRound: number;
  readonly valueHash: Uint8Array;
  readonly signature: Uint8Array;
}

/** Payload of an `evidence.equivocation` tx. */
export type EvidencePayload =
  | {
      readonly kind: "duplicate-vote";
      readonly publicKey: Uint8Array;
      readonly height: number;
      readonly round: number;
      readonly type: VoteType;
      readonly a: SignedVoteHalf;
      readonly b: SignedVoteHalf;
    }
  | {
      readonly kind: "duplicate-proposal";
      readonly publicKey: Uint8Array;
      readonly height: number;
      readonly round: number;
      readonly a: SignedProposalHalf;
      readonly b: SignedProposalHalf;
    };

const EMPTY = new Uint8Array(0);
const NON_CANONICAL = "evidence halves must be distinct and in canonical order";

function malformed(message: string, r: Reader): LedgerError {
  return new LedgerError(LedgerErrorCode.DECODE_NON_CANONICAL, message, { offset: r.offset });
}

function badValue(message: string): LedgerError {
  return new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, message);
}

function voteOrder(a: SignedVoteHalf, b: SignedVoteHalf): number {
  return compareBytes(a.blockHash ?? EMPTY, b.blockHash ?? EMPTY);
}

function proposalOrder(a: SignedProposalHalf, b: SignedProposalHalf): number {
  const c = compareBytes(a.valueHash, b.valueHash);
  return c !== 0 ? c : a.validRound - b.validRound;
}

function writeVoteHalf(w: Writer, v: SignedVoteHalf): void {
  w.optionalTag(v.blockHash !== null);
  if (v.blockHash !== null) w.fixed(v.blockHash, 32, "blockHash");
  w.fixed(v.signature, BLS_SIGNATURE_LENGTH, "signature");
}

function readVoteHalf(r: Reader): SignedVoteHalf {
  const blockHash = r.optionalTag("blockHash") ? r.fixed(32, "blockHash") : null;
  return { blockHash, signature: r.fixed(BLS_SIGNATURE_LENGTH, "signature") };
}

function writeProposalHalf(w: Writer, p: SignedProposalHalf): void {
  if (!Number.isInteger(p.validRound) || p.validRound < -1) throw badValue("validRound must be ≥ −1");
  w.u32(p.validRound + 1);
  w.fixed(p.valueHash, 32, "valueHash");
  w.fixed(p.signature, BLS_SIGNATURE_LENGTH, "signature");
}

function readProposalHalf(r: Reader): SignedProposalHalf {
  const validRound = r.u32("validRound") - 1;
  return {
    validRound,
    valueHash: r.fixed(32, "valueHash"),
    signature: r.fixed(BLS_SIGNATURE_LENGTH, "signature"),
  };
}

function writeEvidence(w: Writer, e: EvidencePayload): void {
  if (typeof e !== "object" || e === null) throw badValue("evidence must be an object");
  w.u8(e.kind === "duplicate-vote" ? 1 : e.kind === "duplicate-proposal" ? 2 : 0);
  w.fixed(e.publicKey, BLS_PUBLIC_KEY_LENGTH, "publicKey");
  if (!Number.isSafeInteger(e.height) || e.height < 1) throw badValue("height must be ≥ 1");
  w.u64(e.height).u32(e.round);
  if (e.kind === "duplicate-vote") {
    if (voteOrder(e.a, e.b) >= 0) throw badValue(NON_CANONICAL);
    w.u8(e.type === "prevote" ? 1 : e.type === "precommit" ? 2 : 0);
    writeVoteHalf(w, e.a);
    writeVoteHalf(w, e.b);
  } else if (e.kind === "duplicate-proposal") {
    if (proposalOrder(e.a, e.b) >= 0) throw badValue(NON_CANONICAL);
    writeProposalHalf(w, e.a);
    writeProposalHalf(w, e.b);
  } else {
    throw badValue("unknown evidence kind");
  }
}

function readEvidence(r: Reader): EvidencePayload {
  const kind = r.u8("kind");
  const publicKey = r.fixed(BLS_PUBLIC_KEY_LENGTH, "publicKey");
  const height = r.u64("height");
  const round = r.u32("round");
  if (height < 1) throw malformed("evidence height must be ≥ 1", r);
  if (kind === 1) {
    const t = r.u8("vote type");
    if (t !== 1 && t !== 2) throw malformed("unknown vote type", r);
    const a = readVoteHalf(r);
    const b = readVoteHalf(r);
    if (voteOrder(a, b) >= 0) throw malformed(NON_CANONICAL, r);
    return {
      kind: "duplicate-vote",
      publicKey,
      height,
      round,
      type: t === 1 ? "prevote" : "precommit",
      a,
      b,
    };
  }
  if (kind === 2) {
    const a = readProposalHalf(r);
    const b = readProposalHalf(r);
    if (proposalOrder(a, b) >= 0) throw malformed(NON_CANONICAL, r);
    return { kind: "duplicate-proposal", publicKey, height, round, a, b };
  }
  throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, "unknown evidence kind", { kind });
}

/** The `evidence.equivocation` kind (id 18). */
export const EVIDENCE_KIND: TxKindDefinition<EvidencePayload> = registerTxKind<EvidencePayload>({
  kind: "evidence.equivocation",
  id: 18,
  codec: { encode: writeEvidence, decode: readEvidence },
  maxPayloadBytes: 1 + BLS_PUBLIC_KEY_LENGTH + 8 + 4 + 1 + 2 * (4 + 1 + 32 + BLS_SIGNATURE_LENGTH),
  description: "proof that a validator signed two conflicting consensus messages",
});

/**
 * The payload for consensus {@link Evidence}, with the accused validator's key (looked up by the
 * caller in the validator set of the evidence's height). Orders the halves canonically.
 */
export function evidencePayload(e: Evidence, publicKey: Uint8Array): EvidencePayload {
  if (e.kind === "duplicate-vote") {
    const x = { blockHash: e.voteA.blockHash, signature: e.voteA.signature };
    const y = { blockHash: e.voteB.blockHash, signature: e.voteB.signature };
    const [a, b] = voteOrder(x, y) <= 0 ? [x, y] : [y, x];
    return {
      kind: "duplicate-vote",
      publicKey,
      height: e.voteA.height,
      round: e.voteA.round,
      type: e.voteA.type,
      a,
      b,
    };
  }
  const x = {
    validRound: e.proposalA.validRound,
    valueHash: e.proposalA.value.hash,
    signature: e.proposalA.signature,
  };
  const y = {
    validRound: e.proposalB.validRound,
    valueHash: e.proposalB.value.hash,
    signature: e.proposalB.signature,
  };
  const [a, b] = proposalOrder(x, y) <= 0 ? [x, y] : [y, x];
  return {
    kind: "duplicate-proposal",
    publicKey,
    height: e.proposalA.height,
    round: e.proposalA.round,
    a,
    b,
  };
}

/** Step byte of the record key: 1 propose, 2 prevote, 3 precommit. */
function stepOf(e: EvidencePayload): number {
  if (e.kind === "duplicate-proposal") return 1;
  return e.type === "prevote" ? 2 : 3;
}

const EVIDENCE_PREFIX = utf8ToBytes("evidence/");

/** `evidence/<address 20><u64 height><u32 round><u8 step>`. */
export function evidenceKey(address: Uint8Array, height: number, round: number, step: number): Uint8Array {
  const k = new Uint8Array(EVIDENCE_PREFIX.length + 20 + 13);
  k.set(EVIDENCE_PREFIX);
  k.set(address, EVIDENCE_PREFIX.length);
  const dv = new DataView(k.buffer);
  dv.setBigUint64(EVIDENCE_PREFIX.length + 20, BigInt(height));
  dv.setUint32(EVIDENCE_PREFIX.length + 28, round);
  k[EVIDENCE_PREFIX.length + 32] = step;
  return k;
}

/** The record key of a payload's misbehaviour for the validator with `address`. */
export function evidenceRecordKey(address: Uint8Array, e: EvidencePayload): Uint8Array {
  return evidenceKey(address, e.height, e.round, stepOf(e));
}

/** Name of the evidence module. */
export const EVIDENCE_MODULE_NAME = "evidence";

export interface EvidenceModuleOptions {
  /** Checks one consensus signature (BLS in production: {@link BlsVoteVerifier}). */
  readonly verifier: Pick<VoteVerifier, "verify">;
  /** Evidence older than this many blocks is refused (default 100_000). */
  readonly maxAgeBlocks?: number;
}

export const defaultEvidenceModuleOptions = { maxAgeBlocks: 100_000 } as const;

/** True when both halves are validly signed, conflicting messages of `payload.publicKey` on `chainId`. */
export function verifyEvidencePayload(
  payload: EvidencePayload,
  chainId: string,
  verifier: Pick<VoteVerifier, "verify">,
  hash?: (b: Uint8Array) => Uint8Array,
): boolean {
  try {
    if (payload.kind === "duplicate-vote") {
      const { a, b } = payload;
      if (
        a.blockHash === null
          ? b.blockHash === null
          : b.blockHash !== null && equalBytes(a.blockHash, b.blockHash)
      )
        return false;
      const base = { chainId, height: payload.height, round: payload.round, type: payload.type };
      return (
        verifier.verify(
          a.signature,
          voteSignBytes({ ...base, blockHash: a.blockHash }, hash),
          payload.publicKey,
        ) &&
        verifier.verify(
          b.signature,
          voteSignBytes({ ...base, blockHash: b.blockHash }, hash),
          payload.publicKey,
        )
      );
    }
    const { a, b } = payload;
    if (a.validRound === b.validRound && equalBytes(a.valueHash, b.valueHash)) return false;
    const base = { chainId, height: payload.height, round: payload.round };
    return (
      verifier.verify(
        a.signature,
        proposalSignBytes({ ...base, validRound: a.validRound, valueHash: a.valueHash }, hash),
        payload.publicKey,
      ) &&
      verifier.verify(
        b.signature,
        proposalSignBytes({ ...base, validRound: b.validRound, valueHash: b.valueHash }, hash),
        payload.publicKey,
      )
    );
  } catch {
    return false;
  }
}

/** The evidence module (kind `evidence.equivocation`). Any account may submit evidence. */
export function evidenceModule(opts: EvidenceModuleOptions): StateModule {
  const maxAge = opts.maxAgeBlocks ?? defaultEvidenceModuleOptions.maxAgeBlocks;
  if (!Number.isSafeInteger(maxAge) || maxAge < 1)
    throw new RangeError("maxAgeBlocks must be a positive integer");
  if (typeof opts.verifier?.verify !== "function")
    throw new TypeError("evidenceModule: a verifier is required");
  return {
    name: EVIDENCE_MODULE_NAME,
    kinds: [EVIDENCE_KIND],
    execute(ctx: TxContext, tx: SignedTx): undefined {
      const e = tx.payload as EvidencePayload;
      if (e.height > ctx.block.height || e.height + maxAge < ctx.block.height) {
        throw txError(EvidenceErrorCode.OUT_OF_RANGE, "evidence height out of range", { height: e.height });
      }
      const set = ctx.validators();
      const accused = set.validators.find((v: Validator) => equalBytes(v.publicKey, e.publicKey));
      if (accused === undefined) {
        throw txError(EvidenceErrorCode.UNKNOWN_VALIDATOR, "the accused key is not a current validator");
      }
      const key = evidenceRecordKey(accused.address, e);
      if (ctx.state.has(key))
        throw txError(EvidenceErrorCode.DUPLICATE, "this misbehaviour is already recorded");
      if (!verifyEvidencePayload(e, ctx.block.chainId, opts.verifier, ctx.hash)) {
        throw txError(EvidenceErrorCode.INVALID, "evidence does not prove a conflicting signature");
      }
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigUint64(0, BigInt(ctx.block.height));
      ctx.state.set(key, v);
      ctx.emit("evidence", [
        ["validator", bytesToHex(accused.address)],
        ["kind", e.kind],
        ["height", String(e.height)],
        ["round", String(e.round)],
        ["step", String(stepOf(e))],
      ]);
      return undefined;
    },
  };
}

/** Convenience for callers holding a consensus set: the accused key of `e` in the set of its height. */
export function accusedKey(e: Evidence, set: ValidatorSet): Uint8Array | undefined {
  const index = e.kind === "duplicate-vote" ? e.voteA.validatorIndex : e.proposalA.proposerIndex;
  return set.at(index)?.publicKey;
}
