/**
 * (a) The throughput bound: native Ed25519 verifications per second on one core (bare node:crypto,
 * cached KeyObject, 64 keys and messages rotated, reference/perf-limits.md §9), times the cores the
 * process can use, divided by the 4 validators (each verifies every tx once).
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { availableParallelism } from "node:os";
import { type Emit, opsPerSecond } from "@tandem/test-utils/bench";

export interface Bound {
  verifiesPerCore: number;
  cores: number;
  validators: number;
  txPerSecond: number;
}

export function measureBound(emit: Emit, validators = 4): Bound {
  const keys = Array.from({ length: 64 }, () => generateKeyPairSync("ed25519"));
  const msgs = keys.map((_, i) => Buffer.alloc(32, i));
  const sigs = keys.map((k, i) => sign(null, msgs[i] as Buffer, k.privateKey));
  // A KeyObject imported once per key from its raw SPKI bytes, as a node caches it per sender.
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
      if (!verify(null, msgs[i] as Buffer, pubs[i] as never, sigs[i] as Buffer))
        throw new Error("bad signature");
    },
    { windowMs: 400, windows: 7, warmupMs: 300 },
  );
  const cores = availableParallelism();
  const txPerSecond = (verifiesPerCore * cores) / validators;
  emit({
    bench: "chain-node",
    name: "ed25519 native verify, 1 core",
    value: Math.round(verifiesPerCore),
    unit: "verifies/s",
  });
  emit({
    bench: "chain-node",
    name: "bound: verifies/s/core × cores ÷ validators",
    value: Math.round(txPerSecond),
    unit: "tx/s",
    cores,
    validators,
  });
  return { verifiesPerCore, cores, validators, txPerSecond };
}
