/**
 * One behaviour suite for every {@link KvStore}: MemoryKvStore (unit) and LmdbKvStore (e2e, on disk)
 * both run it. `open()` gives a fresh empty store; `reopen(store)` closes it and opens the same data
 * again (a restart).
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type KvStore, MAX_KEY_LENGTH } from "../../../src/store/index.js";

export interface StoreFactory {
  open(): Promise<KvStore>;
  reopen(store: KvStore): Promise<KvStore>;
}

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const s = (u: Uint8Array): string => new TextDecoder().decode(u);
const keysOf = (it: Iterable<{ key: Uint8Array }>): string[] => [...it].map((e) => s(e.key));

function compare(a: Uint8Array, c: Uint8Array): number {
  const n = Math.min(a.length, c.length);
  for (let i = 0; i < n; i++) if (a[i] !== c[i]) return (a[i] as number) - (c[i] as number);
  return a.length - c.length;
}

export function kvStoreConformance(name: string, factory: StoreFactory): void {
  describe(`${name} (KvStore conformance)`, () => {
    const open: KvStore[] = [];
    const fresh = async (): Promise<KvStore> => {
      const st = await factory.open();
      open.push(st);
      return st;
    };
    afterEach(async () => {
      for (const st of open.splice(0)) await st.close().catch(() => {});
    });

    it("returns undefined for a key never written", async () => {
      const st = await fresh();
      expect(st.get(b("missing"))).toBeUndefined();
    });

    it("reads back a put after the write resolves, as a plain Uint8Array", async () => {
      const st = await fresh();
      await st.write({ put: [[b("k"), b("v")]] });
      const v = st.get(b("k"));
      expect(v).toEqual(b("v"));
      expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype);
    });

    it("stores an empty value and distinguishes it from a missing key", async () => {
      const st = await fresh();
      await st.write({ put: [[b("e"), new Uint8Array(0)]] });
      expect(st.get(b("e"))).toEqual(new Uint8Array(0));
    });

    it("applies puts in order, so the last put of a key wins", async () => {
      const st = await fresh();
      await st.write({
        put: [
          [b("k"), b("1")],
          [b("k"), b("2")],
        ],
      });
      expect(st.get(b("k"))).toEqual(b("2"));
    });

    it("applies deletes after puts in one batch", async () => {
      const st = await fresh();
      await st.write({ put: [[b("k"), b("1")]], del: [b("k")] });
      expect(st.get(b("k"))).toBeUndefined();
    });

    it("deletes a key, and ignores deleting a missing one", async () => {
      const st = await fresh();
      await st.write({ put: [[b("a"), b("1")]] });
      await st.write({ del: [b("a"), b("never")] });
      expect(st.get(b("a"))).toBeUndefined();
    });

    it("does not keep a reference to the caller's buffers", async () => {
      const st = await fresh();
      const k = b("k");
      const v = b("value");
      await st.write({ put: [[k, v]] });
      v[0] = 0;
      k[0] = 0;
      expect(st.get(b("k"))).toEqual(b("value"));
    });

    it("scans keys in byte order within [gte, lt), forward and reverse, with a limit", async () => {
      const st = await fresh();
      await st.write({
        put: ["a", "b", "ba", "c", "d", "e"].map((k) => [b(k), b(k.toUpperCase())] as const),
      });
      expect(keysOf(st.getRange())).toEqual(["a", "b", "ba", "c", "d", "e"]);
      expect(keysOf(st.getRange({ gte: b("b"), lt: b("d") }))).toEqual(["b", "ba", "c"]);
      expect(keysOf(st.getRange({ gte: b("b"), lt: b("d"), reverse: true }))).toEqual(["c", "ba", "b"]);
      expect(keysOf(st.getRange({ gte: b("b"), reverse: true }))).toEqual(["e", "d", "c", "ba", "b"]);
      expect(keysOf(st.getRange({ lt: b("c"), reverse: true }))).toEqual(["ba", "b", "a"]);
      expect(keysOf(st.getRange({ gte: b("bb"), limit: 2 }))).toEqual(["c", "d"]);
      expect(keysOf(st.getRange({ reverse: true, limit: 1 }))).toEqual(["e"]);
      expect(keysOf(st.getRange({ limit: 0 }))).toEqual([]);
      expect(keysOf(st.getRange({ gte: b("d"), lt: b("b") }))).toEqual([]);
      expect([...st.getRange({ gte: b("c"), lt: b("ca") })].map((e) => s(e.value))).toEqual(["C"]);
    });

    it("orders bytes unsigned, shorter prefix first", async () => {
      const st = await fresh();
      const keys = [[0x00], [0x00, 0x00], [0x01], [0x7f], [0x80], [0xff], [0xff, 0x00]].map((k) =>
        Uint8Array.from(k),
      );
      await st.write({ put: [...keys].reverse().map((k) => [k, k] as const) });
      expect([...st.getRange()].map((e) => [...e.key])).toEqual(keys.map((k) => [...k]));
    });

    it("matches a sorted model under random batches (property)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              put: fc.array(
                fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.uint8Array({ maxLength: 4 })),
                {
                  maxLength: 6,
                },
              ),
              del: fc.array(fc.uint8Array({ minLength: 1, maxLength: 4 }), { maxLength: 3 }),
            }),
            { maxLength: 8 },
          ),
          async (batches) => {
            const st = await fresh();
            const model = new Map<string, Uint8Array>();
            for (const batch of batches) {
              await st.write(batch);
              for (const [k, v] of batch.put) model.set(Buffer.from(k).toString("hex"), v);
              for (const k of batch.del) model.delete(Buffer.from(k).toString("hex"));
            }
            const want = [...model.entries()]
              .map(([k, v]) => ({ key: Uint8Array.from(Buffer.from(k, "hex")), value: v }))
              .sort((x, y) => compare(x.key, y.key));
            const got = [...st.getRange()];
            expect(got.map((e) => [...e.key])).toEqual(want.map((e) => [...e.key]));
            expect(got.map((e) => [...e.value])).toEqual(want.map((e) => [...e.value]));
            await st.close();
          },
        ),
        { numRuns: 25 },
      );
    });

    it("survives a reopen with the same data", async () => {
      let st = await fresh();
      await st.write({
        put: [
          [b("x"), b("1")],
          [b("y"), b("2")],
        ],
        del: [],
      });
      await st.write({ del: [b("x")] });
      st = await factory.reopen(st);
      open.push(st);
      expect(st.get(b("x"))).toBeUndefined();
      expect(st.get(b("y"))).toEqual(b("2"));
      expect(keysOf(st.getRange())).toEqual(["y"]);
    });

    it("applies concurrent batches atomically and in call order", async () => {
      const st = await fresh();
      const writes: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        writes.push(
          st.write({
            put: [
              [b("counter"), b(String(i))],
              [b(`k${String(i).padStart(2, "0")}`), b("x")],
            ],
          }),
        );
      }
      await Promise.all(writes);
      expect(s(st.get(b("counter")) as Uint8Array)).toBe("19");
      expect(keysOf(st.getRange({ gte: b("k"), lt: b("l") }))).toHaveLength(20);
    });

    it("rejects every malformed key, value, batch and range with STORE_INVALID_ARGUMENT", async () => {
      const st = await fresh();
      const bad = { code: "STORE_INVALID_ARGUMENT" };
      for (const key of [
        new Uint8Array(0),
        new Uint8Array(MAX_KEY_LENGTH + 1),
        "k",
        1,
        null,
        undefined,
        [1],
      ]) {
        const k = key as unknown as Uint8Array;
        expect(() => st.get(k)).toThrow(expect.objectContaining(bad));
        await expect(st.write({ put: [[k, b("v")]] })).rejects.toMatchObject(bad);
        await expect(st.write({ del: [k] })).rejects.toMatchObject(bad);
      }
      for (const value of ["v", 1, null, undefined, [1]]) {
        await expect(st.write({ put: [[b("k"), value as unknown as Uint8Array]] })).rejects.toMatchObject(
          bad,
        );
      }
      for (const batch of [
        null,
        "x",
        1,
        { put: "x" },
        { put: [b("k")] },
        { put: [[b("k")]] },
        { del: b("k") },
      ]) {
        await expect(st.write(batch as never)).rejects.toMatchObject(bad);
      }
      // The error names the entry at fault.
      await expect(
        st.write({
          put: [
            [b("k"), b("v")],
            [b("k2"), 1 as unknown as Uint8Array],
          ],
        }),
      ).rejects.toMatchObject({ ...bad, message: expect.stringContaining("batch.put[1] value") });
      await expect(st.write({ del: [b("k"), new Uint8Array(0)] })).rejects.toMatchObject({
        ...bad,
        message: expect.stringContaining("batch.del[1]"),
      });
      for (const range of [
        null,
        "x",
        { gte: "a" },
        { lt: 1 },
        { reverse: "yes" },
        { limit: -1 },
        { limit: 1.5 },
      ]) {
        expect(() => st.getRange(range as never)).toThrow(expect.objectContaining(bad));
      }
      // Nothing of the rejected batches was written.
      expect([...st.getRange()]).toEqual([]);
    });

    it("accepts a key of exactly MAX_KEY_LENGTH bytes", async () => {
      const st = await fresh();
      const k = new Uint8Array(MAX_KEY_LENGTH).fill(7);
      await st.write({ put: [[k, b("v")]] });
      expect(st.get(k)).toEqual(b("v"));
    });

    it("refuses use after close with STORE_CLOSED", async () => {
      const st = await fresh();
      await st.close();
      expect(() => st.get(b("k"))).toThrow(expect.objectContaining({ code: "STORE_CLOSED" }));
      await expect(st.write({ put: [[b("k"), b("v")]] })).rejects.toMatchObject({ code: "STORE_CLOSED" });
      await expect(st.close()).resolves.toBeUndefined();
    });
  });
}
