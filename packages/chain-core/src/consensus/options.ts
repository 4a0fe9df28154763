import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { Step } from "./types.js";

/**
 * Timeouts of the Tendermint state machine: a step's timeout in round r is `base + delta·r`, so rounds
 * get longer until the network's actual delay fits (partial synchrony). Defaults are CometBFT's.
 */
export interface ConsensusOptions {
  timeoutProposeMs: number;
  timeoutProposeDeltaMs: number;
  timeoutPrevoteMs: number;
  timeoutPrevoteDeltaMs: number;
  timeoutPrecommitMs: number;
  timeoutPrecommitDeltaMs: number;
  /** Distinct proposals kept per round (more can only come from an equivocating proposer). */
  maxProposalsPerRound: number;
  /** Rounds above the current one in which one validator's messages are kept (the rest are dropped). */
  maxFutureRoundsPerValidator: number;
  /** Messages more than this many rounds above the current one are ignored (bounds proposer-schedule work). */
  maxRoundsAhead: number;
}

export const defaultConsensusOptions: Readonly<ConsensusOptions> = Object.freeze({
  timeoutProposeMs: 3000,
  timeoutProposeDeltaMs: 500,
  timeoutPrevoteMs: 1000,
  timeoutPrevoteDeltaMs: 500,
  timeoutPrecommitMs: 1000,
  timeoutPrecommitDeltaMs: 500,
  maxProposalsPerRound: 4,
  maxFutureRoundsPerValidator: 2,
  maxRoundsAhead: 1000,
});

export function resolveConsensusOptions(opts: Partial<ConsensusOptions> = {}): ConsensusOptions {
  const out: ConsensusOptions = { ...defaultConsensusOptions, ...opts };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || !Number.isInteger(v)) {
      throw new ChainCoreError(
        ChainCoreErrorCode.OPTIONS_INVALID,
        `consensus option ${k} must be an integer ≥ 0`,
        {
          option: k,
        },
      );
    }
  }
  if (out.maxProposalsPerRound < 1) {
    throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "maxProposalsPerRound must be ≥ 1");
  }
  return out;
}

/** Duration of `step`'s timeout in `round`. */
export function timeoutMs(opts: ConsensusOptions, step: Step, round: number): number {
  switch (step) {
    case "propose":
      return opts.timeoutProposeMs + opts.timeoutProposeDeltaMs * round;
    case "prevote":
      return opts.timeoutPrevoteMs + opts.timeoutPrevoteDeltaMs * round;
    case "precommit":
      return opts.timeoutPrecommitMs + opts.timeoutPrecommitDeltaMs * round;
  }
}
