import mcl from "mcl-wasm";
import { describe, expect, it } from "vitest";
import { BlsError, bls, initBls } from "../../src/bls.js";

// Runs in its own file: mcl-wasm is a process-wide singleton and vitest isolates files.
describe("bls before initBls()", () => {
  const bytes = (n: number) => new Uint8Array(n);
  const calls: [string, () => unknown][] = [
    ["keygen", () => bls.keygen()],
    ["getPublicKey", () => bls.getPublicKey(bytes(32))],
    ["sign", () => bls.sign(bytes(1), bytes(32))],
    ["verify", () => bls.verify(bytes(96), bytes(1), bytes(48))],
    ["aggregateSignatures", () => bls.aggregateSignatures([bytes(96)])],
    ["aggregatePublicKeys", () => bls.aggregatePublicKeys([bytes(48)])],
    ["fastAggregateVerify", () => bls.fastAggregateVerify(bytes(96), bytes(1), [bytes(48)])],
    ["aggregateVerify", () => bls.aggregateVerify(bytes(96), [bytes(1)], [bytes(48)])],
    ["popProve", () => bls.popProve(bytes(32))],
    ["popVerify", () => bls.popVerify(bytes(48), bytes(96))],
    ["validatePublicKey", () => bls.validatePublicKey(bytes(48))],
    ["preparePublicKey", () => bls.preparePublicKey(bytes(48))],
  ];

  it.each(calls)("%s throws BLS_NOT_INITIALIZED, even on bad input", (_name, call) => {
    let caught: unknown;
    try {
      call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BlsError);
    expect(caught).toMatchObject({ code: "BLS_NOT_INITIALIZED", name: "BlsError" });
  });

  it("keeps the constants usable", () => {
    expect([bls.secretKeyLength, bls.publicKeyLength, bls.signatureLength]).toEqual([32, 48, 96]);
  });

  it("works once initBls() resolves, shared by concurrent callers", async () => {
    const first = initBls();
    const second = initBls();
    expect(() => bls.keygen()).toThrow(BlsError); // not before the promise resolves
    await Promise.all([first, second]);
    const { secretKey, publicKey } = bls.keygen();
    const message = new TextEncoder().encode("first vote");
    expect(bls.verify(bls.sign(message, secretKey), message, publicKey)).toBe(true);
    await initBls();
    expect(bls.validatePublicKey(publicKey)).toBe(true);
  });

  // Last: it breaks the process-wide instance for the rest of this file.
  it("refuses to run once mcl-wasm was re-initialised behind its back", async () => {
    await initBls();
    await mcl.init(mcl.BLS12_381);
    expect(() => bls.keygen()).toThrow(expect.objectContaining({ code: "BLS_MCL_REINITIALIZED" }));
    expect(() => bls.verify(new Uint8Array(96), new Uint8Array(0), new Uint8Array(48))).toThrow(BlsError);
  });
});
