/**
 * BLS12-381 figures (mcl-wasm), with noble's verify beside them. Medians in ms; run alone on a quiet machine.
 * `init` is measured only if this process has not initialised BLS yet (it is once per process).
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { type Emit, median, timeMs } from "@tandem/test-utils/bench";
import { BLS_SIGN_DST, bls, initBls } from "../src/bls.js";

const BENCH = "crypto";
/** fastAggregateVerify of 4 keys over one verify: the consensus budget. */
const FAST_AGGREGATE_RATIO_TARGET = 1.3;

export async function run(emit: Emit): Promise<void> {
  const started = performance.now();
  await initBls();
  emit({ bench: BENCH, name: "bls.init", value: round(performance.now() - started), unit: "ms" });

  const message = new TextEncoder().encode("tandem:acme precommit height=1024 round=0 block=0xabc");
  const keys = Array.from({ length: 100 }, (_, i) => bls.keygen(new Uint8Array(32).fill(i + 1)));
  const first = keys[0] as { secretKey: Uint8Array; publicKey: Uint8Array };
  const signature = bls.sign(message, first.secretKey);
  const sigs = keys.map((k) => bls.sign(message, k.secretKey));
  const four = keys.slice(0, 4);
  const fourPks = four.map((k) => k.publicKey);
  const fourAgg = bls.aggregateSignatures(sigs.slice(0, 4));
  const fourPrepared = fourPks.map((pk) => bls.preparePublicKey(pk));
  const preparedFirst = bls.preparePublicKey(first.publicKey);
  if (
    !bls.verify(signature, message, first.publicKey) ||
    !bls.fastAggregateVerify(fourAgg, message, fourPks)
  ) {
    throw new Error("bls bench: verification failed");
  }

  // Interleaved rounds, so JIT warm-up and noise from the shared cores hit every figure alike.
  const t = timeInterleaved(
    {
      sign: () => bls.sign(message, first.secretKey),
      verify: () => bls.verify(signature, message, first.publicKey),
      verifyPrepared: () => bls.verify(signature, message, preparedFirst),
      fast4: () => bls.fastAggregateVerify(fourAgg, message, fourPks),
      fast4Prepared: () => bls.fastAggregateVerify(fourAgg, message, fourPrepared),
      aggregate100: () => bls.aggregateSignatures(sigs),
    },
    15,
    3,
  );
  const { sign, verify, verifyPrepared, fast4, fast4Prepared, aggregate100 } = t;
  const noble = bls12_381.longSignatures;
  const nobleVerify = timeMs(
    () => noble.verify(signature, noble.hash(message, BLS_SIGN_DST), first.publicKey),
    5,
    1,
  );

  const ratio = fast4 / verify;
  emit({ bench: BENCH, name: "bls.sign", value: round(sign), unit: "ms" });
  emit({ bench: BENCH, name: "bls.verify", value: round(verify), unit: "ms" });
  emit({ bench: BENCH, name: "bls.verify.prepared-pk", value: round(verifyPrepared), unit: "ms" });
  emit({ bench: BENCH, name: "bls.fastAggregateVerify.4", value: round(fast4), unit: "ms", keys: "bytes" });
  emit({
    bench: BENCH,
    name: "bls.fastAggregateVerify.4/verify",
    value: round(ratio),
    unit: "x",
    target: FAST_AGGREGATE_RATIO_TARGET,
    ok: ratio <= FAST_AGGREGATE_RATIO_TARGET,
  });
  emit({
    bench: BENCH,
    name: "bls.fastAggregateVerify.4.prepared-pks",
    value: round(fast4Prepared),
    unit: "ms",
  });
  emit({ bench: BENCH, name: "bls.aggregateSignatures.100", value: round(aggregate100), unit: "ms" });
  emit({
    bench: BENCH,
    name: "bls.noble.verify",
    value: round(nobleVerify),
    unit: "ms",
    lib: "@noble/curves",
  });
}

/** Median ms of each function, run once per round in a rotating order. */
function timeInterleaved<K extends string>(fns: Record<K, () => unknown>, rounds: number, warmup: number) {
  const names = Object.keys(fns) as K[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < warmup + rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length] as K;
      const start = performance.now();
      fns[name]();
      if (r >= warmup) times[name].push(performance.now() - start);
    }
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n])])) as Record<K, number>;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
