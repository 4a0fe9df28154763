import { bls, bytesToHex, ed25519, initBls, sha256, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  decodeValidatorSet,
  encodeTx,
  isLedgerError,
  type SignedTx,
  signTx,
  type Validator,
  type ValidatorSet,
  validatorIndex,
  validatorSetHash,
} from "@tandem/ledger";
import { beforeAll, describe, expect, it } from "vitest";
import {
  applyValidatorChange,
  type BlockExecution,
  bankModule,
  consensusMembership,
  GovErrorCode,
  type GovernanceOptions,
  governanceModule,
  isSupermajority,
  StateMachine,
  VALIDATOR_APPROVE_KIND,
  VALIDATOR_PROPOSE_KIND,
  VALIDATOR_SET_KEY,
  type ValidatorChange,
} from "../../src/state/index.js";
import { MemoryKvStore } from "../../src/store/memory.js";

const CHAIN = "tandem:gov";

interface Operator {
  sk: Uint8Array;
  addr: Uint8Array;
  blsSk: Uint8Array;
  blsPk: Uint8Array;
}

function operator(n: number): Operator {
  const { secretKey, publicKey } = ed25519.keygen(sha256(utf8ToBytes(`gov-operator-${n}`)));
  const b = bls.keygen(sha256(utf8ToBytes(`gov-bls-${n}`)));
  return {
    sk: secretKey,
    addr: accountAddress("ed25519", publicKey),
    blsSk: b.secretKey,
    blsPk: b.publicKey,
  };
}

let ops: Operator[] = [];
const nonces = new Map<string, number>();

beforeAll(async () => {
  await initBls();
  ops = Array.from({ length: 8 }, (_, i) => operator(i));
});

function asValidator(op: Operator, power: bigint): Validator {
  return { address: op.addr, publicKey: op.blsPk, power };
}

function nextNonce(op: Operator): number {
  const k = bytesToHex(op.addr);
  const n = nonces.get(k) ?? 0;
  nonces.set(k, n + 1);
  return n;
}

function govTx(op: Operator, kind: string, payload: unknown): Uint8Array {
  const tx: SignedTx = signTx(
    { chainId: CHAIN, kind, nonce: nextNonce(op), expiryHeight: 0, payload },
    op.sk,
    "ed25519",
  );
  return encodeTx(tx);
}

const propose = (op: Operator, change: ValidatorChange): Uint8Array =>
  govTx(op, VALIDATOR_PROPOSE_KIND.kind, change);
const approve = (op: Operator, proposalId: number): Uint8Array =>
  govTx(op, VALIDATOR_APPROVE_KIND.kind, { proposalId });

function addChange(op: Operator, power: bigint): ValidatorChange {
  return {
    action: "add",
    address: op.addr,
    publicKey: op.blsPk,
    power,
    proofOfPossession: bls.popProve(op.blsSk),
  };
}

async function setup(
  members: Array<[Operator, bigint]>,
  opts: GovernanceOptions = {},
): Promise<StateMachine> {
  nonces.clear();
  const store = MemoryKvStore.open();
  const sm = await StateMachine.init(
    { chainId: CHAIN },
    { store, stateModules: [bankModule(), governanceModule(opts)] },
  );
  await sm.commit(
    sm.initGenesis({ chainId: CHAIN, validators: members.map(([op, p]) => asValidator(op, p)) }),
  );
  return sm;
}

async function run(
  sm: StateMachine,
  txs: Uint8Array[],
  proposer: Uint8Array = new Uint8Array(20),
): Promise<BlockExecution> {
  const exec = sm.executeBlock({ height: sm.height + 1, time: 1000 * (sm.height + 1), proposer, txs });
  await sm.commit(exec);
  return exec;
}

const codes = (e: BlockExecution): string[] => e.results.map((r) => r.code);
const powers = (set: ValidatorSet): Record<string, bigint> =>
  Object.fromEntries(set.validators.map((v) => [bytesToHex(v.address), v.power]));
const member = (set: ValidatorSet, op: Operator): boolean => validatorIndex(set, op.addr) >= 0;
const eventTypes = (e: BlockExecution): string[] => e.events.map((ev) => ev.type);

describe("validator governance thresholds", () => {
  it("does not apply at exactly 2/3 of the power, applies at strictly more", async () => {
    const [a, b, c, d] = ops as [Operator, Operator, Operator, Operator];
    const sm = await setup([
      [a, 1n],
      [b, 1n],
      [c, 1n],
    ]);
    const first = await run(sm, [propose(a, addChange(d, 1n)), approve(b, 1)]);
    expect(codes(first)).toEqual(["OK", "OK"]);
    expect(first.results[0]!.data).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1])); // the proposal id
    expect(first.validatorSetChanged).toBe(false); // 2 of 3 is exactly 2/3: not enough
    expect(member(first.nextValidatorSet, d)).toBe(false);
    const second = await run(sm, [approve(c, 1)]);
    expect(second.validatorSetChanged).toBe(true);
    expect(member(second.nextValidatorSet, d)).toBe(true);
    expect(second.nextValidatorsHash).toEqual(validatorSetHash(second.nextValidatorSet));
    expect(second.validatorsHash).toEqual(validatorSetHash(first.nextValidatorSet));
    expect(eventTypes(second)).toEqual(["validator.proposal_applied"]);
    // The committed state holds the next set, and the following block is signed by it.
    expect(sm.validatorSet().validators).toHaveLength(4);
    const third = await run(sm, []);
    expect(third.validatorsHash).toEqual(second.nextValidatorsHash);
  });

  it("weighs approvals by power: 66 of 100 is just under, 67 of 100 just over", async () => {
    const [a, b, c, d] = ops as [Operator, Operator, Operator, Operator];
    const sm = await setup([
      [a, 34n],
      [b, 33n],
      [c, 33n],
    ]);
    const under = await run(sm, [propose(b, { action: "power", address: d.addr, power: 5n })]);
    expect(codes(under)).toEqual([GovErrorCode.INVALID_CHANGE]); // d is not a validator
    const p = await run(sm, [propose(b, { action: "power", address: c.addr, power: 50n }), approve(c, 1)]);
    expect(codes(p)).toEqual(["OK", "OK"]);
    expect(p.validatorSetChanged).toBe(false); // 33 + 33 = 66 ≤ 66.67
    const over = await run(sm, [approve(a, 1)]);
    expect(over.validatorSetChanged).toBe(true);
    expect(powers(over.nextValidatorSet)[bytesToHex(c.addr)]).toBe(50n);
    expect(over.nextValidatorSet.totalPower).toBe(117n);

    const sm2 = await setup([
      [a, 34n],
      [b, 33n],
      [c, 33n],
    ]);
    const justOver = await run(sm2, [
      propose(a, { action: "power", address: b.addr, power: 1n }),
      approve(c, 1),
    ]);
    expect(justOver.validatorSetChanged).toBe(true); // 34 + 33 = 67 > 66.67
    expect(isSupermajority(justOver.validatorSet, 66n)).toBe(false);
    expect(isSupermajority(justOver.validatorSet, 67n)).toBe(true);
  });

  it("applies a single validator's own proposal in the same block (a one-hub home chain)", async () => {
    const [hub, pc] = ops as [Operator, Operator];
    const sm = await setup([[hub, 10n]]);
    const exec = await run(sm, [propose(hub, addChange(pc, 10n))]);
    expect(codes(exec)).toEqual(["OK"]);
    expect(exec.nextValidatorSet.validators).toHaveLength(2);
    expect(exec.validatorSet.validators).toHaveLength(1);
  });
});

describe("validator governance changes", () => {
  it("adds a validator only with a valid BLS proof of possession", async () => {
    const [a, b, c] = ops as [Operator, Operator, Operator];
    const sm = await setup([[a, 10n]]);
    const wrongPop: ValidatorChange = {
      ...(addChange(b, 5n) as Extract<ValidatorChange, { action: "add" }>),
      proofOfPossession: bls.popProve(c.blsSk),
    };
    const exec = await run(sm, [propose(a, wrongPop)]);
    expect(codes(exec)).toEqual([GovErrorCode.BAD_PROOF_OF_POSSESSION]);
    expect(exec.validatorSetChanged).toBe(false);
    const ok = await run(sm, [propose(a, addChange(b, 5n))]);
    expect(codes(ok)).toEqual(["OK"]);
    expect(member(ok.nextValidatorSet, b)).toBe(true);
  });

  it("refuses to add an existing address or an existing BLS key", async () => {
    const [a, b, c] = ops as [Operator, Operator, Operator];
    const sm = await setup([
      [a, 10n],
      [b, 10n],
    ]);
    const stolenKey: ValidatorChange = {
      action: "add",
      address: c.addr,
      publicKey: b.blsPk,
      power: 1n,
      proofOfPossession: bls.popProve(b.blsSk),
    };
    const exec = await run(sm, [propose(a, addChange(b, 3n)), propose(a, stolenKey)]);
    expect(codes(exec)).toEqual([GovErrorCode.INVALID_CHANGE, GovErrorCode.INVALID_CHANGE]);
  });

  it("removes a validator, including the proposer removing itself and the block's proposer", async () => {
    const [a, b, c, d] = ops as [Operator, Operator, Operator, Operator];
    const sm = await setup([
      [a, 10n],
      [b, 10n],
      [c, 10n],
      [d, 10n],
    ]);
    const exec = await run(
      sm,
      [propose(a, { action: "remove", address: a.addr }), approve(b, 1), approve(c, 1)],
      a.addr,
    );
    expect(codes(exec)).toEqual(["OK", "OK", "OK"]);
    expect(member(exec.validatorSet, a)).toBe(true);
    expect(member(exec.nextValidatorSet, a)).toBe(false);
    expect(exec.nextValidatorSet.totalPower).toBe(30n);
    // Once out, a can neither propose nor approve.
    const after = await run(sm, [
      propose(a, { action: "power", address: b.addr, power: 20n }),
      propose(b, { action: "power", address: c.addr, power: 20n }),
      approve(a, 2),
    ]);
    expect(codes(after)).toEqual([GovErrorCode.NOT_VALIDATOR, "OK", GovErrorCode.NOT_VALIDATOR]);
  });

  it("stops counting the approval of a validator removed in the meantime", async () => {
    const [a, b, c, d] = ops as [Operator, Operator, Operator, Operator];
    const sm = await setup([
      [a, 10n],
      [b, 10n],
      [c, 10n],
      [d, 10n],
    ]);
    // Proposal 1 (raise c) gets a and b; proposal 2 removes a with b, c, d.
    const exec = await run(sm, [
      propose(a, { action: "power", address: c.addr, power: 11n }),
      approve(b, 1),
      propose(b, { action: "remove", address: a.addr }),
      approve(c, 2),
      approve(d, 2),
    ]);
    expect(codes(exec)).toEqual(["OK", "OK", "OK", "OK", "OK"]);
    expect(member(exec.nextValidatorSet, a)).toBe(false);
    // c then approves proposal 1: a's approval no longer counts, b + c = 20 of 30 is exactly 2/3.
    const next = await run(sm, [approve(c, 1)]);
    expect(next.validatorSetChanged).toBe(false);
    const last = await run(sm, [approve(d, 1)]);
    expect(powers(last.nextValidatorSet)[bytesToHex(c.addr)]).toBe(11n);
  });

  it("never empties the set: refused when proposed, and failed when applied after another removal", async () => {
    const [a, b] = ops as [Operator, Operator];
    const solo = await setup([[a, 10n]]);
    const refused = await run(solo, [propose(a, { action: "remove", address: a.addr })]);
    expect(codes(refused)).toEqual([GovErrorCode.EMPTY_SET]);
    expect(refused.nextValidatorSet.validators).toHaveLength(1);

    const pair = await setup([
      [a, 10n],
      [b, 10n],
    ]);
    // Both removals are valid against the 2-member set when proposed; applying the second would empty it.
    const exec = await run(pair, [
      propose(a, { action: "remove", address: a.addr }),
      approve(b, 1),
      propose(b, { action: "remove", address: b.addr }),
      approve(a, 2),
    ]);
    expect(codes(exec)).toEqual(["OK", "OK", "OK", "OK"]);
    expect(eventTypes(exec)).toEqual(["validator.proposal_applied", "validator.proposal_failed"]);
    expect(exec.events[1]!.attributes).toContainEqual(["code", GovErrorCode.EMPTY_SET]);
    expect(exec.nextValidatorSet.validators.map((v) => bytesToHex(v.address))).toEqual([bytesToHex(b.addr)]);
    const stored = decodeValidatorSet(pair.get(VALIDATOR_SET_KEY)!);
    expect(stored.validators).toHaveLength(1);
  });

  it("honours minValidators and refuses an unchanged power", async () => {
    const [a, b, c] = ops as [Operator, Operator, Operator];
    const sm = await setup(
      [
        [a, 10n],
        [b, 10n],
        [c, 10n],
      ],
      { minValidators: 3 },
    );
    const exec = await run(sm, [
      propose(a, { action: "remove", address: c.addr }),
      propose(a, { action: "power", address: b.addr, power: 10n }),
    ]);
    expect(codes(exec)).toEqual([GovErrorCode.INVALID_CHANGE, GovErrorCode.INVALID_CHANGE]);
  });

  it("refuses proposals and approvals from non-validators, double approvals and unknown proposals", async () => {
    const [a, b, c, outsider, d] = ops as [Operator, Operator, Operator, Operator, Operator];
    const sm = await setup([
      [a, 10n],
      [b, 10n],
      [c, 10n],
    ]);
    const exec = await run(sm, [
      propose(outsider, addChange(outsider, 100n)),
      propose(a, addChange(d, 1n)),
      approve(outsider, 1),
      approve(a, 1),
      approve(b, 99),
    ]);
    expect(codes(exec)).toEqual([
      GovErrorCode.NOT_VALIDATOR,
      "OK",
      GovErrorCode.NOT_VALIDATOR,
      GovErrorCode.ALREADY_APPROVED,
      GovErrorCode.UNKNOWN_PROPOSAL,
    ]);
    expect(exec.validatorSetChanged).toBe(false);
  });

  it("expires proposals after the TTL and bounds the pending count", async () => {
    const [a, b, c, d, e] = ops as [Operator, Operator, Operator, Operator, Operator];
    const sm = await setup(
      [
        [a, 10n],
        [b, 10n],
        [c, 10n],
      ],
      { proposalTtlBlocks: 2, maxPending: 2 },
    );
    const exec = await run(sm, [
      propose(a, addChange(d, 1n)),
      propose(a, addChange(e, 1n)),
      propose(b, { action: "remove", address: c.addr }),
    ]);
    expect(codes(exec)).toEqual(["OK", "OK", GovErrorCode.TOO_MANY_PROPOSALS]);
    await run(sm, []);
    await run(sm, []);
    const expired = await run(sm, [approve(b, 1)]);
    expect(codes(expired)).toEqual(["OK"]); // approved in the block where it expires: not enough power
    expect(eventTypes(expired)).toEqual(["validator.proposal_expired", "validator.proposal_expired"]);
    const gone = await run(sm, [approve(c, 1)]);
    expect(codes(gone)).toEqual([GovErrorCode.UNKNOWN_PROPOSAL]);
  });
});

describe("applyValidatorChange()", () => {
  it("is pure and keeps the set canonical (sorted by address)", () => {
    const [a, b, c] = ops as [Operator, Operator, Operator];
    const set = { validators: [asValidator(a, 1n)], totalPower: 1n };
    const canonical = applyValidatorChange(
      applyValidatorChange(set as ValidatorSet, addChange(b, 2n)),
      addChange(c, 3n),
    );
    const addrs = canonical.validators.map((v) => bytesToHex(v.address));
    expect(addrs).toEqual([...addrs].sort());
    expect(canonical.totalPower).toBe(6n);
    expect(set.validators).toHaveLength(1);
    expect(consensusMembership(canonical)).toEqual(
      canonical.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })),
    );
  });

  it("refuses a power that does not encode", () => {
    const [a] = ops as [Operator];
    let err: unknown;
    try {
      propose(a, { action: "power", address: a.addr, power: 0n });
    } catch (e) {
      err = e;
    }
    expect(isLedgerError(err, "ENCODE_INVALID_VALUE")).toBe(true);
  });
});
