import {
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  generateKeyPairSync,
} from "node:crypto";
import { availableParallelism } from "node:os";
/**
 * Tiny benchmark harness: median of timed windows after a warm-up, printed as one JSON line per figure.
 * Shared by every bench script in the repository: `import { opsPerSecond } from "@tandem/test-utils/bench"`.
 */
export interface Figure {
  bench: string;
  name: string;
  value: number;
  unit: string;
  [extra: string]: unknown;
}

export type Emit = (figure: Figure) => void;

export const emitJson: Emit = (figure) => {
  process.stdout.write(`${JSON.stringify(figure)}\n`);
};

export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile of nothing");
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx] as number;
}

export interface RateOptions {
  /** Length of one timed window in ms. */
  windowMs?: number;
  /** Number of windows; the median is reported. */
  windows?: number;
  warmupMs?: number;
}

/** Operations per second of `fn` (called repeatedly), median over windows. */
export function opsPerSecond(fn: () => unknown, opts: RateOptions = {}): number {
  const windowMs = opts.windowMs ?? 400;
  const windows = opts.windows ?? 5;
  const warm = performance.now() + (opts.warmupMs ?? 200);
  while (performance.now() < warm) fn();
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) {
    let n = 0;
    const start = performance.now();
    let t = 0;
    do {
      fn();
      n++;
      t = performance.now() - start;
    } while (t < windowMs);
    rates.push(n / (t / 1000));
  }
  return median(rates);
}

/** Median wall time in ms of one call of `fn`, over `runs` runs after `warmup` runs. */
export function timeMs(fn: () => unknown, runs = 7, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    times.push(performance.now() - s);
  }
  return median(times);
}

/** Async variant of `timeMs`. */
export async function timeMsAsync(fn: () => Promise<unknown>, runs = 7, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    times.push(performance.now() - s);
  }
  return median(times);
}

/** The chain benchmarks' throughput bound (see {@link measureVerifyBound}). */
export interface VerifyBound {
  verifiesPerCore: number;
  cores: number;
  validators: number;
  txPerSecond: number;
}

/**
 * The signature bound of a chain's throughput on this machine: native Ed25519 verifications per second
 * on one core (bare node:crypto, a KeyObject cached per key, 64 keys and messages rotated), times the
 * cores, divided by the validators (each verifies every tx once). Both chain benchmarks measure it in
 * the same run as the throughput they compare with it.
 */
export function measureVerifyBound(validators = 4): VerifyBound {
  const keys = Array.from({ length: 64 }, () => generateKeyPairSync("ed25519"));
  const msgs = keys.map((_, i) => Buffer.alloc(32, i));
  const sigs = keys.map((k, i) => cryptoSign(null, msgs[i] as Buffer, k.privateKey));
  const pubs = keys.map((k) =>
    createPublicKey({
      key: k.publicKey.export({ format: "der", type: "spki" }),
      format: "der",
      type: "spki",
    }),
  );
  let j = 0;
  const verifiesPerCore = opsPerSecond(
    () => {
      const i = j++ & 63;
      if (!cryptoVerify(null, msgs[i] as Buffer, pubs[i] as never, sigs[i] as Buffer))
        throw new Error("bad signature");
    },
    { windowMs: 400, windows: 7, warmupMs: 300 },
  );
  const cores = availableParallelism();
  return { verifiesPerCore, cores, validators, txPerSecond: (verifiesPerCore * cores) / validators };
}

/**
 * A sampling CPU profile of the calling thread (main or worker), from now until `stop`, which resolves
 * the profile (a .cpuprofile object) — for benches that profile only their timed window.
 */
export async function startCpuProfile(intervalUs = 1000): Promise<{ stop(): Promise<object> }> {
  const { Session } = await import("node:inspector/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      session.disconnect();
      return profile;
    },
  };
}
