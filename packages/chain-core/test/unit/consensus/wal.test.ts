import { describe, expect, it } from "vitest";
import { ConsensusWal, WAL_PREFIX } from "../../../src/consensus/index.js";
import { MemoryDisk, MemoryKvStore } from "../../../src/store/index.js";
import { fixture, value } from "./fixture.js";

const f = fixture();

describe("ConsensusWal", () => {
  it("returns the events of a height in append order once flushed", async () => {
    const st = MemoryKvStore.open();
    const wal = ConsensusWal.open(st);
    const a = { type: "vote" as const, vote: f.vote(0, 0, "prevote", value("a").hash) };
    const b = { type: "timeout" as const, height: 3, round: 0, step: "propose" as const };
    const c = { type: "proposal" as const, proposal: f.proposal(0, value("a"), -1, 3) };
    wal.append(3, b);
    wal.append(3, c);
    wal.append(2, a);
    expect(wal.buffered).toBe(3);
    expect(wal.read(3)).toEqual([]);
    await wal.flush();
    expect(wal.buffered).toBe(0);
    expect(ConsensusWal.open(st).read(3)).toEqual([b, c]);
    expect(ConsensusWal.open(st).read(2)).toEqual([a]);
  });

  it("continues numbering after a reopen, so new records follow the old ones", async () => {
    const disk = new MemoryDisk();
    const w1 = ConsensusWal.open(MemoryKvStore.open(disk));
    w1.append(1, { type: "timeout", height: 1, round: 0, step: "propose" });
    await w1.flush();
    const w2 = ConsensusWal.open(MemoryKvStore.open(disk));
    expect(w2.read(1)).toHaveLength(1);
    w2.append(1, { type: "timeout", height: 1, round: 1, step: "propose" });
    await w2.flush();
    expect(
      ConsensusWal.open(MemoryKvStore.open(disk))
        .read(1)
        .map((e) => (e.type === "timeout" ? e.round : -1)),
    ).toEqual([0, 1]);
  });

  it("writes extra entries in the same atomic batch as the buffered records", async () => {
    const st = MemoryKvStore.open(new MemoryDisk(), { flush: "manual" });
    const wal = ConsensusWal.open(st);
    wal.append(1, { type: "timeout", height: 1, round: 0, step: "propose" });
    const key = new TextEncoder().encode("c/signer");
    const p = wal.flush([[key, Uint8Array.of(1)]]);
    expect(st.pendingWrites).toBe(1);
    st.flush();
    await p;
    expect(st.get(key)).toEqual(Uint8Array.of(1));
  });

  it("loses only un-flushed records on a crash", async () => {
    const disk = new MemoryDisk();
    const st = MemoryKvStore.open(disk);
    const wal = ConsensusWal.open(st);
    wal.append(1, { type: "timeout", height: 1, round: 0, step: "propose" });
    await wal.flush();
    wal.append(1, { type: "timeout", height: 1, round: 1, step: "propose" });
    st.crash();
    expect(ConsensusWal.open(MemoryKvStore.open(disk)).read(1)).toHaveLength(1);
  });

  it("prunes every height up to and including the given one", async () => {
    const st = MemoryKvStore.open();
    const wal = ConsensusWal.open(st);
    for (const h of [1, 2, 3]) wal.append(h, { type: "timeout", height: h, round: 0, step: "propose" });
    await wal.flush();
    await wal.prune(2);
    expect(wal.read(1)).toEqual([]);
    expect(wal.read(2)).toEqual([]);
    expect(wal.read(3)).toHaveLength(1);
  });

  it("refuses a record whose checksum fails, or that does not decode, with WAL_CORRUPT", async () => {
    const st = MemoryKvStore.open();
    const wal = ConsensusWal.open(st);
    wal.append(1, { type: "vote", vote: f.vote(1, 0, "prevote", null) });
    await wal.flush();
    const [entry] = [...st.getRange({ gte: WAL_PREFIX })];
    if (entry === undefined) throw new Error("no record");
    const flipped = Uint8Array.from(entry.value);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
    await st.write({ put: [[entry.key, flipped]] });
    expect(() => ConsensusWal.open(st).read(1)).toThrow(expect.objectContaining({ code: "WAL_CORRUPT" }));
    await st.write({ put: [[entry.key, Uint8Array.of(1, 2)]] });
    expect(() => ConsensusWal.open(st).read(1)).toThrow(expect.objectContaining({ code: "WAL_CORRUPT" }));
    // Valid checksum over garbage.
    const { crc32 } = await import("node:zlib");
    const junk = Uint8Array.of(77, 1, 2);
    const framed = new Uint8Array(4 + junk.length);
    new DataView(framed.buffer).setUint32(0, crc32(junk) >>> 0);
    framed.set(junk, 4);
    await st.write({ put: [[entry.key, framed]] });
    expect(() => ConsensusWal.open(st).read(1)).toThrow(expect.objectContaining({ code: "WAL_CORRUPT" }));
  });
});
