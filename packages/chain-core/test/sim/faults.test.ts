/**
 * Targeted simulator scenarios (cheap test signer, see simulation.test.ts): a crash at each named
 * failpoint, each Byzantine behaviour of 1 validator out of 4, amnesia (a restart without the WAL),
 * validator-set changes, and a check that the invariant checks do fail when they should.
 */
import { describe, expect, it } from "vitest";
import { FAILPOINT_NAMES, type FailpointName } from "../../src/failpoints.js";
import {
  type ByzantineBehaviour,
  randomSimConfig,
  type SimConfig,
  type SimResult,
  Simulation,
  testScheme,
} from "../../src/testing/index.js";

async function run(config: SimConfig): Promise<SimResult> {
  return new Simulation(config, testScheme()).run();
}

/** A 4-validator scenario drawn from `seed`, with the given overrides. */
function fourValidators(seed: number, patch: Partial<SimConfig> = {}): SimConfig {
  const base = randomSimConfig(seed, { byzantine: "none" });
  return {
    ...base,
    nodes: 4,
    genesisValidators: 4,
    powers: [10n, 10n, 10n, 10n],
    crashes: [],
    valsetChanges: [],
    invalidRate: 0,
    ...patch,
  };
}

describe("simulator: crash at each failpoint", () => {
  for (const name of FAILPOINT_NAMES) {
    it(`recovers from a kill at ${name} with no double sign and no fork`, async () => {
      const hits: number[] = [];
      for (let seed = 1; seed <= 6; seed++) {
        const r = await run(
          fourValidators(1000 + seed, {
            crashes: [
              {
                node: seed % 4,
                failpoint: { name: name as FailpointName, nth: 1 + (seed % 3) },
                downMs: 100 + seed * 300,
              },
              { node: (seed + 1) % 4, failpoint: { name: name as FailpointName, nth: 2 }, downMs: 500 },
            ],
          }),
        );
        expect(r.violations).toEqual([]);
        hits.push(r.failpointCrashes[name as FailpointName] ?? 0);
      }
      expect(hits.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  }

  it("survives a restart that lost the WAL: the double-sign guard alone prevents conflicting signatures", async () => {
    let refusals = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = await run(
        fourValidators(2000 + seed, {
          crashes: [
            {
              node: seed % 4,
              failpoint: { name: "cons.afterVotePersisted.beforeBroadcast", nth: 1 + (seed % 4) },
              downMs: 300,
              loseWal: true,
            },
            // One amnesic node at a time is within the fault model (f = 1 of 4); the other crash keeps its WAL.
            {
              node: (seed + 2) % 4,
              failpoint: { name: "cons.afterProposalPersisted.beforeBroadcast", nth: 1 },
              downMs: 200,
            },
          ],
        }),
      );
      expect(r.violations).toEqual([]);
      expect(r.walsLost).toBeGreaterThan(0);
      refusals += r.guardRefusals;
    }
    expect(refusals).toBeGreaterThan(0);
  });
});

describe("simulator: one Byzantine validator out of four", () => {
  for (const behaviour of ["equivocate", "invalid", "silent"] as ByzantineBehaviour[]) {
    it(`stays safe and live when it is ${behaviour}`, async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const cfg = fourValidators(3000 + seed, { byzantine: { node: seed % 4, behaviour } });
        const r = await run(cfg);
        expect(r.violations).toEqual([]);
        expect(r.minCorrectHeight).toBeGreaterThanOrEqual(cfg.targetHeight);
        if (behaviour === "equivocate") {
          expect(r.equivocationsSent).toBeGreaterThan(0);
          // The double-sign scan sees the Byzantine node's conflicting messages …
          expect(r.byzantineDoubleSigns).toBeGreaterThan(0);
          // … and the correct nodes turned them into evidence (naming only that node: checked in run()).
          expect(r.evidence).toBeGreaterThan(0);
        }
      }
    });
  }
});

describe("simulator: validator-set changes between heights", () => {
  it("removes the next proposer and adds a follower as a validator, and keeps going", async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const base = randomSimConfig(4000 + seed, { byzantine: "none" });
      const cfg: SimConfig = {
        ...base,
        nodes: 5,
        genesisValidators: 4,
        powers: [10n, 10n, 10n, 10n, 10n],
        targetHeight: 7,
        valsetChanges: [
          { height: 3, kind: "remove-next-proposer" },
          { height: 5, kind: "add", node: 4, power: 10n },
          { height: 6, kind: "set-power", node: 4, power: 25n },
        ],
        crashes: [],
      };
      const r = await run(cfg);
      expect(r.violations).toEqual([]);
      expect(r.validatorSetSizes.slice(0, 6)).toEqual([4, 4, 3, 3, 4, 4]);
    }
  });

  it("with a Byzantine validator, only applies changes that keep it under 1/3 of the power", async () => {
    const cfg = fourValidators(5001, {
      byzantine: { node: 0, behaviour: "equivocate" },
      valsetChanges: [{ height: 3, kind: "remove", node: 1 }],
    });
    const r = await run(cfg);
    expect(r.violations).toEqual([]);
    expect(r.validatorSetSizes.slice(0, 4)).toEqual([4, 4, 4, 4]);
  });
});

describe("simulator: the checks can fail", () => {
  it("reports a liveness violation when two of four validators stay down past the bound", async () => {
    const cfg = fourValidators(6001, {
      crashes: [
        { node: 0, atMs: 10, downMs: 10_000_000 },
        { node: 1, atMs: 10, downMs: 10_000_000 },
      ],
    });
    const r = await run(cfg);
    expect(r.ok).toBe(false);
    expect(r.violations.join()).toMatch(/^liveness/);
  });
});
