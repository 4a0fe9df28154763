import { describe, expect, it } from "vitest";
import { Allowlist, generatePeerKey, peerIdOfKey } from "../../src/index.js";
import { PenaltyBook } from "../../src/penalties.js";

describe("PenaltyBook", () => {
  it("adds points and halves them every half-life", () => {
    let t = 1_000;
    const book = new PenaltyBook(60_000, () => t);
    book.add("p", 10);
    book.add("p", 10);
    expect(book.get("p")).toBe(20);
    expect(book.score("p")).toBe(-20);
    t += 60_000;
    expect(book.get("p")).toBeCloseTo(10, 9);
    book.add("p", 10);
    expect(book.get("p")).toBeCloseTo(20, 9);
    expect(book.get("unknown")).toBe(0);
    expect(book.score("unknown")).toBe(-0);
  });

  it("forgets peers whose points decayed away", () => {
    let t = 0;
    const book = new PenaltyBook(1_000, () => t);
    book.add("a", 10);
    book.add("b", 1_000_000);
    t += 20_000; // 20 half-lives
    book.prune();
    expect(book.size).toBe(1);
    expect(book.get("a")).toBe(0);
    expect(book.get("b")).toBeGreaterThan(0.5);
  });
});

describe("Allowlist", () => {
  it("allows everyone without a list and only listed peers with one, changeable at run time", async () => {
    const [a, b] = await Promise.all([generatePeerKey(), generatePeerKey()]).then((ks) =>
      ks.map(peerIdOfKey),
    );
    const list = new Allowlist();
    expect(list.enabled).toBe(false);
    expect(list.allows(a!)).toBe(true);
    list.set([a!]);
    expect(list.enabled).toBe(true);
    expect(list.allows(a!)).toBe(true);
    expect(list.allows(b!)).toBe(false);
    list.set(undefined);
    expect(list.allows(b!)).toBe(true);
    expect(() => list.set(["nope"])).toThrow(expect.objectContaining({ code: "P2P_INVALID_ARGUMENT" }));
  });
});
