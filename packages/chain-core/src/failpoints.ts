/**
 * Named failpoints (CometBFT `fail.Fail()` pattern; names from reference/reliability.md §B.4). Code at a
 * persistence boundary calls `failpoints.hit(name)`; in production that does nothing. A test arms one
 * name to crash at its n-th hit: the simulator throws {@link FailpointCrash} (the node loses its
 * memory and un-flushed writes, then restarts from its store); a real process kills itself with
 * SIGKILL ({@link processKillFailpoints}, e.g. from an app's `FAILPOINT=name[:n]` setting).
 */
import { ChainCoreError, ChainCoreErrorCode } from "./errors.js";

export const FAILPOINT_NAMES = [
  /** A proposal from a peer was logged to the WAL buffer but not processed yet. */
  "cons.afterProposalRecv",
  /** Own proposal signed, guard and WAL not yet written. */
  "cons.afterProposalSigned.beforePersist",
  /** Own proposal durable in guard + WAL, not yet sent. */
  "cons.afterProposalPersisted.beforeBroadcast",
  /** Own vote signed, guard and WAL not yet written ("before-vote-persist"). */
  "cons.afterVoteSigned.beforePersist",
  /** Own vote durable in guard + WAL, not yet sent ("after-vote-persist-before-send"). */
  "cons.afterVotePersisted.beforeBroadcast",
  /** Right after any WAL batch reached the disk (crash at each WAL write, like TestWALCrash). */
  "cons.afterWalWrite",
  /** Decided (2/3 precommits), block not stored yet ("after-decide-before-store"). */
  "cons.afterCommitQuorum.beforeBlockSave",
  /** Block and commit stored, state not applied yet ("between block write and state apply"). */
  "exec.afterBlockSaved.beforeApply",
  /** State applied in memory, not saved yet. */
  "exec.afterApply.beforeStateSave",
  /** Block, commit and state durable; events not emitted, mempool not updated yet. */
  "exec.afterStateSave.beforeEvents",
] as const;

export type FailpointName = (typeof FAILPOINT_NAMES)[number];

/** The short names used in the chain-core issue, mapped to the catalogue's. */
export const FAILPOINT_ALIASES: Readonly<Record<string, FailpointName>> = Object.freeze({
  "before-vote-persist": "cons.afterVoteSigned.beforePersist",
  "after-vote-persist-before-send": "cons.afterVotePersisted.beforeBroadcast",
  "after-decide-before-store": "cons.afterCommitQuorum.beforeBlockSave",
  "between-block-write-and-state-apply": "exec.afterBlockSaved.beforeApply",
});

export interface Failpoints {
  hit(name: FailpointName): void;
}

export const noFailpoints: Failpoints = Object.freeze({ hit: () => {} });

/** Thrown by an armed failpoint in the simulator: "the process died here". */
export class FailpointCrash extends Error {
  constructor(readonly failpoint: FailpointName) {
    super(`failpoint ${failpoint} crashed the node`);
    this.name = "FailpointCrash";
  }
}

export function isFailpointName(name: unknown): name is FailpointName {
  return typeof name === "string" && (FAILPOINT_NAMES as readonly string[]).includes(name);
}

/** Parses `name[:n]` (a catalogue name or alias; n ≥ 1, default 1). */
export function parseFailpointSpec(spec: string): { name: FailpointName; nth: number } {
  if (typeof spec !== "string")
    throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "failpoint spec: expected a string");
  const m = /^([A-Za-z.-]+)(?::(\d+))?$/.exec(spec.trim());
  const raw = m?.[1];
  const name = raw === undefined ? undefined : (FAILPOINT_ALIASES[raw] ?? raw);
  const nth = m?.[2] === undefined ? 1 : Number(m[2]);
  if (!isFailpointName(name) || !Number.isSafeInteger(nth) || nth < 1) {
    throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, `unknown failpoint spec "${spec}"`, {
      spec,
    });
  }
  return { name, nth };
}

/** Triggers `onTrigger` at the `nth` hit of `name` (once); counts every hit of every name. */
export class ArmedFailpoints implements Failpoints {
  readonly hits = new Map<FailpointName, number>();
  private fired = false;

  constructor(
    readonly name: FailpointName,
    readonly nth: number,
    private readonly onTrigger: (name: FailpointName) => void,
  ) {}

  get triggered(): boolean {
    return this.fired;
  }

  hit(name: FailpointName): void {
    const n = (this.hits.get(name) ?? 0) + 1;
    this.hits.set(name, n);
    if (!this.fired && name === this.name && n === this.nth) {
      this.fired = true;
      this.onTrigger(name);
    }
  }
}

/** Failpoints that SIGKILL the current process at the n-th hit of `spec` (for multi-process tests). */
export function processKillFailpoints(spec: string): Failpoints {
  const { name, nth } = parseFailpointSpec(spec);
  return new ArmedFailpoints(name, nth, () => {
    process.kill(process.pid, "SIGKILL");
  });
}
