/**
 * Validator-set changes and Byzantine validators with real nodes:
 * - governance removes a validator while the chain runs — in the very block that validator proposed —
 *   and the next heights run with the new set; a light client follows the headers across the change;
 * - one validator of four silent: the others keep committing;
 * - one validator of four equivocating: honest nodes catch it, the evidence lands on chain as an
 *   `evidence.equivocation` tx, and nobody forks.
 */
import { bytesToHex, equalBytes } from "@tandem/crypto";
import { decodeTx } from "@tandem/ledger";
import { describe, expect, it } from "vitest";
import { decodeConsensusMessage, encodeConsensusMessage } from "../../../src/consensus/codec.js";
import { voteSignBytes } from "../../../src/consensus/sign-bytes.js";
import { followHeaders, trustHeader } from "../../../src/light-client/index.js";
import type { TxResultEvent } from "../../../src/node/index.js";
import { decodeU64 } from "../../../src/state/codec.js";
import { EVIDENCE_KIND, evidenceKey } from "../../../src/state/index.js";
import { equivocatingInterceptor, Prng, silentInterceptor, Testnet } from "../../../src/testing/index.js";

async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("ChainNode: validator-set governance", () => {
  it("removes a validator in the block it proposed; the chain and a light client follow the new set", async () => {
    const t = await Testnet.create({ accounts: 1 });
    try {
      await t.startAll();
      await t.waitForHeight(2);
      const target = t.member(3);
      const results: TxResultEvent[] = [];
      t.node(0).events.on("tx", (e) => results.push(e));
      const op = (i: number) => t.member(i).operator;
      const propose = await t.node(0).submitTx(
        t.signed(op(0), {
          chainId: t.chainId,
          kind: "validator.propose",
          nonce: 0,
          expiryHeight: 0,
          payload: { action: "remove", address: target.operator.address },
        }),
      );
      await waitUntil(() => results.some((r) => equalBytes(r.hash, propose.hash)), "the proposal");
      const proposed = results.find((r) => equalBytes(r.hash, propose.hash));
      expect(proposed?.result.code).toBe("OK");
      const id = decodeU64(proposed?.result.data ?? new Uint8Array(8), "proposal id");
      const approve = (i: number) =>
        t.signed(op(i), {
          chainId: t.chainId,
          kind: "validator.approve",
          nonce: 0,
          expiryHeight: 0,
          payload: { proposalId: id },
        });
      await t.node(1).submitTx(approve(1));
      // The last approval reaches only the validator being removed, so it lands in a block that
      // validator proposes: the proposer of that block leaves the set at its end.
      const keep = t.network.intercept((m) => (m.from === target.id && m.topic === "txs" ? [] : undefined));
      const last = await t.node(3).submitTx(approve(2));
      await waitUntil(() => results.some((r) => equalBytes(r.hash, last.hash)), "the last approval", 30_000);
      keep();
      const applied = results.find((r) => equalBytes(r.hash, last.hash));
      expect(applied?.result.code).toBe("OK");
      const changeHeight = applied?.height ?? 0;
      const header = t.node(0).getHeader(changeHeight);
      expect(header?.proposer).toEqual(target.operator.address);
      expect(
        t
          .node(0)
          .blockEvent(changeHeight)
          ?.events.some((e) => e.type === "validator.proposal_applied"),
      ).toBe(true);
      expect(header?.nextValidatorsHash).not.toEqual(header?.validatorsHash);

      await t.waitForHeight(changeHeight + 4);
      expect(t.node(0).head.nextValidators.size).toBe(3);
      expect(t.node(0).head.nextValidators.indexOfAddress(target.operator.address)).toBe(-1);
      // The removed validator keeps following the chain without voting.
      expect(t.node(3).height).toBeGreaterThanOrEqual(changeHeight + 3);
      t.assertAgreement();

      // A light client trusting height 1 follows every header across the change.
      const top = t.node(0).height;
      const first = t.node(0).lightBlock(1);
      if (first === undefined) throw new Error("no light block 1");
      const trusted = trustHeader(first.header, first.nextValidators);
      const blocks = [];
      for (let h = 2; h <= top; h++) blocks.push(t.node(1).lightBlock(h) ?? (undefined as never));
      const r = followHeaders(trusted, blocks, t.verifier);
      expect(r.ok).toBe(true);
      expect(r.state.height).toBe(top);
      expect(t.node(2).lightBlock(top)?.validators.validators).toHaveLength(3);
    } finally {
      await t.close();
    }
  }, 60_000);
});

describe("ChainNode: one Byzantine validator of four", () => {
  it("keeps committing while one validator is silent", async () => {
    const t = await Testnet.create({ accounts: 2 });
    try {
      t.network.intercept(silentInterceptor("node3"));
      await t.startAll();
      const [a, b] = t.accounts as [(typeof t.accounts)[0], (typeof t.accounts)[0]];
      const r = await t.node(3).submitTx(t.transfer(a, b.address, 3n));
      await t.waitForHeight(8, { timeoutMs: 30_000 });
      await waitUntil(() => t.node(0).getTx(r.hash) !== undefined, "the tx sent through the silent node");
      t.assertAgreement();
    } finally {
      await t.close();
    }
  }, 60_000);

  it("with BLS votes: a validator sending another validator's signature is refused and the chain goes on", async () => {
    const t = await Testnet.create({ accounts: 2, scheme: "bls" });
    try {
      const thief = t.member(3);
      const victim = t.member(0).signer as NonNullable<ReturnType<typeof t.member>["signer"]>;
      let forged = 0;
      t.network.intercept((m) => {
        if (m.from !== thief.id || m.topic !== "votes") return undefined;
        if (m.data[0] !== 2) return []; // its re-broadcast bundles would carry its real votes
        const d = decodeConsensusMessage(m.data);
        if (d.kind !== "vote") return undefined;
        // A valid signature, of the same vote by validator 0: it passes alone under validator 0's key only.
        const signature = victim.sign(voteSignBytes(d.vote)) as Uint8Array;
        forged++;
        return [encodeConsensusMessage({ kind: "vote", vote: { ...d.vote, signature } })];
      });
      await t.startAll();
      await t.waitForHeight(6, { timeoutMs: 40_000 });
      t.assertAgreement();
      expect(forged).toBeGreaterThan(0);
      const honest = [0, 1, 2].map((i) => t.node(i).consensusEngine?.stats);
      expect(honest.reduce((n, st) => n + (st?.badSignature ?? 0), 0)).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  }, 60_000);

  it("catches an equivocating validator: evidence lands on chain and nobody forks", async () => {
    const t = await Testnet.create({ accounts: 2 });
    try {
      const stats = { twins: 0 };
      const byz = t.member(3);
      t.network.intercept(
        equivocatingInterceptor(byz.id, byz.signer as never, new Prng(7), undefined, stats),
      );
      const evidence: TxResultEvent[] = [];
      await t.startAll();
      t.node(1).events.on("tx", (e) => {
        if (e.result.events.some((x) => x.type === "evidence")) evidence.push(e);
      });
      await waitUntil(() => evidence.length > 0, "evidence on chain", 30_000);
      expect(stats.twins).toBeGreaterThan(0);
      const ev = evidence[0] as TxResultEvent;
      expect(ev.result.code).toBe("OK");
      const attrs = Object.fromEntries(ev.result.events.find((x) => x.type === "evidence")?.attributes ?? []);
      expect(attrs.validator).toBe(bytesToHex(byz.operator.address));
      const tx = decodeTx(t.node(1).getTx(ev.hash)?.tx ?? new Uint8Array());
      expect(tx.kind).toBe(EVIDENCE_KIND.kind);
      const height = Number(attrs.height);
      const round = Number(attrs.round);
      const step = Number(attrs.step);
      expect(
        t.node(2).stateMachine.get(evidenceKey(byz.operator.address, height, round, step)),
      ).toBeDefined();
      await t.waitForHeight(ev.height + 2);
      t.assertAgreement();
    } finally {
      await t.close();
    }
  }, 60_000);
});
