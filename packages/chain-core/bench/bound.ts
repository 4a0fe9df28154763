/**
 * (a) The throughput bound: native Ed25519 verifications per second on one core (bare node:crypto,
 * cached KeyObject, 64 keys and messages rotated, reference/perf-limits.md §9), times the cores the
 * process can use, divided by the 4 validators (each verifies every tx once). The measurement is shared
 * with the service bench (@tandem/test-utils/bench).
 */
import { type Emit, measureVerifyBound, type VerifyBound } from "@tandem/test-utils/bench";

export type Bound = VerifyBound;

export function measureBound(emit: Emit, validators = 4): Bound {
  const b = measureVerifyBound(validators);
  emit({
    bench: "chain-node",
    name: "ed25519 native verify, 1 core",
    value: Math.round(b.verifiesPerCore),
    unit: "verifies/s",
  });
  emit({
    bench: "chain-node",
    name: "bound: verifies/s/core × cores ÷ validators",
    value: Math.round(b.txPerSecond),
    unit: "tx/s",
    cores: b.cores,
    validators,
  });
  return b;
}
