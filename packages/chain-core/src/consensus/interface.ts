/**
 * Ports of the consensus engine: time, network and the application. The engine (engine.ts) is the
 * only impure part of consensus; it talks to the world only through these, so the simulator can run
 * many engines in one process on virtual time.
 */
import type { Decision, Evidence, Value, Vote } from "./types.js";
import type { ValidatorSet } from "./validator-set.js";

export interface TimerHandle {
  cancel(): void;
}

/** Time source and timers (wall clock in a node, virtual time in the simulator). */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  },
};

/** Delivers encoded consensus messages to the other nodes of the chain (gossip in production). */
export interface ConsensusTransport {
  broadcast(message: Uint8Array): void;
  send(peer: string, message: Uint8Array): void;
}

export interface AppInfo {
  /** Last height whose block is stored and applied (0 before the first block). */
  readonly lastHeight: number;
  /** The validator set of `lastHeight + 1`, with proposer priorities. */
  readonly validators: ValidatorSet;
}

/**
 * The application side of consensus: it proposes values, judges them, and stores decisions. The block
 * format is the app's; consensus sees only {@link Value}s.
 */
export interface ConsensusApp {
  /** Where the app is; called on start (a restart replays the WAL of `lastHeight + 1`). */
  info(): AppInfo | Promise<AppInfo>;
  /** A new value to propose at (height, round). */
  getValue(height: number, round: number): Value | Promise<Value>;
  /** Deterministic validity (same answer on every correct node), including hash(bytes) = hash. */
  isValid(height: number, value: Value): boolean | Promise<boolean>;
  /**
   * Stores the decided value with its commit and applies it, durably; returns the validator set of the
   * next height (the app passes validator-set changes here). Must be idempotent per height.
   * `precommits` are the verified precommits the commit was aggregated from (absent when the decision
   * came as a commit certificate): an app may use them to check a later copy of the commit without a
   * pairing.
   */
  commit(decision: Decision, precommits?: readonly Vote[]): Promise<ValidatorSet>;
  /** A stored decision, to help a peer that is behind. */
  getDecision(height: number): Decision | undefined | Promise<Decision | undefined>;
  /** Proven misbehaviour seen by this node (to be included in a later block). */
  onEvidence?(evidence: Evidence): void;
}
