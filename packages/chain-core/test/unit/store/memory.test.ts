import { describe, expect, it } from "vitest";
import { type KvStore, MemoryDisk, MemoryKvStore } from "../../../src/store/index.js";
import { kvStoreConformance } from "./conformance.js";

const disks = new WeakMap<KvStore, MemoryDisk>();

kvStoreConformance("MemoryKvStore", {
  async open() {
    const disk = new MemoryDisk();
    const st = MemoryKvStore.open(disk);
    disks.set(st, disk);
    return st;
  },
  async reopen(st) {
    await st.close();
    const disk = disks.get(st) as MemoryDisk;
    const again = MemoryKvStore.open(disk);
    disks.set(again, disk);
    return again;
  },
});

const b = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("MemoryKvStore crash simulation", () => {
  it("keeps a write off the disk until it is flushed, in manual mode", async () => {
    const disk = new MemoryDisk();
    const st = MemoryKvStore.open(disk, { flush: "manual" });
    const w = st.write({ put: [[b("k"), b("v")]] });
    expect(st.get(b("k"))).toBeUndefined();
    expect(st.pendingWrites).toBe(1);
    st.flush();
    await w;
    expect(st.get(b("k"))).toEqual(b("v"));
  });

  it("loses every un-flushed batch whole on crash, and keeps every flushed one", async () => {
    const disk = new MemoryDisk();
    const st = MemoryKvStore.open(disk, { flush: "manual" });
    const first = st.write({
      put: [
        [b("a"), b("1")],
        [b("b"), b("1")],
      ],
    });
    st.flush();
    await first;
    const lost = st.write({
      put: [
        [b("a"), b("2")],
        [b("c"), b("2")],
      ],
      del: [b("b")],
    });
    st.crash();
    await expect(lost).rejects.toMatchObject({ code: "STORE_CLOSED" });
    const again = MemoryKvStore.open(disk);
    expect(again.get(b("a"))).toEqual(b("1"));
    expect(again.get(b("b"))).toEqual(b("1"));
    expect(again.get(b("c"))).toBeUndefined();
  });

  it("flushes pending writes on close", async () => {
    const disk = new MemoryDisk();
    const st = MemoryKvStore.open(disk, { flush: "manual" });
    const w = st.write({ put: [[b("k"), b("v")]] });
    await st.close();
    await w;
    expect(MemoryKvStore.open(disk).get(b("k"))).toEqual(b("v"));
  });

  it("shows an iteration the snapshot it started with", async () => {
    const st = MemoryKvStore.open();
    await st.write({
      put: [
        [b("a"), b("1")],
        [b("b"), b("1")],
      ],
    });
    const it = st.getRange();
    await st.write({ put: [[b("c"), b("1")]], del: [b("b")] });
    expect([...it].map((e) => new TextDecoder().decode(e.key))).toEqual(["a", "b"]);
  });
});
