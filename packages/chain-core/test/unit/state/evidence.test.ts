import { bytesToHex, hexToBytes } from "@tandem/crypto";
import { decodeTx, encodeTx, isLedgerError, signTx, type Validator } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { voteSignBytes } from "../../../src/consensus/sign-bytes.js";
import type { Vote } from "../../../src/consensus/types.js";
import {
  EVIDENCE_KIND,
  type EvidencePayload,
  evidenceKey,
  evidenceModule,
  evidencePayload,
  StateMachine,
  verifyEvidencePayload,
} from "../../../src/state/index.js";
import { MemoryKvStore } from "../../../src/store/index.js";
import { TestVoteSigner, testKey, testVoteVerifier } from "../../../src/testing/index.js";

const CHAIN = "tandem:evidence";
const byz = new TestVoteSigner("byzantine");
const honest = new TestVoteSigner("honest");
const operator = testKey("evidence/operator");
const reporter = testKey("evidence/reporter");

function vote(signer: TestVoteSigner, blockHash: Uint8Array | null, height = 1, round = 0): Vote {
  const v = { chainId: CHAIN, height, round, type: "prevote" as const, blockHash, validatorIndex: 0 };
  return { ...v, signature: signer.sign(voteSignBytes(v)) };
}

function payload(signer = byz, height = 1): EvidencePayload {
  return evidencePayload(
    {
      kind: "duplicate-vote",
      voteA: vote(signer, new Uint8Array(32).fill(9), height),
      voteB: vote(signer, null, height),
    },
    signer.publicKey,
  );
}

function txBytes(p: EvidencePayload, nonce = 0): Uint8Array {
  return encodeTx(
    signTx(
      { chainId: CHAIN, kind: EVIDENCE_KIND.kind, nonce, expiryHeight: 0, payload: p },
      reporter.secretKey,
      "ed25519",
    ),
  );
}

async function machine(): Promise<StateMachine> {
  const validators: Validator[] = [
    { address: operator.address, publicKey: byz.publicKey, power: 10n },
    { address: testKey("evidence/other").address, publicKey: honest.publicKey, power: 10n },
  ];
  const sm = await StateMachine.init(
    { chainId: CHAIN },
    {
      store: MemoryKvStore.open(),
      stateModules: [evidenceModule({ verifier: testVoteVerifier, maxAgeBlocks: 5 })],
    },
  );
  await sm.commit(sm.initGenesis({ chainId: CHAIN, validators }));
  return sm;
}

describe("evidence payload", () => {
  it("has one canonical encoding: halves in order, whatever order the engine saw them in", () => {
    const a = vote(byz, new Uint8Array(32).fill(9));
    const b = vote(byz, null);
    const p1 = evidencePayload({ kind: "duplicate-vote", voteA: a, voteB: b }, byz.publicKey);
    const p2 = evidencePayload({ kind: "duplicate-vote", voteA: b, voteB: a }, byz.publicKey);
    expect(p1).toEqual(p2);
    const bytes = txBytes(p1);
    expect(decodeTx(bytes).payload).toEqual(p1);
  });

  it("refuses halves out of order or equal when encoding", () => {
    const p = payload();
    if (p.kind !== "duplicate-vote") throw new Error("kind");
    const swapped = { ...p, a: p.b, b: p.a };
    expect(() => txBytes(swapped)).toThrow();
    const same = { ...p, b: p.a };
    expect(() => txBytes(same)).toThrow();
  });

  it("verifies only two validly signed, conflicting messages of the accused key", () => {
    const p = payload();
    expect(verifyEvidencePayload(p, CHAIN, testVoteVerifier)).toBe(true);
    expect(verifyEvidencePayload(p, "tandem:other", testVoteVerifier)).toBe(false);
    expect(verifyEvidencePayload({ ...p, publicKey: honest.publicKey }, CHAIN, testVoteVerifier)).toBe(false);
    if (p.kind !== "duplicate-vote") throw new Error("kind");
    const forged = { ...p, b: { ...p.b, signature: p.a.signature } };
    expect(verifyEvidencePayload(forged, CHAIN, testVoteVerifier)).toBe(false);
  });
});

describe("evidence module", () => {
  it("records proven equivocation once, with an event naming the validator", async () => {
    const sm = await machine();
    const ex = sm.executeBlock({
      height: 1,
      time: 1,
      proposer: operator.address,
      txs: [txBytes(payload()), txBytes(payload(), 1)],
    });
    expect(ex.results.map((r) => r.code)).toEqual(["OK", "EVIDENCE_DUPLICATE"]);
    const ev = ex.results[0]?.events.find((e) => e.type === "evidence");
    expect(Object.fromEntries(ev?.attributes ?? [])).toMatchObject({
      validator: bytesToHex(operator.address),
      height: "1",
      step: "2",
    });
    await sm.commit(ex);
    expect(sm.get(evidenceKey(operator.address, 1, 0, 2))).toBeDefined();
  });

  it("refuses evidence against a key outside the set, from the future, too old, or not conflicting", async () => {
    const sm = await machine();
    const stranger = new TestVoteSigner("stranger");
    const p = payload();
    if (p.kind !== "duplicate-vote") throw new Error("kind");
    const badSig = { ...p, b: { ...p.b, signature: new Uint8Array(96).fill(1) } };
    const ex = sm.executeBlock({
      height: 1,
      time: 1,
      proposer: operator.address,
      txs: [txBytes(payload(stranger)), txBytes(payload(byz, 2), 1), txBytes(badSig, 2)],
    });
    expect(ex.results.map((r) => r.code)).toEqual([
      "EVIDENCE_UNKNOWN_VALIDATOR",
      "EVIDENCE_OUT_OF_RANGE",
      "EVIDENCE_INVALID",
    ]);
    await sm.commit(ex);
    for (let h = 2; h <= 7; h++)
      await sm.commit(sm.executeBlock({ height: h, time: h, proposer: operator.address, txs: [] }));
    const old = sm.executeBlock({
      height: 8,
      time: 8,
      proposer: operator.address,
      txs: [txBytes(payload(), 3)],
    });
    expect(old.results[0]?.code).toBe("EVIDENCE_OUT_OF_RANGE");
  });

  it("decodes no payload with an unknown kind", () => {
    const bytes = txBytes(payload());
    const tx = decodeTx(bytes);
    expect(tx.kind).toBe("evidence.equivocation");
    const raw = hexToBytes(bytesToHex(bytes));
    // The payload starts after the envelope; flipping its kind byte to 9 makes the tx undecodable.
    const i = bytesToHex(raw).indexOf(`01${bytesToHex(byz.publicKey)}`) / 2;
    raw[i] = 9;
    try {
      decodeTx(raw);
      throw new Error("decoded");
    } catch (e) {
      expect(isLedgerError(e)).toBe(true);
    }
  });
});
