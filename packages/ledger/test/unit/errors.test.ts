import { describe, expect, it } from "vitest";
import { isLedgerError, isLedgerErrorCode, LedgerError, LedgerErrorCode } from "../../src/index.js";

describe("LedgerError", () => {
  it("carries a stable code and metadata", () => {
    const e = new LedgerError(LedgerErrorCode.PROOF_INVALID, "bad proof", { depth: 3 });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("LedgerError");
    expect(e.code).toBe("PROOF_INVALID");
    expect(e.meta).toEqual({ depth: 3 });
  });

  it("serialises to {code, message, ...meta}", () => {
    const e = new LedgerError(LedgerErrorCode.DECODE_TRUNCATED, "short", { offset: 4, field: "nonce" });
    expect(JSON.parse(JSON.stringify(e))).toEqual({
      code: "DECODE_TRUNCATED",
      message: "short",
      offset: 4,
      field: "nonce",
    });
  });

  it("never lets meta override the code or message", () => {
    const e = new LedgerError(LedgerErrorCode.CAIP_INVALID, "msg", { code: "X", message: "Y" });
    expect(e.toJSON()).toMatchObject({ code: "CAIP_INVALID", message: "msg" });
  });

  it("keeps a cause", () => {
    const cause = new Error("inner");
    expect(new LedgerError("SOME_CODE", "outer", {}, { cause }).cause).toBe(cause);
  });

  it("exports codes whose values equal their names", () => {
    for (const [k, v] of Object.entries(LedgerErrorCode)) expect(v).toBe(k);
    expect(Object.keys(LedgerErrorCode)).toEqual(
      expect.arrayContaining([
        "DECODE_TRAILING_BYTES",
        "DECODE_NON_MINIMAL",
        "DECODE_UNKNOWN_KIND",
        "DECODE_OUT_OF_RANGE",
        "DECODE_TRUNCATED",
        "CAIP_INVALID",
        "PROOF_INVALID",
        "TX_BAD_SIGNATURE",
      ]),
    );
  });

  it("recognises its own errors and codes", () => {
    const e = new LedgerError(LedgerErrorCode.TX_BAD_SIGNATURE, "x");
    expect(isLedgerError(e)).toBe(true);
    expect(isLedgerError(e, "TX_BAD_SIGNATURE")).toBe(true);
    expect(isLedgerError(e, "PROOF_INVALID")).toBe(false);
    expect(isLedgerError(new Error("x"))).toBe(false);
    expect(isLedgerErrorCode("PROOF_INVALID")).toBe(true);
    expect(isLedgerErrorCode("NOPE")).toBe(false);
  });
});
