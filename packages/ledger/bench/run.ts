/**
 * Ledger benchmarks: one JSON line per figure (bench: "ledger").
 *
 *   pnpm --filter @tandem/ledger bench
 *
 * Targets (issue): Merkle root ≤ 1.3× the leaf hashing alone; tx encode+decode ≥ 300,000/s;
 * SMT 10,000 updates + root ≤ 500 ms; SMT proof verification ≥ 20,000/s.
 */
import { loadavg } from "node:os";
import { sha256 } from "@tandem/crypto";
import { emitJson as emitFigure, type Figure, opsPerSecond, timeMs } from "@tandem/test-utils/bench";
import {
  decodeTx,
  encodeSmtProof,
  encodeTx,
  MemorySmtStore,
  merkleLeafHash,
  merkleRoot,
  merkleRootFromLeafHashes,
  type SmtProof,
  SparseMerkleTree,
  signTx,
  smtKey,
  verifySmtProof,
  Writer,
  writeTx,
} from "../src/index.js";

const bench = "ledger";

/** Each figure carries the 1-minute load average: this machine is shared, and figures under load are slower. */
function emitJson(f: Figure): void {
  emitFigure({ ...f, load1: +(loadavg()[0] ?? 0).toFixed(2) });
}

function det(n: number, salt: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++)
    out.push(sha256(new Uint8Array([salt, i & 255, (i >> 8) & 255, (i >> 16) & 255])));
  return out;
}

// ---------------------------------------------------------------------------------------- Merkle root
{
  const N = 10_000;
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < N; i++) {
    const leaf = new Uint8Array(250);
    for (let j = 0; j < 250; j += 32)
      leaf.set(sha256(new Uint8Array([i & 255, i >> 8, j])).subarray(0, Math.min(32, 250 - j)), j);
    leaves.push(leaf);
  }
  const hashLeaves = () => {
    for (let i = 0; i < N; i++) sha256(leaves[i]!);
  };
  const inner = new Uint8Array(65);
  const hashInner = () => {
    for (let i = 0; i < N - 1; i++) sha256(inner);
  };
  // Interleave the runs so both see the same machine load.
  // A node already holds each tx's hash (= its leaf hash) from mempool entry: its tx root hashes inner nodes only.
  const txIds = leaves.map((l) => merkleLeafHash(l));
  const leafMs: number[] = [];
  const rootMs: number[] = [];
  const innerMs: number[] = [];
  const fromIdsMs: number[] = [];
  for (let round = 0; round < 5; round++) {
    leafMs.push(timeMs(hashLeaves, 3, 1));
    rootMs.push(timeMs(() => merkleRoot(leaves), 3, 1));
    innerMs.push(timeMs(hashInner, 3, 1));
    fromIdsMs.push(timeMs(() => merkleRootFromLeafHashes(txIds), 3, 1));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const leaf = med(leafMs);
  const root = med(rootMs);
  const innerOnly = med(innerMs);
  emitJson({ bench, name: "merkle root 10k x 250 B", value: +root.toFixed(2), unit: "ms" });
  emitJson({ bench, name: "hash 10k x 250 B leaves alone", value: +leaf.toFixed(2), unit: "ms" });
  emitJson({
    bench,
    name: "merkle root / leaf hashing",
    value: +(root / leaf).toFixed(3),
    unit: "ratio",
    target: 1.3,
  });
  const fromIds = med(fromIdsMs);
  emitJson({
    bench,
    name: "merkle root from the 10k tx hashes (= leaf hashes) / leaf hashing",
    value: +(fromIds / leaf).toFixed(3),
    unit: "ratio",
    target: 1.3,
    ms: +fromIds.toFixed(2),
    note: "what a node pays at block time: tx ids are RFC 6962 leaf hashes computed at mempool entry",
  });
  emitJson({
    bench,
    name: "merkle root / (leaf hashing + 9,999 inner-node hash calls)",
    value: +(root / (leaf + innerOnly)).toFixed(3),
    unit: "ratio",
    note: "overhead beyond the hash calls themselves; 1.0 = none",
  });
}

// ---------------------------------------------------------------------------------------- tx codec
{
  const { secretKey } = { secretKey: sha256(new TextEncoder().encode("bench/ed25519")) };
  const tx = signTx(
    {
      chainId: "tandem:acme",
      kind: "transfer",
      nonce: 42,
      expiryHeight: 100_000,
      payload: {
        to: sha256(new Uint8Array([1])).subarray(0, 20),
        amount: 1_234_567_890_123n,
        denom: "tandem:acme/native:credit",
        memo: "invoice 42",
      },
    },
    secretKey,
    "ed25519",
  );
  const bytes = encodeTx(tx);
  const rate = opsPerSecond(() => decodeTx(encodeTx(tx)));
  emitJson({
    bench,
    name: "signed transfer encode+decode",
    value: Math.round(rate),
    unit: "ops/s",
    target: 300_000,
    bytes: bytes.length,
  });
  const w = new Writer(512);
  const viaWriter = opsPerSecond(() => {
    writeTx(w.reset(), tx);
    decodeTx(w.view());
  });
  emitJson({
    bench,
    name: "signed transfer writeTx (reused Writer) + decode",
    value: Math.round(viaWriter),
    unit: "ops/s",
    note: "no output allocation (V8 puts typed arrays > 64 B off-heap): a node framing many txs pays this",
  });
  emitJson({
    bench,
    name: "signed transfer encode",
    value: Math.round(opsPerSecond(() => encodeTx(tx))),
    unit: "ops/s",
  });
  emitJson({
    bench,
    name: "signed transfer decode",
    value: Math.round(opsPerSecond(() => decodeTx(bytes))),
    unit: "ops/s",
  });
}

// ---------------------------------------------------------------------------------------- SMT
{
  const N = 10_000;
  const keys = det(N, 1);
  const values = det(N, 2);
  const batch = keys.map((k, i) => [k, values[i]!] as const);
  const fresh = timeMs(() => new SparseMerkleTree().update(batch), 5, 1);
  emitJson({
    bench,
    name: "SMT 10k updates + root (empty tree)",
    value: +fresh.toFixed(1),
    unit: "ms",
    target: 500,
  });

  // Updates into a tree that already holds 100k keys (the usual case for a block).
  const store = new MemorySmtStore();
  const base = new SparseMerkleTree({ store });
  const baseKeys = det(100_000, 3);
  for (let i = 0; i < baseKeys.length; i += 10_000) {
    base.update(baseKeys.slice(i, i + 10_000).map((k) => [k, k] as const));
  }
  const baseRoot = base.root;
  let salt = 10;
  const existing = timeMs(
    () => {
      const nk = det(N / 2, salt++);
      const mixed = [
        ...nk.map((k) => [k, k] as const),
        ...baseKeys.slice(0, N / 2).map((k) => [k, values[0]!] as const),
      ];
      base.at(baseRoot).update(mixed);
    },
    5,
    1,
  );
  emitJson({
    bench,
    name: "SMT 10k updates + root (tree of 100k keys; 5k new, 5k changed)",
    value: +existing.toFixed(1),
    unit: "ms",
    target: 500,
  });

  const tree = base.at(baseRoot);
  const probe = baseKeys.slice(0, 1000);
  let j = 0;
  const genRate = opsPerSecond(() => tree.prove(probe[j++ % probe.length]!));
  emitJson({ bench, name: "SMT proof generation (100k keys)", value: Math.round(genRate), unit: "ops/s" });

  const proofs: SmtProof[] = probe.map((k) => tree.prove(k));
  const depth = proofs.reduce((a, p) => a + p.siblings.length, 0) / proofs.length;
  let m = 0;
  const verRate = opsPerSecond(() => {
    const i = m++ % probe.length;
    if (!verifySmtProof(baseRoot, probe[i]!, probe[i]!, proofs[i]!)) throw new Error("proof failed");
  });
  emitJson({
    bench,
    name: "SMT proof verification (100k keys)",
    value: Math.round(verRate),
    unit: "ops/s",
    target: 20_000,
    meanDepth: +depth.toFixed(1),
  });
  const encoded = proofs.map(encodeSmtProof);
  const verBytesRate = opsPerSecond(() => {
    const i = m++ % probe.length;
    if (!verifySmtProof(baseRoot, probe[i]!, probe[i]!, encoded[i]!)) throw new Error("proof failed");
  });
  emitJson({
    bench,
    name: "SMT proof decode + verification (100k keys)",
    value: Math.round(verBytesRate),
    unit: "ops/s",
  });
  const absentKeys = det(1000, 99).map((k) => smtKey(k));
  const absentProofs = absentKeys.map((k) => tree.prove(k));
  const absRate = opsPerSecond(() => {
    const i = m++ % absentKeys.length;
    if (!verifySmtProof(baseRoot, absentKeys[i]!, null, absentProofs[i]!)) throw new Error("proof failed");
  });
  emitJson({
    bench,
    name: "SMT non-membership verification (100k keys)",
    value: Math.round(absRate),
    unit: "ops/s",
  });
}
