/**
 * Random simulator scenarios from a seed, and the two signature schemes the simulator runs with.
 */
import { bls, concatBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import { BlsVoteSigner, BlsVoteVerifier } from "../../consensus/signer.js";
import { FAILPOINT_NAMES, type FailpointName } from "../../failpoints.js";
import { TestVoteSigner, testVoteVerifier } from "../test-signer.js";
import { Prng } from "./prng.js";
import type {
  ByzantineBehaviour,
  SimConfig,
  SimCrash,
  SimPartition,
  SimScheme,
  SimValsetChange,
} from "./simulation.js";

/** Timeouts scaled for the simulator (virtual ms); they grow per round like the defaults. */
export const simConsensusOptions = {
  timeoutProposeMs: 400,
  timeoutProposeDeltaMs: 100,
  timeoutPrevoteMs: 200,
  timeoutPrevoteDeltaMs: 100,
  timeoutPrecommitMs: 200,
  timeoutPrecommitDeltaMs: 100,
};

/** Failpoints the simulator can crash at (all those the engine and the toy app hit). */
export const SIM_FAILPOINTS: readonly FailpointName[] = FAILPOINT_NAMES;

export interface ScenarioOptions {
  /** Force a Byzantine behaviour (or none) instead of drawing one. */
  byzantine?: ByzantineBehaviour | "none";
  /** Force crash plans to use failpoints only. */
  failpointCrashes?: boolean;
  targetHeight?: number;
}

/** A scenario drawn from `seed`: topology, powers, network faults before GST, crashes, Byzantine node. */
export function randomSimConfig(seed: number, opts: ScenarioOptions = {}): SimConfig {
  const r = new Prng(seed ^ 0x5eed);
  const genesisValidators = r.pick([4, 4, 4, 4, 5, 7]);
  const followers = r.bool(0.3) ? 1 : 0;
  const nodes = genesisValidators + followers;
  const weighted = r.bool(0.4);
  const powers: bigint[] = [];
  for (let i = 0; i < nodes; i++) powers.push(weighted ? BigInt(r.range(1, 10)) : 10n);

  let byzantine: SimConfig["byzantine"];
  const behaviour =
    opts.byzantine === undefined
      ? r.bool(0.4)
        ? r.pick<ByzantineBehaviour>(["equivocate", "invalid", "silent"])
        : undefined
      : opts.byzantine === "none"
        ? undefined
        : opts.byzantine;
  if (behaviour !== undefined) {
    const node = r.int(genesisValidators);
    byzantine = { node, behaviour };
    // Keep the fault assumption at genesis: the Byzantine validator holds < 1/3 of the power.
    let honest = 0n;
    for (let i = 0; i < genesisValidators; i++) if (i !== node) honest += powers[i] as bigint;
    let p = powers[node] as bigint;
    while (3n * p >= p + honest && p > 1n) p -= 1n;
    powers[node] = p;
    if (3n * p >= p + honest) {
      for (let i = 0; i < genesisValidators; i++) if (i !== node) powers[i] = (powers[i] as bigint) + 2n;
    }
  }

  const gstMs = r.range(1000, 12_000);
  const partitions: SimPartition[] = [];
  for (let i = r.int(3); i > 0; i--) {
    const startMs = r.int(gstMs);
    const endMs = Math.min(gstMs, startMs + r.range(300, 5000));
    const a: number[] = [];
    const b: number[] = [];
    for (let n = 0; n < nodes; n++) (r.bool() ? a : b).push(n);
    partitions.push({ startMs, endMs, groups: [a, b] });
  }

  const valsetChanges: SimValsetChange[] = [];
  if (r.bool(0.35)) valsetChanges.push({ height: r.range(2, 4), kind: "remove-next-proposer" });
  if (followers > 0 && r.bool(0.6)) {
    valsetChanges.push({
      height: r.range(2, 5),
      kind: "add",
      node: nodes - 1,
      power: BigInt(r.range(1, 10)),
    });
  }
  if (r.bool(0.2)) {
    valsetChanges.push({
      height: r.range(3, 6),
      kind: "set-power",
      node: r.int(genesisValidators),
      power: BigInt(r.range(1, 20)),
    });
  }

  const crashes: SimCrash[] = [];
  const honest = [...Array(nodes).keys()].filter((n) => n !== byzantine?.node);
  // Amnesia (a restart without the WAL) is a fault of its own: allow it only where the fault model
  // still holds with it — no Byzantine node, equal powers, a set of at least 4 that never shrinks —
  // and for one crash per scenario.
  let amnesiaLeft = byzantine === undefined && !weighted && valsetChanges.length === 0 ? 1 : 0;
  for (let i = r.int(4); i > 0; i--) {
    const node = r.pick(honest);
    const downMs = r.range(50, 3000);
    const loseWal = amnesiaLeft > 0 && r.bool(0.5);
    if (loseWal) amnesiaLeft--;
    if (opts.failpointCrashes === true || r.bool(0.6)) {
      crashes.push({
        node,
        failpoint: { name: r.pick(SIM_FAILPOINTS), nth: r.range(1, 6) },
        downMs,
        loseWal,
      });
    } else {
      crashes.push({ node, atMs: r.int(gstMs + 2000), downMs, loseWal });
    }
  }

  return {
    seed,
    chainId: "tandem:sim",
    nodes,
    genesisValidators,
    powers,
    targetHeight: opts.targetHeight ?? r.range(5, 8),
    gstMs,
    livenessBoundMs: 60_000,
    network: {
      minDelayMs: r.range(1, 20),
      maxDelayMs: r.range(40, 1200),
      dropRate: r.pick([0, 0.05, 0.1, 0.2, 0.35]),
      duplicateRate: r.pick([0, 0.02, 0.1]),
      partitions,
    },
    healthyDelayMs: [1, 30],
    crashes,
    ...(byzantine === undefined ? {} : { byzantine }),
    invalidRate: r.bool(0.2) ? 0.2 : 0,
    valsetChanges,
    consensus: simConsensusOptions,
    gossipIntervalMs: 250,
  };
}

/** The cheap deterministic scheme (see test-signer.ts). */
export function testScheme(): SimScheme {
  return {
    name: "test",
    signerFor: (node) => new TestVoteSigner(`sim-node-${node}`),
    verifier: testVoteVerifier,
  };
}

/** Real BLS12-381 keys (deterministic from the node number) through @tandem/crypto. */
export async function blsScheme(nodes: number): Promise<SimScheme> {
  const verifier = await BlsVoteVerifier.create();
  const signers: BlsVoteSigner[] = [];
  for (let i = 0; i < nodes; i++) {
    const { secretKey } = bls.keygen(
      sha256(concatBytes(utf8ToBytes("tandem/sim-bls-key/"), utf8ToBytes(String(i)))),
    );
    signers.push(await BlsVoteSigner.create(secretKey));
  }
  return {
    name: "bls",
    signerFor: (node) => {
      const s = signers[node];
      if (s === undefined) throw new RangeError(`no BLS key for node ${node}`);
      return s;
    },
    verifier,
  };
}
