/**
 * The simulator with real BLS12-381 signatures (@tandem/crypto, mcl-wasm) end to end: every vote and
 * proposal is BLS-signed and verified, commits are real aggregates, and each one verifies with the
 * ledger's verifyCommit and the light client's. Few seeds (a verify costs ~9 ms); the hundreds of
 * seeds in simulation.test.ts use the cheap test signer behind the same ports.
 */
import { bls } from "@tandem/crypto";
import { verifyCommit as ledgerVerifyCommit } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { verifyCommit } from "../../src/light-client/index.js";
import { blsScheme, randomSimConfig, type SimConfig, Simulation } from "../../src/testing/index.js";

async function runBls(config: SimConfig): Promise<void> {
  const scheme = await blsScheme(config.nodes);
  const sim = new Simulation(config, scheme);
  const r = await sim.run();
  expect(r.violations).toEqual([]);
  const decisions = sim.decisions();
  expect(decisions.length).toBeGreaterThanOrEqual(config.targetHeight);
  for (const { decision, validators } of decisions) {
    expect(decision.commit.signature).toHaveLength(96);
    expect(
      ledgerVerifyCommit(decision.commit, validators.toLedger(), {
        chainId: config.chainId,
        height: decision.height,
        blockHash: decision.value.hash,
        bls,
      }),
    ).toBe(true);
    const lc = verifyCommit(
      { chainId: config.chainId, height: decision.height, blockHash: decision.value.hash },
      decision.commit,
      validators,
      { chainId: config.chainId, verifier: scheme.verifier },
    );
    expect(lc.ok).toBe(true);
  }
}

describe("simulator with real BLS signatures", () => {
  it("decides with crashes and a lossy network (seed 1)", async () => {
    await runBls({ ...randomSimConfig(1, { byzantine: "none" }), targetHeight: 4 });
  }, 60_000);

  it("stays safe and live with an equivocating validator, and commits verify (seed 2)", async () => {
    const base = randomSimConfig(2, { byzantine: "none" });
    await runBls({
      ...base,
      nodes: 4,
      genesisValidators: 4,
      powers: [10n, 10n, 10n, 10n],
      byzantine: { node: 1, behaviour: "equivocate" },
      crashes: [
        { node: 2, failpoint: { name: "cons.afterVotePersisted.beforeBroadcast", nth: 2 }, downMs: 400 },
      ],
      valsetChanges: [],
      targetHeight: 3,
    });
  }, 60_000);

  it("follows a validator-set change (seed 3)", async () => {
    const base = randomSimConfig(3, { byzantine: "none" });
    await runBls({
      ...base,
      nodes: 5,
      genesisValidators: 4,
      powers: [10n, 10n, 10n, 10n, 10n],
      crashes: [],
      valsetChanges: [{ height: 2, kind: "add", node: 4, power: 10n }],
      targetHeight: 3,
    });
  }, 60_000);
});
