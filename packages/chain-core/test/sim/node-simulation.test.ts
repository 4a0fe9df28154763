/**
 * The node simulator (src/testing/node/node-simulation.ts): real ChainNodes with real blocks of Ed25519
 * transfers on virtual time, network faults before GST, crashes at failpoints and times, one silent or
 * equivocating validator. Each seed must keep agreement, validity, liveness, no double sign, and the
 * evidence rule. A subset of seeds runs by default; `NODE_SIM_SEEDS=1-200` runs more.
 */
import { describe, expect, it } from "vitest";
import { NodeSimulation, nodeSimConfig } from "../../src/testing/index.js";

function seeds(): number[] {
  const spec = process.env.NODE_SIM_SEEDS ?? "1-24";
  const [a, b] = spec.split("-").map(Number);
  const from = a ?? 1;
  const to = b ?? from;
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe("node simulator: real blocks with transfers", () => {
  for (const seed of seeds()) {
    it(`seed ${seed}: agreement, validity, liveness, no double sign`, async () => {
      const r = await new NodeSimulation(nodeSimConfig(seed)).run();
      expect(r.violations).toEqual([]);
      expect(r.minCorrectHeight).toBeGreaterThanOrEqual(nodeSimConfig(seed).targetHeight);
    }, 60_000);
  }

  it("is deterministic: one seed twice gives the same run", async () => {
    const a = await new NodeSimulation(nodeSimConfig(5)).run();
    const b = await new NodeSimulation(nodeSimConfig(5)).run();
    expect(b).toEqual(a);
  }, 60_000);

  it("commits transfers and refuses badly signed ones, with crashes and an equivocating validator", async () => {
    const base = nodeSimConfig(3);
    const r = await new NodeSimulation({
      ...base,
      byzantine: { node: 1, behaviour: "equivocate" },
      crashes: [
        { node: 2, failpoint: { name: "exec.afterApply.beforeStateSave", nth: 2 }, downMs: 800 },
        { node: 0, failpoint: { name: "cons.afterVotePersisted.beforeBroadcast", nth: 3 }, downMs: 500 },
      ],
      txs: { count: 30, invalidRate: 0.3, untilMs: base.gstMs + 2000 },
    }).run();
    expect(r.violations).toEqual([]);
    expect(r.committed).toBeGreaterThan(5);
    expect(r.refused).toBeGreaterThan(0);
    expect(r.crashes).toBeGreaterThanOrEqual(2);
    expect(r.evidenceOnChain).toBeGreaterThan(0);
  }, 60_000);
});
