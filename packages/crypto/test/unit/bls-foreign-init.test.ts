import mcl from "mcl-wasm";
import { describe, expect, it } from "vitest";
import { BlsError, bls, initBls } from "../../src/bls.js";

// Runs in its own file: it initialises the process-wide mcl-wasm behind initBls()'s back.
describe("initBls() on an mcl-wasm that other code initialised", () => {
  it("refuses to start, and keeps refusing, rather than calling mcl.init twice", async () => {
    await mcl.init(mcl.BLS12_381);
    await expect(initBls()).rejects.toMatchObject({ code: "BLS_INIT_FAILED" });
    await expect(initBls()).rejects.toBeInstanceOf(BlsError);
    expect(() => bls.keygen()).toThrow(expect.objectContaining({ code: "BLS_NOT_INITIALIZED" }));
  });
});
