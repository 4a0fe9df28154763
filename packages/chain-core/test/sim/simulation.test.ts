/**
 * Deterministic simulation of the chain (src/testing/sim): N consensus engines on virtual time, a
 * seeded lossy network with partitions that heal at GST, crash-and-restart at named failpoints, one
 * optional Byzantine validator, validator-set changes. After every run: agreement, validity, liveness
 * after GST, no double sign (every message scanned), and evidence against the Byzantine node only.
 *
 * Signatures: these hundreds of seeds use the cheap deterministic test signer (src/testing/test-signer.ts)
 * behind the same VoteSigner/VoteVerifier ports, because one BLS verify costs ~9 ms here. A smaller set
 * of seeds runs with real BLS12-381 end to end in simulation-bls.test.ts. Thousands more run in the soak
 * (`pnpm --filter @tandem/chain-core soak`).
 */
import { verifyCommit as ledgerVerifyCommit } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { randomSimConfig, type SimResult, Simulation, testScheme } from "../../src/testing/index.js";

const SEEDS = 240;

describe("simulator: random scenarios", () => {
  it(`keeps agreement, validity, liveness after GST and no double sign over ${SEEDS} seeds`, async () => {
    const failures: { seed: number; violations: string[] }[] = [];
    const results: SimResult[] = [];
    let commitsChecked = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const config = randomSimConfig(seed);
      const sim = new Simulation(config, testScheme());
      const r = await sim.run();
      results.push(r);
      if (!r.ok) failures.push({ seed, violations: r.violations });
      // Every commit the chain produced verifies with the ledger's own verifyCommit (what light clients run).
      for (const { decision, validators } of sim.decisions()) {
        const ok = ledgerVerifyCommit(decision.commit, validators.toLedger(), {
          chainId: config.chainId,
          height: decision.height,
          blockHash: decision.value.hash,
          bls: { fastAggregateVerify: (s, m, pks) => testScheme().verifier.verifyAggregate(s, m, pks) },
        });
        if (!ok) failures.push({ seed, violations: [`commit of height ${decision.height} does not verify`] });
        commitsChecked++;
      }
    }
    expect(failures).toEqual([]);
    // The scenarios exercised what they claim to.
    const sum = (f: (r: SimResult) => number): number => results.reduce((a, r) => a + f(r), 0);
    expect(commitsChecked).toBeGreaterThan(SEEDS * 4);
    expect(sum((r) => r.crashes)).toBeGreaterThan(SEEDS / 2);
    expect(sum((r) => r.replayedEvents)).toBeGreaterThan(0);
    expect(sum((r) => r.walsLost)).toBeGreaterThan(0);
    expect(sum((r) => r.guardRefusals)).toBeGreaterThan(0);
    expect(sum((r) => r.evidence)).toBeGreaterThan(0);
    expect(sum((r) => r.byzantineDoubleSigns)).toBeGreaterThan(0);
    for (const name of [
      "cons.afterVoteSigned.beforePersist",
      "cons.afterVotePersisted.beforeBroadcast",
      "cons.afterCommitQuorum.beforeBlockSave",
      "exec.afterBlockSaved.beforeApply",
    ] as const) {
      expect(
        sum((r) => r.failpointCrashes[name] ?? 0),
        name,
      ).toBeGreaterThan(0);
    }
  }, 120_000);

  it("gives the same result for the same seed (determinism)", async () => {
    for (const seed of [7, 42]) {
      const a = await new Simulation(randomSimConfig(seed), testScheme()).run();
      const b = await new Simulation(randomSimConfig(seed), testScheme()).run();
      expect(a.fingerprint).toBe(b.fingerprint);
      expect(a).toEqual(b);
    }
  });
});
