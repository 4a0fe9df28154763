/**
 * Binary encodings of consensus messages (the wire) and of consensus WAL events. Decoders are strict:
 * unknown tags, bad lengths, out-of-range numbers and trailing bytes throw CODEC_MALFORMED; structural
 * checks (round ranges, vote type) throw CONSENSUS_INVALID_MESSAGE.
 */
import { decodeCommit as ledgerDecodeCommit, encodeCommit as ledgerEncodeCommit } from "@tandem/ledger";
import { type ByteReader, ByteWriter, decodeAll } from "../encoding.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import { checkChainId, checkHash, checkHeightRound, HASH_LENGTH, MAX_CHAIN_ID_LENGTH } from "./sign-bytes.js";
import type { ConsensusEvent } from "./state-machine.js";
import type { Commit, Decision, Proposal, Step, Value, Vote, VoteType } from "./types.js";

/** Largest value (block) carried in a proposal. */
export const MAX_VALUE_BYTES = 32 * 1024 * 1024;
export const MAX_SIGNATURE_LENGTH = 256;
/** Longest canonical commit (ledger encoding: 8 + 4 + 32 + 2 + 1250 + 96 bytes). */
const MAX_COMMIT_BYTES = 2048;

/** Messages between consensus engines. */
export type ConsensusMessage =
  | { readonly kind: "proposal"; readonly proposal: Proposal }
  | { readonly kind: "vote"; readonly vote: Vote }
  /** "I am at (height, round)": peers that are ahead answer with the decision of `height`. */
  | { readonly kind: "status"; readonly height: number; readonly round: number }
  /** A decided value and its commit, sent to a peer that is behind. */
  | { readonly kind: "decision"; readonly decision: Decision }
  /** Votes for one (height, round, type, value) relayed together, e.g. a proof-of-lock. */
  | { readonly kind: "votes"; readonly votes: readonly Vote[] };

const MSG_PROPOSAL = 1;
const MSG_VOTE = 2;
const MSG_STATUS = 3;
const MSG_DECISION = 4;
const MSG_VOTES = 5;
/** Most votes in one bundle. */
export const MAX_BUNDLE_VOTES = 10_000;

const EV_PROPOSAL = 1;
const EV_VOTE = 2;
const EV_TIMEOUT = 3;
const EV_VALIDATED = 4;
const EV_COMMIT_CERT = 5;

function malformed(message: string): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.CODEC_MALFORMED, message);
}

const STEP_CODES: Record<Step, number> = { propose: 1, prevote: 2, precommit: 3 };
const STEPS: Step[] = ["propose", "prevote", "precommit"];

function writeValue(w: ByteWriter, v: Value): void {
  checkHash(v.hash, "value hash");
  w.bytes(v.hash).bytes(v.bytes);
}

function readValue(r: ByteReader): Value {
  const hash = r.bytes(HASH_LENGTH, "value hash");
  checkHash(hash, "value hash");
  return { hash, bytes: r.bytes(MAX_VALUE_BYTES, "value bytes") };
}

export function writeProposal(w: ByteWriter, p: Proposal): void {
  checkChainId(p.chainId);
  checkHeightRound(p.height, p.round);
  w.string(p.chainId)
    .u64(p.height)
    .u32(p.round)
    .u32(p.validRound + 1);
  writeValue(w, p.value);
  w.u32(p.proposerIndex).bytes(p.signature);
}

export function readProposal(r: ByteReader): Proposal {
  const chainId = r.string(MAX_CHAIN_ID_LENGTH, "chainId");
  const height = r.u64("height");
  const round = r.u32("round");
  const validRound = r.u32("validRound") - 1;
  checkChainId(chainId);
  checkHeightRound(height, round);
  if (validRound >= round) throw malformed("proposal: validRound must be below round");
  const value = readValue(r);
  const proposerIndex = r.u32("proposerIndex");
  const signature = r.bytes(MAX_SIGNATURE_LENGTH, "signature");
  return { chainId, height, round, validRound, value, proposerIndex, signature };
}

export function writeVote(w: ByteWriter, v: Vote): void {
  checkChainId(v.chainId);
  checkHeightRound(v.height, v.round);
  w.string(v.chainId).u64(v.height).u32(v.round);
  if (v.type === "prevote") w.u8(1);
  else if (v.type === "precommit") w.u8(2);
  else throw malformed("vote: unknown type");
  if (v.blockHash === null) w.bool(false);
  else {
    checkHash(v.blockHash, "blockHash");
    w.bool(true).bytes(v.blockHash);
  }
  w.u32(v.validatorIndex).bytes(v.signature);
}

export function readVote(r: ByteReader): Vote {
  const chainId = r.string(MAX_CHAIN_ID_LENGTH, "chainId");
  const height = r.u64("height");
  const round = r.u32("round");
  checkChainId(chainId);
  checkHeightRound(height, round);
  const t = r.u8("vote type");
  let type: VoteType;
  if (t === 1) type = "prevote";
  else if (t === 2) type = "precommit";
  else throw malformed(`vote: unknown type ${t}`);
  let blockHash: Uint8Array | null = null;
  if (r.bool("hash present")) {
    blockHash = r.bytes(HASH_LENGTH, "blockHash");
    checkHash(blockHash, "blockHash");
  }
  const validatorIndex = r.u32("validatorIndex");
  const signature = r.bytes(MAX_SIGNATURE_LENGTH, "signature");
  return { chainId, height, round, type, blockHash, validatorIndex, signature };
}

/** Embeds the ledger's canonical commit encoding. */
export function writeCommit(w: ByteWriter, c: Commit): void {
  checkHeightRound(c.height, c.round);
  checkHash(c.blockHash, "commit blockHash");
  w.bytes(ledgerEncodeCommit(c));
}

export function readCommit(r: ByteReader): Commit {
  const bytes = r.bytes(MAX_COMMIT_BYTES, "commit");
  try {
    return ledgerDecodeCommit(bytes);
  } catch (cause) {
    throw new ChainCoreError(ChainCoreErrorCode.CODEC_MALFORMED, "commit does not decode", {}, { cause });
  }
}

export function encodeDecision(d: Decision): Uint8Array {
  const w = new ByteWriter(256 + d.value.bytes.length);
  w.u64(d.height);
  writeValue(w, d.value);
  writeCommit(w, d.commit);
  return w.finish();
}

function readDecision(r: ByteReader): Decision {
  const height = r.u64("height");
  const value = readValue(r);
  const commit = readCommit(r);
  if (commit.height !== height) throw malformed("decision: commit height differs");
  return { height, value, commit };
}

export function decodeDecision(bytes: Uint8Array): Decision {
  return decodeAll(bytes, "decision", readDecision);
}

export function encodeConsensusMessage(m: ConsensusMessage): Uint8Array {
  const w = new ByteWriter(256);
  switch (m.kind) {
    case "proposal":
      w.u8(MSG_PROPOSAL);
      writeProposal(w, m.proposal);
      break;
    case "vote":
      w.u8(MSG_VOTE);
      writeVote(w, m.vote);
      break;
    case "status":
      w.u8(MSG_STATUS).u64(m.height).u32(m.round);
      break;
    case "decision":
      w.u8(MSG_DECISION).raw(encodeDecision(m.decision));
      break;
    case "votes":
      if (m.votes.length > MAX_BUNDLE_VOTES) throw malformed("vote bundle too large");
      w.u8(MSG_VOTES).u32(m.votes.length);
      for (const v of m.votes) writeVote(w, v);
      break;
  }
  return w.finish();
}

export function decodeConsensusMessage(bytes: Uint8Array): ConsensusMessage {
  return decodeAll(bytes, "consensus message", (r): ConsensusMessage => {
    const tag = r.u8("message tag");
    switch (tag) {
      case MSG_PROPOSAL:
        return { kind: "proposal", proposal: readProposal(r) };
      case MSG_VOTE:
        return { kind: "vote", vote: readVote(r) };
      case MSG_STATUS: {
        const height = r.u64("height");
        const round = r.u32("round");
        return { kind: "status", height, round };
      }
      case MSG_DECISION:
        return { kind: "decision", decision: readDecision(r) };
      case MSG_VOTES: {
        const n = r.u32("vote count");
        if (n > MAX_BUNDLE_VOTES) throw malformed(`vote bundle of ${n} votes`);
        if (n * 27 > r.remaining) throw malformed("vote bundle: count exceeds the input");
        const votes: Vote[] = [];
        for (let i = 0; i < n; i++) votes.push(readVote(r));
        return { kind: "votes", votes };
      }
      default:
        throw malformed(`unknown consensus message tag ${tag}`);
    }
  });
}

/** Events that go to the WAL (start-height and value-ready are re-derived on restart). */
export type WalEvent = Extract<
  ConsensusEvent,
  { type: "proposal" | "vote" | "timeout" | "value-validated" | "commit-certificate" }
>;

export function isWalEvent(e: ConsensusEvent): e is WalEvent {
  return (
    e.type === "proposal" ||
    e.type === "vote" ||
    e.type === "timeout" ||
    e.type === "value-validated" ||
    e.type === "commit-certificate"
  );
}

export function encodeWalEvent(e: WalEvent): Uint8Array {
  const w = new ByteWriter(256);
  switch (e.type) {
    case "proposal":
      w.u8(EV_PROPOSAL);
      writeProposal(w, e.proposal);
      break;
    case "vote":
      w.u8(EV_VOTE).bool(e.certified === true);
      writeVote(w, e.vote);
      break;
    case "timeout":
      w.u8(EV_TIMEOUT).u64(e.height).u32(e.round).u8(STEP_CODES[e.step]);
      break;
    case "value-validated":
      w.u8(EV_VALIDATED).u64(e.height).bytes(e.hash).bool(e.valid);
      break;
    case "commit-certificate":
      w.u8(EV_COMMIT_CERT).u64(e.height);
      writeValue(w, e.value);
      writeCommit(w, e.commit);
      break;
  }
  return w.finish();
}

export function decodeWalEvent(bytes: Uint8Array): WalEvent {
  return decodeAll(bytes, "WAL event", (r): WalEvent => {
    const tag = r.u8("event tag");
    switch (tag) {
      case EV_PROPOSAL:
        return { type: "proposal", proposal: readProposal(r) };
      case EV_VOTE: {
        const certified = r.bool("certified");
        const vote = readVote(r);
        return certified ? { type: "vote", vote, certified } : { type: "vote", vote };
      }
      case EV_TIMEOUT: {
        const height = r.u64("height");
        const round = r.u32("round");
        const step = STEPS[r.u8("step") - 1];
        if (step === undefined) throw malformed("timeout: unknown step");
        return { type: "timeout", height, round, step };
      }
      case EV_VALIDATED: {
        const height = r.u64("height");
        const hash = r.bytes(HASH_LENGTH, "hash");
        const valid = r.bool("valid");
        return { type: "value-validated", height, hash, valid };
      }
      case EV_COMMIT_CERT: {
        const height = r.u64("height");
        const value = readValue(r);
        const commit = readCommit(r);
        return { type: "commit-certificate", height, value, commit };
      }
      default:
        throw malformed(`unknown WAL event tag ${tag}`);
    }
  });
}
