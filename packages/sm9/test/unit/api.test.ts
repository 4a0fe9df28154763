/** The public surface of @tandem/sm9 is exactly what the issue specifies (plus DER, errors and caches). */
import { describe, expect, it } from "vitest";
import * as sm9 from "../../src/index.js";

describe("exports", () => {
  it("has the specified functions with their arities", () => {
    const arity: Record<string, number> = {
      signMasterKey: 1,
      signUserKey: 2, // hid has a default
      sign: 4,
      verify: 4,
      encryptMasterKey: 1,
      encryptUserKey: 2,
      encapsulate: 4,
      decapsulate: 4,
      encrypt: 4,
      decrypt: 4,
      exchangeUserKey: 2,
      exchangeInitiate: 3,
      exchangeRespond: 1,
      exchangeComplete: 1,
      pairing: 2,
      signatureToDer: 1,
      signatureFromDer: 1,
      clearSm9Caches: 0,
    };
    for (const [name, n] of Object.entries(arity)) {
      const f = (sm9 as Record<string, unknown>)[name];
      expect(typeof f, name).toBe("function");
      expect((f as (...a: unknown[]) => unknown).length, name).toBe(n);
    }
    expect(sm9.Sm9ErrorCode.DECRYPT_FAILED).toBe("SM9_DECRYPT_FAILED");
    expect(new sm9.Sm9Error(sm9.Sm9ErrorCode.BAD_DER, "x")).toBeInstanceOf(Error);
  });
});
