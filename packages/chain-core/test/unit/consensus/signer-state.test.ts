import { describe, expect, it } from "vitest";
import {
  DoubleSignGuard,
  SIGNER_STATE_KEY,
  type SignRequest,
  voteSignBytes,
} from "../../../src/consensus/index.js";
import { MemoryDisk, MemoryKvStore } from "../../../src/store/index.js";
import { CHAIN, value } from "./fixture.js";

function req(
  height: number,
  round: number,
  step: "propose" | "prevote" | "precommit",
  tag: string | null,
): SignRequest {
  const hash = tag === null ? null : value(tag).hash;
  const signBytes =
    step === "propose"
      ? Uint8Array.from([...new TextEncoder().encode(`proposal/${height}/${round}/`), ...(hash ?? [])])
      : voteSignBytes({ chainId: CHAIN, height, round, type: step, blockHash: hash });
  return { height, round, step, valueHash: hash, signBytes };
}

const sign = (b: Uint8Array): Uint8Array => Uint8Array.from(b.subarray(0, 8));

describe("DoubleSignGuard", () => {
  it("allows anything on a fresh key", () => {
    const g = DoubleSignGuard.load(MemoryKvStore.open());
    expect(g.check(req(1, 0, "prevote", "a"))).toEqual({ kind: "new" });
    expect(g.last).toBeUndefined();
  });

  it("allows later (height, round, step) and the identical message again, refuses the rest", async () => {
    const g = DoubleSignGuard.load(MemoryKvStore.open());
    await g.sign(req(5, 2, "prevote", "a"), sign);
    expect(g.check(req(5, 2, "prevote", "a"))).toEqual({ kind: "same" });
    expect(g.check(req(5, 2, "prevote", "b"))).toEqual({ kind: "refused", reason: "conflict" });
    expect(g.check(req(5, 2, "prevote", null))).toEqual({ kind: "refused", reason: "conflict" });
    expect(g.check(req(5, 2, "propose", "a"))).toEqual({ kind: "refused", reason: "regression" });
    expect(g.check(req(5, 1, "precommit", "a"))).toEqual({ kind: "refused", reason: "regression" });
    expect(g.check(req(4, 9, "precommit", "a"))).toEqual({ kind: "refused", reason: "regression" });
    expect(g.check(req(5, 2, "precommit", "b"))).toEqual({ kind: "new" });
    expect(g.check(req(5, 3, "propose", "b"))).toEqual({ kind: "new" });
    expect(g.check(req(6, 0, "propose", "b"))).toEqual({ kind: "new" });
  });

  it("returns the earlier signature for the identical message without signing again", async () => {
    const g = DoubleSignGuard.load(MemoryKvStore.open());
    const s1 = await g.sign(req(1, 0, "precommit", "a"), sign);
    let called = false;
    const s2 = await g.sign(req(1, 0, "precommit", "a"), (b) => {
      called = true;
      return sign(b);
    });
    expect(s2).toEqual(s1);
    expect(called).toBe(false);
  });

  it("throws DOUBLE_SIGN_REFUSED and never calls the signer for a conflicting message", async () => {
    const g = DoubleSignGuard.load(MemoryKvStore.open());
    await g.sign(req(1, 0, "prevote", "a"), sign);
    let called = false;
    await expect(
      g.sign(req(1, 0, "prevote", "b"), (b) => {
        called = true;
        return sign(b);
      }),
    ).rejects.toMatchObject({ code: "DOUBLE_SIGN_REFUSED", meta: { reason: "conflict", height: 1 } });
    expect(called).toBe(false);
  });

  it("still refuses after a restart: the last signed state is reloaded from the store", async () => {
    const disk = new MemoryDisk();
    const g1 = DoubleSignGuard.load(MemoryKvStore.open(disk));
    await g1.sign(req(7, 3, "precommit", "a"), sign);
    const g2 = DoubleSignGuard.load(MemoryKvStore.open(disk));
    expect(g2.last).toMatchObject({ height: 7, round: 3, step: "precommit" });
    expect(g2.check(req(7, 3, "precommit", "b"))).toEqual({ kind: "refused", reason: "conflict" });
    expect(g2.check(req(7, 3, "prevote", "a"))).toEqual({ kind: "refused", reason: "regression" });
    expect(g2.check(req(7, 3, "precommit", "a"))).toEqual({ kind: "same" });
  });

  it("does not move its in-memory state until the entry was persisted", () => {
    const g = DoubleSignGuard.load(MemoryKvStore.open());
    const r = req(2, 0, "prevote", "a");
    g.entry({ ...r, signature: sign(r.signBytes) });
    expect(g.check(req(2, 0, "prevote", "b"))).toEqual({ kind: "new" });
    g.markPersisted({ ...r, signature: sign(r.signBytes) });
    expect(g.check(req(2, 0, "prevote", "b"))).toEqual({ kind: "refused", reason: "conflict" });
    // An older entry marked later never moves it back.
    const older = req(1, 0, "precommit", "z");
    g.markPersisted({ ...older, signature: sign(older.signBytes) });
    expect(g.last?.height).toBe(2);
  });

  it("refuses to load a corrupt signer state", async () => {
    const st = MemoryKvStore.open();
    await st.write({ put: [[SIGNER_STATE_KEY, Uint8Array.from([1, 2, 3])]] });
    expect(() => DoubleSignGuard.load(st)).toThrow(expect.objectContaining({ code: "CODEC_MALFORMED" }));
  });
});
