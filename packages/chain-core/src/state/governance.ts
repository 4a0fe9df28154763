/**
 * Consortium governance of the validator set, as a state module.
 *
 * A validator (identified by its operator account: the validator's `address` is the account address of
 * the key that signs its governance txs) proposes one change: add a validator (address, BLS key, power,
 * and a BLS proof of possession of the key, which defends the commit's aggregate signature against
 * rogue keys), remove one, or change one's power. Validators approve it by id; proposing counts as the
 * proposer's approval. At the end of each block every pending proposal, in id order, is tallied against
 * the set as it stands then (approvals of validators no longer in the set do not count): when the
 * approvers hold strictly more than 2/3 of the current total power the change is applied, so the next
 * validator set is an output of the block. A change that would empty the set, drop it below
 * `minValidators`, duplicate an address or key, or break the set's limits is refused when proposed and
 * again when applied (then the proposal fails with an event). Unapplied proposals expire after
 * `proposalTtlBlocks`.
 *
 * Payloads (ledger canonical encoding):
 *   validator.propose (kind id 16) = u8 action (1 add, 2 remove, 3 power) ‖ address 20
 *                                    ‖ add: publicKey 48 ‖ u64 power (> 0) ‖ proofOfPossession 96
 *                                    ‖ power: u64 power (> 0)
 *   validator.approve (kind id 17) = u64 proposalId
 * Stored proposal (gov/prop/<id>) = u64 id ‖ proposer 20 ‖ u64 createdHeight ‖ change ‖ LEB128 n ‖ n ×
 *   approver address 20 (ascending, distinct).
 * The result data of a successful propose is the u64 proposal id.
 */
import { bls, bytesToHex, compareBytes, equalBytes, initBls } from "@tandem/crypto";
import {
  ADDRESS_LENGTH,
  BLS_PUBLIC_KEY_LENGTH,
  BLS_SIGNATURE_LENGTH,
  createValidatorSet,
  decodeExact,
  isLedgerError,
  LedgerError,
  LedgerErrorCode,
  MAX_TOTAL_POWER,
  type Reader,
  registerTxKind,
  type SignedTx,
  type TxKindDefinition,
  type Validator,
  type ValidatorSet,
  validatorIndex,
  Writer,
} from "@tandem/ledger";
import { decodeIdList, decodeU64, encodeIdList, encodeU64 } from "./codec.js";
import { GovErrorCode, StateErrorCode, stateError, txError } from "./errors.js";
import type { ExecContext, StateModule, TxContext } from "./interface.js";
import { GOV_NEXT_ID_KEY, GOV_PENDING_KEY, proposalKey } from "./keys.js";

/** A change to the validator set. */
export type ValidatorChange =
  | {
      readonly action: "add";
      readonly address: Uint8Array;
      readonly publicKey: Uint8Array;
      readonly power: bigint;
      readonly proofOfPossession: Uint8Array;
    }
  | { readonly action: "remove"; readonly address: Uint8Array }
  | { readonly action: "power"; readonly address: Uint8Array; readonly power: bigint };

/** Payload of `validator.approve`. */
export interface ValidatorApproval {
  readonly proposalId: number;
}

/** A pending proposal as stored. */
export interface ValidatorProposal {
  readonly id: number;
  readonly proposer: Uint8Array;
  readonly createdHeight: number;
  readonly change: ValidatorChange;
  /** Approver addresses, ascending. */
  readonly approvals: readonly Uint8Array[];
}

const ACTION_ID = { add: 1, remove: 2, power: 3 } as const;

function badValue(message: string): LedgerError {
  return new LedgerError(LedgerErrorCode.ENCODE_INVALID_VALUE, message);
}

function writePower(w: Writer, power: unknown): void {
  if (typeof power !== "bigint" || power <= 0n || power > MAX_TOTAL_POWER)
    throw badValue("power must be 1..MAX_TOTAL_POWER");
  w.u64Big(power);
}

function readPower(r: Reader): bigint {
  const at = r.offset;
  const p = r.u64Big("power");
  if (p === 0n || p > MAX_TOTAL_POWER) {
    throw new LedgerError(LedgerErrorCode.DECODE_OUT_OF_RANGE, "power must be 1..MAX_TOTAL_POWER", {
      offset: at,
      field: "power",
    });
  }
  return p;
}

function writeChange(w: Writer, c: ValidatorChange): void {
  if (typeof c !== "object" || c === null) throw badValue("change must be an object");
  const id = ACTION_ID[c.action as keyof typeof ACTION_ID];
  if (id === undefined) throw badValue("unknown validator change action");
  w.u8(id);
  w.fixed(c.address, ADDRESS_LENGTH, "address");
  if (c.action === "add") {
    w.fixed(c.publicKey, BLS_PUBLIC_KEY_LENGTH, "publicKey");
    writePower(w, c.power);
    w.fixed(c.proofOfPossession, BLS_SIGNATURE_LENGTH, "proofOfPossession");
  } else if (c.action === "power") {
    writePower(w, c.power);
  }
}

function readChange(r: Reader): ValidatorChange {
  const at = r.offset;
  const id = r.u8("action");
  const address = r.fixed(ADDRESS_LENGTH, "address");
  switch (id) {
    case ACTION_ID.add: {
      const publicKey = r.fixed(BLS_PUBLIC_KEY_LENGTH, "publicKey");
      const power = readPower(r);
      const proofOfPossession = r.fixed(BLS_SIGNATURE_LENGTH, "proofOfPossession");
      return { action: "add", address, publicKey, power, proofOfPossession };
    }
    case ACTION_ID.remove:
      return { action: "remove", address };
    case ACTION_ID.power:
      return { action: "power", address, power: readPower(r) };
    default:
      throw new LedgerError(LedgerErrorCode.DECODE_UNKNOWN_KIND, "unknown validator change action", {
        offset: at,
        field: "action",
      });
  }
}

/** The `validator.propose` kind (id 16). */
export const VALIDATOR_PROPOSE_KIND: TxKindDefinition<ValidatorChange> = registerTxKind<ValidatorChange>({
  kind: "validator.propose",
  id: 16,
  codec: { encode: writeChange, decode: readChange },
  maxPayloadBytes: 1 + ADDRESS_LENGTH + BLS_PUBLIC_KEY_LENGTH + 8 + BLS_SIGNATURE_LENGTH,
  description: "propose adding, removing or re-weighting a validator (consortium governance)",
});

/** The `validator.approve` kind (id 17). */
export const VALIDATOR_APPROVE_KIND: TxKindDefinition<ValidatorApproval> = registerTxKind<ValidatorApproval>({
  kind: "validator.approve",
  id: 17,
  codec: {
    encode(w, p) {
      if (typeof p !== "object" || p === null) throw badValue("approval must be an object");
      w.u64(p.proposalId);
    },
    decode: (r) => ({ proposalId: r.u64("proposalId") }),
  },
  maxPayloadBytes: 8,
  description: "approve a pending validator-set proposal",
});

export function encodeProposal(p: ValidatorProposal): Uint8Array {
  const w = new Writer(256);
  w.u64(p.id);
  w.fixed(p.proposer, ADDRESS_LENGTH, "proposer");
  w.u64(p.createdHeight);
  writeChange(w, p.change);
  w.varint(p.approvals.length);
  for (const a of p.approvals) w.fixed(a, ADDRESS_LENGTH, "approver");
  return w.finish();
}

export function decodeProposal(bytes: Uint8Array): ValidatorProposal {
  try {
    return decodeExact(
      bytes,
      (r) => ({
        id: r.u64("id"),
        proposer: r.fixed(ADDRESS_LENGTH, "proposer"),
        createdHeight: r.u64("createdHeight"),
        change: readChange(r),
        approvals: r.array(10_000, ADDRESS_LENGTH, (rr) => rr.fixed(ADDRESS_LENGTH, "approver"), "approvals"),
      }),
      "ValidatorProposal",
    );
  } catch (e) {
    throw stateError(StateErrorCode.CORRUPT, "stored proposal does not decode", {
      reason: isLedgerError(e) ? e.code : String(e),
    });
  }
}

export interface GovernanceOptions {
  /** Most proposals pending at once (default 32). */
  maxPending?: number;
  /** Blocks after which an unapplied proposal is dropped (default 10_000). */
  proposalTtlBlocks?: number;
  /** Smallest validator set a change may leave (default 1; a set is never empty). */
  minValidators?: number;
  /**
   * Checks a new validator's BLS proof of possession (default: @tandem/crypto `bls.popVerify`, which
   * the module's `init` readies with `initBls()`).
   */
  verifyProofOfPossession?: (publicKey: Uint8Array, proof: Uint8Array) => boolean;
}

export const defaultGovernanceOptions = {
  maxPending: 32,
  proposalTtlBlocks: 10_000,
  minValidators: 1,
} as const;

/** Name of the governance module. */
export const GOVERNANCE_MODULE_NAME = "gov";

function invalidChange(message: string, meta?: Record<string, unknown>): never {
  throw txError(GovErrorCode.INVALID_CHANGE, message, meta);
}

/**
 * The set after `change`, or a coded error (GOV_INVALID_CHANGE / GOV_EMPTY_SET). Pure: the same input
 * gives the same answer on every node.
 */
export function applyValidatorChange(
  set: ValidatorSet,
  change: ValidatorChange,
  minValidators = 1,
): ValidatorSet {
  const idx = validatorIndex(set, change.address);
  let next: Validator[];
  switch (change.action) {
    case "add": {
      if (idx >= 0) invalidChange("address is already a validator", { address: bytesToHex(change.address) });
      if (set.validators.some((v) => equalBytes(v.publicKey, change.publicKey))) {
        invalidChange("public key is already used by a validator");
      }
      next = [
        ...set.validators,
        { address: change.address, publicKey: change.publicKey, power: change.power },
      ];
      break;
    }
    case "remove": {
      if (idx < 0) invalidChange("address is not a validator", { address: bytesToHex(change.address) });
      next = set.validators.filter((_, i) => i !== idx);
      if (next.length === 0) throw txError(GovErrorCode.EMPTY_SET, "the validator set would be empty");
      if (next.length < minValidators)
        invalidChange("the validator set would fall below its minimum", { minValidators });
      break;
    }
    case "power": {
      if (idx < 0) invalidChange("address is not a validator", { address: bytesToHex(change.address) });
      if ((set.validators[idx] as Validator).power === change.power) invalidChange("power is unchanged");
      next = set.validators.map((v, i) => (i === idx ? { ...v, power: change.power } : v));
      break;
    }
    default:
      invalidChange("unknown action");
  }
  try {
    return createValidatorSet(next);
  } catch (e) {
    if (isLedgerError(e)) invalidChange(`resulting set is invalid: ${e.message}`);
    throw e;
  }
}

/** Power of the approvers that are members of `set`. */
export function approvedPower(set: ValidatorSet, approvals: readonly Uint8Array[]): bigint {
  let p = 0n;
  for (const a of approvals) {
    const i = validatorIndex(set, a);
    if (i >= 0) p += (set.validators[i] as Validator).power;
  }
  return p;
}

/** Strictly more than 2/3 of the set's total power. */
export function isSupermajority(set: ValidatorSet, power: bigint): boolean {
  return power * 3n > set.totalPower * 2n;
}

function readPending(ctx: ExecContext): number[] {
  const v = ctx.state.get(GOV_PENDING_KEY);
  return v === undefined ? [] : decodeIdList(v, "gov pending");
}

function writePending(ctx: ExecContext, ids: readonly number[]): void {
  if (ids.length === 0) ctx.state.delete(GOV_PENDING_KEY);
  else ctx.state.set(GOV_PENDING_KEY, encodeIdList(ids));
}

function loadProposal(ctx: ExecContext, id: number): ValidatorProposal | undefined {
  const v = ctx.state.get(proposalKey(id));
  return v === undefined ? undefined : decodeProposal(v);
}

function changeAttributes(c: ValidatorChange): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ["action", c.action],
    ["address", bytesToHex(c.address)],
  ];
  if (c.action !== "remove") out.push(["power", c.power.toString()]);
  return out;
}

/** The validator-governance module (kinds `validator.propose` and `validator.approve`). */
export function governanceModule(opts: GovernanceOptions = {}): StateModule {
  const maxPending = opts.maxPending ?? defaultGovernanceOptions.maxPending;
  const ttl = opts.proposalTtlBlocks ?? defaultGovernanceOptions.proposalTtlBlocks;
  const minValidators = opts.minValidators ?? defaultGovernanceOptions.minValidators;
  const verifyPop =
    opts.verifyProofOfPossession ?? ((pk: Uint8Array, pop: Uint8Array) => bls.popVerify(pk, pop));
  for (const [name, v] of [
    ["maxPending", maxPending],
    ["proposalTtlBlocks", ttl],
    ["minValidators", minValidators],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1)
      throw new RangeError(`governance option ${name} must be a positive integer`);
  }

  const requireValidator = (ctx: TxContext): ValidatorSet => {
    const set = ctx.validators();
    if (validatorIndex(set, ctx.sender) < 0) {
      throw txError(GovErrorCode.NOT_VALIDATOR, "sender is not a validator", {
        sender: bytesToHex(ctx.sender),
      });
    }
    return set;
  };

  const propose = (ctx: TxContext, change: ValidatorChange): Uint8Array => {
    const set = requireValidator(ctx);
    const pending = readPending(ctx);
    if (pending.length >= maxPending)
      throw txError(GovErrorCode.TOO_MANY_PROPOSALS, "too many pending proposals");
    applyValidatorChange(set, change, minValidators);
    if (change.action === "add" && !verifyPop(change.publicKey, change.proofOfPossession)) {
      throw txError(
        GovErrorCode.BAD_PROOF_OF_POSSESSION,
        "proof of possession of the BLS key does not verify",
      );
    }
    const nextId = ctx.state.get(GOV_NEXT_ID_KEY);
    const id = nextId === undefined ? 1 : decodeU64(nextId, "gov next id");
    ctx.state.set(GOV_NEXT_ID_KEY, encodeU64(id + 1));
    const proposal: ValidatorProposal = {
      id,
      proposer: ctx.sender,
      createdHeight: ctx.block.height,
      change,
      approvals: [ctx.sender],
    };
    ctx.state.set(proposalKey(id), encodeProposal(proposal));
    writePending(ctx, [...pending, id]);
    ctx.emit("validator.proposed", [
      ["id", String(id)],
      ["proposer", bytesToHex(ctx.sender)],
      ...changeAttributes(change),
    ]);
    return encodeU64(id);
  };

  const approve = (ctx: TxContext, { proposalId }: ValidatorApproval): undefined => {
    requireValidator(ctx);
    const p = loadProposal(ctx, proposalId);
    if (p === undefined)
      throw txError(GovErrorCode.UNKNOWN_PROPOSAL, "no pending proposal with this id", { proposalId });
    if (p.approvals.some((a) => equalBytes(a, ctx.sender))) {
      throw txError(GovErrorCode.ALREADY_APPROVED, "this validator already approved the proposal", {
        proposalId,
      });
    }
    const approvals = [...p.approvals, ctx.sender].sort(compareBytes);
    ctx.state.set(proposalKey(proposalId), encodeProposal({ ...p, approvals }));
    ctx.emit("validator.approved", [
      ["id", String(proposalId)],
      ["approver", bytesToHex(ctx.sender)],
    ]);
    return undefined;
  };

  return {
    name: GOVERNANCE_MODULE_NAME,
    kinds: [VALIDATOR_PROPOSE_KIND, VALIDATOR_APPROVE_KIND],
    async init() {
      if (opts.verifyProofOfPossession === undefined) await initBls();
    },
    execute(ctx: TxContext, tx: SignedTx): Uint8Array | undefined {
      if (tx.kind === VALIDATOR_PROPOSE_KIND.kind) return propose(ctx, tx.payload as ValidatorChange);
      return approve(ctx, tx.payload as ValidatorApproval);
    },
    endBlock(ctx: ExecContext): void {
      const pending = readPending(ctx);
      if (pending.length === 0) return;
      const keep: number[] = [];
      for (const id of pending) {
        const p = loadProposal(ctx, id);
        if (p === undefined) continue;
        const done = (event: string, extra: Array<[string, string]> = []): void => {
          ctx.state.delete(proposalKey(id));
          ctx.emit(event, [["id", String(id)], ...changeAttributes(p.change), ...extra]);
        };
        const set = ctx.validators();
        if (isSupermajority(set, approvedPower(set, p.approvals))) {
          let next: ValidatorSet | undefined;
          try {
            next = applyValidatorChange(set, p.change, minValidators);
          } catch (e) {
            const code =
              typeof (e as { code?: unknown }).code === "string"
                ? (e as { code: string }).code
                : "TX_INTERNAL";
            done("validator.proposal_failed", [["code", code]]);
            continue;
          }
          ctx.setValidators(next);
          done("validator.proposal_applied");
        } else if (ctx.block.height > p.createdHeight + ttl) {
          done("validator.proposal_expired");
        } else {
          keep.push(id);
        }
      }
      if (keep.length !== pending.length) writePending(ctx, keep);
    },
  };
}

/**
 * The membership of a ledger validator set in the shape the consensus engine's `ValidatorSet.next()`
 * takes (BLS public key and power; consensus keeps its own proposer priorities).
 */
export function consensusMembership(set: ValidatorSet): Array<{ publicKey: Uint8Array; power: bigint }> {
  return set.validators.map((v) => ({ publicKey: v.publicKey.slice(), power: v.power }));
}
