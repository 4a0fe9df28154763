/**
 * Soak run of the deterministic simulator: thousands of seeds, cheap test signer, one summary.
 *
 *   pnpm --filter @tandem/chain-core soak [--seeds N] [--start S] [--bls K] [--verbose]
 *
 * `--bls K` also runs K seeds with real BLS12-381 signatures end to end. Exit code 1 when any seed
 * violates an invariant; every failing seed is printed so it can be replayed alone
 * (`--start <seed> --seeds 1 --verbose`).
 */
import {
  blsScheme,
  randomSimConfig,
  type SimResult,
  Simulation,
  testScheme,
} from "../../src/testing/index.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(v) ? v : fallback;
}

const seeds = arg("seeds", 2000);
const start = arg("start", 1);
const blsSeeds = arg("bls", 0);
const verbose = process.argv.includes("--verbose");

const failures: SimResult[] = [];
const totals = {
  crashes: 0,
  restarts: 0,
  replayedEvents: 0,
  walsLost: 0,
  guardRefusals: 0,
  evidence: 0,
  equivocationsSent: 0,
  byzantineDoubleSigns: 0,
  messagesSent: 0,
  maxRound: 0,
  virtualMs: 0,
};
let runs = 0;
const failpointCrashes: Record<string, number> = {};
const behaviours: Record<string, number> = {};
const finishAfterGst: number[] = [];
const t0 = performance.now();

async function runOne(seed: number, bls: boolean): Promise<void> {
  const config = randomSimConfig(seed);
  const scheme = bls ? await blsScheme(config.nodes) : testScheme();
  const r = await new Simulation(config, scheme).run();
  runs++;
  totals.crashes += r.crashes;
  totals.restarts += r.restarts;
  totals.replayedEvents += r.replayedEvents;
  totals.walsLost += r.walsLost;
  totals.guardRefusals += r.guardRefusals;
  totals.evidence += r.evidence;
  totals.equivocationsSent += r.equivocationsSent;
  totals.byzantineDoubleSigns += r.byzantineDoubleSigns;
  totals.messagesSent += r.messagesSent;
  totals.maxRound = Math.max(totals.maxRound, r.maxRound);
  totals.virtualMs += r.virtualTimeMs;
  for (const [k, v] of Object.entries(r.failpointCrashes))
    failpointCrashes[k] = (failpointCrashes[k] ?? 0) + (v ?? 0);
  const b = config.byzantine?.behaviour ?? "none";
  behaviours[b] = (behaviours[b] ?? 0) + 1;
  if (r.finishedAtMs !== undefined) finishAfterGst.push(Math.max(0, r.finishedAtMs - config.gstMs));
  if (!r.ok) {
    failures.push(r);
    console.log(JSON.stringify({ seed, scheme: bls ? "bls" : "test", violations: r.violations }));
  } else if (verbose) {
    console.log(
      JSON.stringify({ ...r, violations: undefined }, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
    );
  }
}

for (let s = start; s < start + seeds; s++) await runOne(s, false);
for (let s = start; s < start + blsSeeds; s++) await runOne(s, true);

finishAfterGst.sort((a, b) => a - b);
const q = (p: number): number =>
  finishAfterGst[Math.min(finishAfterGst.length - 1, Math.floor(p * finishAfterGst.length))] ?? 0;
console.log(
  JSON.stringify(
    {
      summary: "chain-core simulator soak",
      seedRange: `${start}..${start + seeds - 1}`,
      blsSeeds,
      runs,
      failed: failures.length,
      failedSeeds: failures.map((f) => f.seed),
      wallSeconds: Math.round((performance.now() - t0) / 100) / 10,
      byzantine: behaviours,
      ...totals,
      failpointCrashes,
      finishAfterGstMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: q(1) },
    },
    null,
    2,
  ),
);
process.exitCode = failures.length === 0 ? 0 : 1;
