/**
 * The simulator's application: toy blocks of random payload bytes. A value is
 *   u64 height ‖ u32 round ‖ u8 flags ‖ u16 proposer ‖ payload,  hash = SHA-256(bytes),
 * and it is valid iff it is for the height being decided, its hash matches, and flag bit 0
 * ("marked invalid") is clear. The app stores block and commit, then (in a second write, so the
 * `exec.afterBlockSaved.beforeApply` failpoint sits between them) applies it: a running app hash and
 * the validator set of the next height. On start it finishes a block that was stored but not applied
 * (the handshake replay of CometBFT).
 */
import { concatBytes, equalBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import { decodeDecision, encodeDecision } from "../../consensus/codec.js";
import type { AppInfo, ConsensusApp } from "../../consensus/interface.js";
import type { Decision, Evidence, Value } from "../../consensus/types.js";
import { type ValidatorInit, ValidatorSet } from "../../consensus/validator-set.js";
import { ByteReader, ByteWriter } from "../../encoding.js";
import type { Failpoints } from "../../failpoints.js";
import type { KvStore } from "../../store/interface.js";

const BLOCK_PREFIX = utf8ToBytes("a/block/");
const STATE_KEY = utf8ToBytes("a/state");

export const TOY_FLAG_INVALID = 1;

export function blockKey(height: number): Uint8Array {
  const k = new Uint8Array(BLOCK_PREFIX.length + 8);
  k.set(BLOCK_PREFIX);
  new DataView(k.buffer).setBigUint64(BLOCK_PREFIX.length, BigInt(height));
  return k;
}

export function makeToyValue(
  height: number,
  round: number,
  proposer: number,
  flags: number,
  payload: Uint8Array,
): Value {
  const w = new ByteWriter(32 + payload.length);
  w.u64(height).u32(round).u8(flags).u16(proposer).raw(payload);
  const bytes = w.finish();
  return { hash: sha256(bytes), bytes };
}

/** The toy validity rule (deterministic, the same on every node). */
export function isToyValueValid(height: number, value: Value): boolean {
  if (!(value.bytes instanceof Uint8Array) || value.bytes.length < 15) return false;
  if (!equalBytes(sha256(value.bytes), value.hash)) return false;
  const r = new ByteReader(value.bytes);
  try {
    if (r.u64() !== height) return false;
    r.u32();
    return (r.u8() & TOY_FLAG_INVALID) === 0;
  } catch {
    return false;
  }
}

export interface ToyAppHooks {
  readonly genesis: ValidatorSet;
  /** Membership of `height`'s validator set given the previous height's set (validator-set changes). */
  membershipFor(height: number, previous: ValidatorSet): ValidatorInit[];
  /** A value this node proposes at (height, round). */
  makeValue(height: number, round: number): Value;
  onBlockStored(decision: Decision, validators: ValidatorSet): void;
  onEvidence(evidence: Evidence): void;
}

interface ToyState {
  height: number;
  appHash: Uint8Array;
  validators: ValidatorSet;
}

function encodeState(s: ToyState): Uint8Array {
  return new ByteWriter(256).u64(s.height).bytes(s.appHash).bytes(s.validators.encode()).finish();
}

function decodeState(b: Uint8Array): ToyState {
  const r = new ByteReader(b);
  const height = r.u64();
  const appHash = r.bytes(64);
  const validators = ValidatorSet.decode(r.bytes(1 << 20));
  r.end();
  return { height, appHash, validators };
}

export class ToyApp implements ConsensusApp {
  constructor(
    private readonly store: KvStore,
    private readonly hooks: ToyAppHooks,
    private readonly failpoints: Failpoints,
  ) {}

  private state(): ToyState {
    const raw = this.store.get(STATE_KEY);
    return raw === undefined
      ? { height: 0, appHash: new Uint8Array(32), validators: this.hooks.genesis }
      : decodeState(raw);
  }

  /** The app hash after `height` (for cross-node comparison). */
  appHash(): { height: number; appHash: Uint8Array } {
    const s = this.state();
    return { height: s.height, appHash: s.appHash };
  }

  async info(): Promise<AppInfo> {
    let s = this.state();
    const pending = this.store.get(blockKey(s.height + 1));
    if (pending !== undefined) s = await this.apply(s, decodeDecision(pending));
    return { lastHeight: s.height, validators: s.validators };
  }

  getValue(height: number, round: number): Value {
    return this.hooks.makeValue(height, round);
  }

  isValid(height: number, value: Value): boolean {
    return isToyValueValid(height, value);
  }

  async commit(decision: Decision): Promise<ValidatorSet> {
    const s = this.state();
    if (decision.height <= s.height) return s.validators;
    if (decision.height !== s.height + 1)
      throw new Error(`toy app: commit of ${decision.height} after ${s.height}`);
    await this.store.write({ put: [[blockKey(decision.height), encodeDecision(decision)]] });
    this.hooks.onBlockStored(decision, s.validators);
    this.failpoints.hit("exec.afterBlockSaved.beforeApply");
    return (await this.apply(s, decision)).validators;
  }

  private async apply(s: ToyState, d: Decision): Promise<ToyState> {
    const next: ToyState = {
      height: d.height,
      appHash: sha256(concatBytes(s.appHash, d.value.hash)),
      validators: s.validators.next(this.hooks.membershipFor(d.height + 1, s.validators)),
    };
    this.failpoints.hit("exec.afterApply.beforeStateSave");
    await this.store.write({ put: [[STATE_KEY, encodeState(next)]] });
    this.failpoints.hit("exec.afterStateSave.beforeEvents");
    return next;
  }

  getDecision(height: number): Decision | undefined {
    const raw = this.store.get(blockKey(height));
    return raw === undefined ? undefined : decodeDecision(raw);
  }

  onEvidence(evidence: Evidence): void {
    this.hooks.onEvidence(evidence);
  }
}
