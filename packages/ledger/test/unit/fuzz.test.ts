/**
 * Decoder fuzzing: random bytes and mutated valid encodings (bit flips, truncations, insertions,
 * deletions, length-field tampering, duplicated chunks). A decoder either rejects the input with a
 * LedgerError whose code is a known LedgerErrorCode, or accepts it, and then the input must be exactly
 * the canonical encoding of what it decoded (so no two byte strings decode to the same value).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeBlock,
  decodeCommit,
  decodeHeader,
  decodeMerkleProof,
  decodeSmtNode,
  decodeSmtProof,
  decodeTx,
  decodeTxResult,
  decodeValidatorSet,
  decodeVote,
  encodeBlock,
  encodeCommit,
  encodeHeader,
  encodeMerkleProof,
  encodeSmtNode,
  encodeSmtProof,
  encodeTx,
  encodeTxResult,
  encodeValidatorSet,
  encodeVote,
  isLedgerErrorCode,
  LedgerError,
  SparseMerkleTree,
  smtKey,
} from "../../src/index.js";
import {
  blockArb,
  commitArb,
  headerArb,
  merkleProofArb,
  signedTxArb,
  smtProofArb,
  txResultArb,
  validatorSetArb,
  voteArb,
} from "../arbitraries.js";
import { signedTransfer } from "../fixtures.js";

interface Target {
  name: string;
  seeds: Uint8Array[];
  decode: (b: Uint8Array) => unknown;
  encode: (x: never) => Uint8Array;
}

function samples<T>(arb: fc.Arbitrary<T>, n: number, encode: (x: T) => Uint8Array): Uint8Array[] {
  return fc.sample(arb, { numRuns: n, seed: 42 }).map(encode);
}

function smtNodes(): Uint8Array[] {
  const t = new SparseMerkleTree();
  t.update(Array.from({ length: 6 }, (_, i) => [smtKey(new Uint8Array([i])), new Uint8Array([i])] as const));
  const out: Uint8Array[] = [];
  for (let i = 0; i < 6; i++) {
    const p = t.prove(smtKey(new Uint8Array([i])));
    const leaf = p.leaf!;
    out.push(
      encodeSmtNode({ kind: "leaf", hash: new Uint8Array(32), key: leaf.key, valueHash: leaf.valueHash }),
    );
  }
  out.push(encodeSmtNode(t.store.get(t.root)!));
  return out;
}

const TARGETS: Target[] = [
  {
    name: "tx",
    seeds: [
      ...(["ed25519", "secp256k1", "sm2"] as const).map((s) => encodeTx(signedTransfer(s))),
      ...samples(signedTxArb, 12, (x) => encodeTx(x)),
    ],
    decode: (b) => decodeTx(b),
    encode: encodeTx as never,
  },
  {
    name: "header",
    seeds: samples(headerArb, 10, encodeHeader),
    decode: decodeHeader,
    encode: encodeHeader as never,
  },
  {
    name: "commit",
    seeds: samples(commitArb, 10, encodeCommit),
    decode: (b) => decodeCommit(b),
    encode: encodeCommit as never,
  },
  { name: "vote", seeds: samples(voteArb, 10, encodeVote), decode: decodeVote, encode: encodeVote as never },
  {
    name: "block",
    seeds: samples(blockArb, 10, encodeBlock),
    decode: decodeBlock,
    encode: encodeBlock as never,
  },
  {
    name: "validator set",
    seeds: samples(validatorSetArb, 10, encodeValidatorSet),
    decode: decodeValidatorSet,
    encode: encodeValidatorSet as never,
  },
  {
    name: "Merkle proof",
    seeds: samples(merkleProofArb, 10, encodeMerkleProof),
    decode: decodeMerkleProof,
    encode: encodeMerkleProof as never,
  },
  {
    name: "SMT proof",
    seeds: samples(smtProofArb, 12, encodeSmtProof),
    decode: decodeSmtProof,
    encode: encodeSmtProof as never,
  },
  {
    name: "tx result",
    seeds: samples(txResultArb, 10, encodeTxResult),
    decode: decodeTxResult,
    encode: encodeTxResult as never,
  },
  { name: "SMT node", seeds: smtNodes(), decode: (b) => decodeSmtNode(b), encode: encodeSmtNode as never },
];

type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; byte: number }
  | { op: "delete"; at: number }
  | { op: "set"; at: number; byte: number }
  | { op: "bump"; at: number; delta: number }
  | { op: "duplicate"; at: number; len: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  // Length-field tampering: lengths are LEB128 bytes, so extreme and off-by-one values hit them.
  fc.record({
    op: fc.constant("set" as const),
    at: fc.nat(),
    byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff),
  }),
  fc.record({ op: fc.constant("bump" as const), at: fc.nat(), delta: fc.constantFrom(-1, 1, 0x80) }),
  fc.record({ op: fc.constant("duplicate" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
);

function mutate(input: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = input;
  for (const m of muts) {
    const n = b.length;
    const at = n === 0 ? 0 : m.at % n;
    switch (m.op) {
      case "flip":
        if (n > 0) {
          b = b.slice();
          b[at]! ^= 1 << m.bit;
        }
        break;
      case "truncate":
        b = b.slice(0, n === 0 ? 0 : m.at % n);
        break;
      case "insert":
        b = new Uint8Array([...b.subarray(0, at), m.byte, ...b.subarray(at)]);
        break;
      case "delete":
        if (n > 0) b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)]);
        break;
      case "set":
        if (n > 0) {
          b = b.slice();
          b[at] = m.byte;
        }
        break;
      case "bump":
        if (n > 0) {
          b = b.slice();
          b[at] = (b[at]! + m.delta) & 0xff;
        }
        break;
      case "duplicate":
        b = new Uint8Array([
          ...b.subarray(0, at + m.len),
          ...b.subarray(at, at + m.len),
          ...b.subarray(at + m.len),
        ]);
        break;
    }
  }
  return b;
}

/** Decodes `bytes`; returns "ok" or the error code, and fails on anything but a known LedgerError. */
function check(t: Target, bytes: Uint8Array): string {
  let decoded: unknown;
  try {
    decoded = t.decode(bytes);
  } catch (e) {
    if (!(e instanceof LedgerError)) throw new Error(`${t.name}: threw a non-LedgerError: ${String(e)}`);
    if (!isLedgerErrorCode(e.code)) throw new Error(`${t.name}: unknown code ${e.code}`);
    return e.code;
  }
  // Accepted ⇒ canonical: re-encoding gives back exactly the input.
  expect(Buffer.from(t.encode(decoded as never)).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
  return "ok";
}

const RANDOM_RUNS = 1500;
const MUTATED_RUNS = 2500;

describe("decoder fuzzing", () => {
  for (const t of TARGETS) {
    it(`${t.name}: the seeds decode and re-encode exactly`, () => {
      expect(t.seeds.length).toBeGreaterThan(4);
      for (const s of t.seeds) expect(check(t, s)).toBe("ok");
    });

    it(`${t.name}: random bytes only ever give a known LedgerError (or a canonical value)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
          check(t, b);
        }),
        { numRuns: RANDOM_RUNS },
      );
    });

    it(`${t.name}: mutated valid encodings only ever give a known LedgerError (or a canonical value)`, () => {
      const codes = new Map<string, number>();
      fc.assert(
        fc.property(fc.nat(), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (pick, muts) => {
          const seed = t.seeds[pick % t.seeds.length]!;
          const start = performance.now();
          const c = check(t, mutate(seed, muts));
          expect(performance.now() - start).toBeLessThan(250);
          codes.set(c, (codes.get(c) ?? 0) + 1);
        }),
        { numRuns: MUTATED_RUNS },
      );
      // The mutations reach past the first field: more than one kind of rejection shows up.
      expect([...codes.keys()].filter((c) => c !== "ok").length).toBeGreaterThan(1);
    });
  }
});
