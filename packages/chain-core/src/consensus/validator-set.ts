/**
 * Weighted validator sets and Tendermint/CometBFT's proposer selection (weighted round-robin by
 * priority), following cometbft `types/validator_set.go` step for step, with int64 clipping:
 *
 * - Each validator carries a priority. `IncrementProposerPriority(times)`: rescale priorities so that
 *   max − min ≤ 2·P (P = total power; divide by ceil(diff / 2P), truncating), shift them by their
 *   floor average, then `times` times: add each validator's power to its priority, pick the highest
 *   priority (ties: smaller address) as proposer and subtract P from it.
 * - A new set (genesis) and each next set are built by an update followed by one increment. On an
 *   update, validators that stay keep their priority, new ones start at −1.125·P' (P' = total power
 *   after updates, before removals), then priorities are rescaled and centred.
 * - The proposer of round 0 of a height is the set's proposer; the proposer of round r > 0 is that of
 *   a copy incremented r times in one call (a pure function of the height's set and r, so every node
 *   agrees however it reached round r).
 *
 * Over any window of P consecutive increments each validator proposes about power times (fairness;
 * tested). Ties are broken by the smaller address, as in CometBFT.
 *
 * Order and identity follow @tandem/ledger's canonical validator set: validators are sorted by address
 * ascending, and a validator's index in that order is its bit in commit signer bitmaps, so commits made
 * here verify with the ledger's `verifyCommit` (`toLedger()` gives the ledger's set; `hash()` is its
 * `validatorSetHash`). CometBFT orders by power instead; the proposer sequence does not depend on the
 * order (only on priorities and address tie-breaks), so it is the same.
 */
import { bytesToHex, compareBytes, sha256 } from "@tandem/crypto";
import {
  createValidatorSet,
  type HashFn,
  type ValidatorSet as LedgerValidatorSet,
  validatorSetHash,
} from "@tandem/ledger";
import { type ByteReader, ByteWriter, decodeAll } from "../encoding.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Largest total voting power (cometbft: MaxInt64 / 8, so priorities never clip in practice). */
export const MAX_TOTAL_VOTING_POWER = INT64_MAX / 8n;
/** Priorities are kept within this many times the total power of each other. */
export const PRIORITY_WINDOW_SIZE_FACTOR = 2n;
/** Most validators a set may hold (bitmaps and BLS aggregation stay cheap). */
export const MAX_VALIDATORS = 10_000;
/** Longest public key accepted (BLS12-381 G1 compressed keys are 48 bytes). */
export const MAX_PUBLIC_KEY_LENGTH = 256;
/** Longest address accepted (ledger addresses are 20 bytes). */
export const MAX_ADDRESS_LENGTH = 64;

export interface ValidatorInit {
  /** Defaults to {@link validatorAddress}(publicKey). */
  readonly address?: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly power: bigint;
}

export interface Validator {
  readonly address: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly power: bigint;
  readonly priority: bigint;
}

interface Working {
  address: Uint8Array;
  publicKey: Uint8Array;
  power: bigint;
  priority: bigint;
}

/**
 * The default address of a validator key: the first 20 bytes of SHA-256(publicKey).
 * TODO(ledger): use the ledger's derivation if it defines one for validators.
 */
export function validatorAddress(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, 20);
}

function invalid(message: string, meta?: Record<string, unknown>): ChainCoreError {
  return new ChainCoreError(ChainCoreErrorCode.VALIDATOR_SET_INVALID, message, meta);
}

function clip(x: bigint): bigint {
  return x > INT64_MAX ? INT64_MAX : x < INT64_MIN ? INT64_MIN : x;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function byAddress(a: Working, b: Working): number {
  return compareBytes(a.address, b.address);
}

function totalOf(vals: readonly Working[]): bigint {
  let t = 0n;
  for (const v of vals) t += v.power;
  return t;
}

function rescale(vals: Working[], diffMax: bigint): void {
  if (diffMax <= 0n || vals.length === 0) return;
  let max = INT64_MIN;
  let min = INT64_MAX;
  for (const v of vals) {
    if (v.priority < min) min = v.priority;
    if (v.priority > max) max = v.priority;
  }
  let diff = max - min;
  if (diff < 0n) diff = -diff;
  const ratio = (diff + diffMax - 1n) / diffMax;
  if (diff > diffMax) {
    for (const v of vals) v.priority = v.priority / ratio; // truncates toward zero, like Go
  }
}

function shiftByAverage(vals: Working[]): void {
  let sum = 0n;
  for (const v of vals) sum += v.priority;
  const avg = floorDiv(sum, BigInt(vals.length));
  for (const v of vals) v.priority = clip(v.priority - avg);
}

/** One round-robin step; returns the index of the chosen proposer. */
function incrementOnce(vals: Working[], total: bigint): number {
  for (const v of vals) v.priority = clip(v.priority + v.power);
  let best = 0;
  for (let i = 1; i < vals.length; i++) {
    const v = vals[i] as Working;
    const b = vals[best] as Working;
    if (v.priority > b.priority || (v.priority === b.priority && compareBytes(v.address, b.address) < 0)) {
      best = i;
    }
  }
  const chosen = vals[best] as Working;
  chosen.priority = clip(chosen.priority - total);
  return best;
}

function copyWorking(vals: readonly Validator[]): Working[] {
  return vals.map((v) => ({
    address: v.address,
    publicKey: v.publicKey,
    power: v.power,
    priority: v.priority,
  }));
}

function checkInit(init: unknown, label: string): asserts init is ValidatorInit {
  if (typeof init !== "object" || init === null) throw invalid(`${label}: expected {publicKey, power}`);
  const { publicKey, power, address } = init as ValidatorInit;
  if (
    address !== undefined &&
    (!(address instanceof Uint8Array) || address.length === 0 || address.length > MAX_ADDRESS_LENGTH)
  ) {
    throw invalid(`${label}.address: expected 1..${MAX_ADDRESS_LENGTH} bytes`);
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length === 0) {
    throw invalid(`${label}.publicKey: expected non-empty Uint8Array`);
  }
  if (publicKey.length > MAX_PUBLIC_KEY_LENGTH) throw invalid(`${label}.publicKey: too long`);
  if (typeof power !== "bigint") throw invalid(`${label}.power: expected bigint`);
  if (power <= 0n || power > MAX_TOTAL_VOTING_POWER) throw invalid(`${label}.power out of range`, { power });
}

export class ValidatorSet {
  private readonly keyIndex = new Map<string, number>();
  private readonly addressIndex = new Map<string, number>();
  private readonly roundProposers: number[];
  private roundWork: Working[] | undefined;

  private constructor(
    readonly validators: readonly Validator[],
    /** Index of the proposer of round 0. */
    readonly proposerIndex: number,
    readonly totalPower: bigint,
  ) {
    validators.forEach((v, i) => {
      this.keyIndex.set(bytesToHex(v.publicKey), i);
      this.addressIndex.set(bytesToHex(v.address), i);
    });
    this.roundProposers = [proposerIndex];
  }

  /** A fresh set (genesis): every validator starts new, then one increment (cometbft NewValidatorSet). */
  static create(validators: readonly ValidatorInit[]): ValidatorSet {
    return ValidatorSet.applyMembership([], validators).incrementProposerPriority(1);
  }

  /** The set of the next height: `membership` (full list) applied to this set, then one increment. */
  next(membership: readonly ValidatorInit[]): ValidatorSet {
    return ValidatorSet.applyMembership(this.validators, membership).incrementProposerPriority(1);
  }

  /** The set of a ledger validator set (genesis of a light client or a node). */
  static fromLedger(set: LedgerValidatorSet): ValidatorSet {
    return ValidatorSet.create(set.validators);
  }

  /**
   * cometbft `updateWithChangeSet` with the changes computed from a full membership list: validators
   * are identified by address; one whose address stays keeps its priority.
   */
  private static applyMembership(
    current: readonly Validator[],
    membership: readonly ValidatorInit[],
  ): ValidatorSet {
    if (!Array.isArray(membership)) throw invalid("membership: expected an array");
    if (membership.length === 0) throw invalid("a validator set cannot be empty");
    if (membership.length > MAX_VALIDATORS) throw invalid(`more than ${MAX_VALIDATORS} validators`);
    const seenAddress = new Set<string>();
    const seenKey = new Set<string>();
    const members = membership.map((m, i) => {
      checkInit(m, `validators[${i}]`);
      const address = m.address === undefined ? validatorAddress(m.publicKey) : Uint8Array.from(m.address);
      const a = bytesToHex(address);
      const k = bytesToHex(m.publicKey);
      if (seenAddress.has(a)) throw invalid(`validators[${i}]: duplicate address`);
      if (seenKey.has(k)) throw invalid(`validators[${i}]: duplicate public key`);
      seenAddress.add(a);
      seenKey.add(k);
      return { address, publicKey: Uint8Array.from(m.publicKey), power: m.power, key: a };
    });
    const existing = new Map(current.map((v) => [bytesToHex(v.address), v]));
    // Total after updates, before removals (cometbft verifyUpdates).
    let tvpAfterUpdates = totalOf(current as readonly Working[]);
    for (const m of members) tvpAfterUpdates += m.power - (existing.get(m.key)?.power ?? 0n);
    const working: Working[] = members.map((m) => {
      const old = existing.get(m.key);
      return {
        address: m.address,
        publicKey: m.publicKey,
        power: m.power,
        priority: old === undefined ? -(tvpAfterUpdates + (tvpAfterUpdates >> 3n)) : old.priority,
      };
    });
    const total = totalOf(working);
    if (total > MAX_TOTAL_VOTING_POWER) throw invalid("total voting power exceeds the maximum", { total });
    rescale(working, PRIORITY_WINDOW_SIZE_FACTOR * total);
    shiftByAverage(working);
    working.sort(byAddress);
    return new ValidatorSet(working, 0, total);
  }

  /** A copy with priorities incremented `times` times (cometbft IncrementProposerPriority). */
  incrementProposerPriority(times: number): ValidatorSet {
    if (!Number.isSafeInteger(times) || times <= 0) throw new RangeError("times must be a positive integer");
    const working = copyWorking(this.validators);
    rescale(working, PRIORITY_WINDOW_SIZE_FACTOR * this.totalPower);
    shiftByAverage(working);
    let proposer = 0;
    for (let i = 0; i < times; i++) proposer = incrementOnce(working, this.totalPower);
    return new ValidatorSet(working, proposer, this.totalPower);
  }

  /** Index of the proposer of `round` at this set's height. */
  proposerIndexForRound(round: number): number {
    if (!Number.isSafeInteger(round) || round < 0)
      throw new RangeError("round must be a non-negative integer");
    if (round < this.roundProposers.length) return this.roundProposers[round] as number;
    if (this.roundWork === undefined) {
      this.roundWork = copyWorking(this.validators);
      rescale(this.roundWork, PRIORITY_WINDOW_SIZE_FACTOR * this.totalPower);
      shiftByAverage(this.roundWork);
    }
    // roundProposers[r] for r ≥ 1 is the r-th step of one IncrementProposerPriority(r) call.
    while (this.roundProposers.length <= round) {
      this.roundProposers.push(incrementOnce(this.roundWork, this.totalPower));
    }
    return this.roundProposers[round] as number;
  }

  get size(): number {
    return this.validators.length;
  }

  at(index: number): Validator | undefined {
    return Number.isInteger(index) && index >= 0 ? this.validators[index] : undefined;
  }

  /** Index of the validator with this public key, or −1. */
  indexOf(publicKey: Uint8Array): number {
    return this.keyIndex.get(bytesToHex(publicKey)) ?? -1;
  }

  /** Index of the validator with this address, or −1. */
  indexOfAddress(address: Uint8Array): number {
    return this.addressIndex.get(bytesToHex(address)) ?? -1;
  }

  get proposer(): Validator {
    return this.validators[this.proposerIndex] as Validator;
  }

  /** power > 2/3 of the total. */
  isQuorum(power: bigint): boolean {
    return 3n * power > 2n * this.totalPower;
  }

  /** power > 1/3 of the total (at least one correct validator among them). */
  isOneThird(power: bigint): boolean {
    return 3n * power > this.totalPower;
  }

  /**
   * The ledger's view of this set (addresses, keys, powers; no priorities). Throws the ledger's
   * VALIDATOR_SET_INVALID unless addresses are 20 bytes and keys 48 bytes.
   */
  toLedger(): LedgerValidatorSet {
    return createValidatorSet(this.membership());
  }

  /** The ledger's `validatorSetHash` (membership and powers, not priorities): headers carry it. */
  hash(hash: HashFn = sha256): Uint8Array {
    return validatorSetHash(this.toLedger(), hash);
  }

  /** Membership only (addresses, public keys and powers), in set order. */
  membership(): Required<ValidatorInit>[] {
    return this.validators.map((v) => ({ address: v.address, publicKey: v.publicKey, power: v.power }));
  }

  /** Full state including priorities (what a node persists between heights). */
  encode(): Uint8Array {
    const w = new ByteWriter(16 + this.validators.length * 80);
    w.u32(this.validators.length);
    for (const v of this.validators) w.bytes(v.address).bytes(v.publicKey).i64(v.power).i64(v.priority);
    w.u32(this.proposerIndex);
    return w.finish();
  }

  static decode(bytes: Uint8Array): ValidatorSet {
    return decodeAll(bytes, "validator set", (r: ByteReader) => {
      const n = r.u32("validator count");
      if (n === 0 || n > MAX_VALIDATORS) throw invalid(`validator count ${n} out of range`);
      const vals: Working[] = [];
      const keys = new Set<string>();
      for (let i = 0; i < n; i++) {
        const address = r.bytes(MAX_ADDRESS_LENGTH, "address");
        const publicKey = r.bytes(MAX_PUBLIC_KEY_LENGTH, "publicKey");
        const power = r.i64("power");
        const priority = r.i64("priority");
        checkInit({ address, publicKey, power }, `validators[${i}]`);
        const k = bytesToHex(publicKey);
        if (keys.has(k)) throw invalid("duplicate public key");
        keys.add(k);
        vals.push({ address, publicKey, power, priority });
      }
      const proposerIndex = r.u32("proposer index");
      if (proposerIndex >= n) throw invalid("proposer index out of range");
      for (let i = 1; i < n; i++) {
        if (byAddress(vals[i - 1] as Working, vals[i] as Working) >= 0) {
          throw invalid("validators not in canonical order (address ascending) or duplicated");
        }
      }
      const total = totalOf(vals);
      if (total > MAX_TOTAL_VOTING_POWER) throw invalid("total voting power exceeds the maximum");
      return new ValidatorSet(vals, proposerIndex, total);
    });
  }
}
