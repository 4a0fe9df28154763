import { makeTempDir, removeDir } from "@tandem/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { type KvStore, LmdbKvStore } from "../../../src/store/index.js";
import { kvStoreConformance } from "../../unit/store/conformance.js";

const dirs: string[] = [];
const paths = new WeakMap<KvStore, { path: string; durability: "overlapping" | "sync-commit" }>();
afterAll(() => {
  for (const d of dirs) removeDir(d);
});

for (const durability of ["overlapping", "sync-commit"] as const) {
  kvStoreConformance(`LmdbKvStore (${durability})`, {
    async open() {
      const path = makeTempDir("lmdb");
      dirs.push(path);
      const st = await LmdbKvStore.open({ path, durability });
      paths.set(st, { path, durability });
      return st;
    },
    async reopen(st) {
      await st.close();
      const p = paths.get(st) as { path: string; durability: "overlapping" | "sync-commit" };
      const again = await LmdbKvStore.open(p);
      paths.set(again, p);
      return again;
    },
  });
}

describe("LmdbKvStore options", () => {
  it("rejects a missing path and an unknown durability with OPTIONS_INVALID", async () => {
    await expect(LmdbKvStore.open({ path: "" })).rejects.toMatchObject({ code: "OPTIONS_INVALID" });
    await expect(LmdbKvStore.open(null as never)).rejects.toMatchObject({ code: "OPTIONS_INVALID" });
    await expect(LmdbKvStore.open({ path: "/tmp/x", durability: "nosync" as never })).rejects.toMatchObject({
      code: "OPTIONS_INVALID",
    });
  });

  it("keeps 10k entries written in one batch across a reopen", async () => {
    const path = makeTempDir("lmdb-big");
    dirs.push(path);
    let st = await LmdbKvStore.open({ path });
    const put: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 10_000; i++)
      put.push([
        new TextEncoder().encode(`k${String(i).padStart(6, "0")}`),
        new Uint8Array(100).fill(i & 0xff),
      ]);
    await st.write({ put });
    await st.close();
    st = await LmdbKvStore.open({ path });
    expect([...st.getRange()].length).toBe(10_000);
    expect(st.get(new TextEncoder().encode("k009999"))).toEqual(new Uint8Array(100).fill(9999 & 0xff));
    await st.close();
  });
});
