import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addressToHex,
  assertTandemChainId,
  formatAccountId,
  formatAssetId,
  formatChainId,
  formatTandemAccountId,
  isAccountId,
  isAssetId,
  isChainId,
  isDenom,
  LedgerError,
  LedgerErrorCode,
  parseAccountId,
  parseAssetId,
  parseChainId,
  parseDenom,
  parseTandemAccountId,
  tandemChainId,
} from "../../src/index.js";
import { caip19Arb, chainIdArb, denomArb } from "../arbitraries.js";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

describe("CAIP-2 chain ids", () => {
  it("parses Tandem and foreign chain ids (known answers from CAIP-2)", () => {
    expect(parseChainId("tandem:acme")).toEqual({ namespace: "tandem", reference: "acme" });
    expect(parseChainId("tandem:home-7f3a")).toEqual({ namespace: "tandem", reference: "home-7f3a" });
    expect(parseChainId("eip155:1")).toEqual({ namespace: "eip155", reference: "1" });
    expect(parseChainId("bip122:000000000019d6689c085ae165831e93")).toEqual({
      namespace: "bip122",
      reference: "000000000019d6689c085ae165831e93",
    });
    expect(parseChainId("cosmos:cosmoshub-3").reference).toBe("cosmoshub-3");
  });

  it("accepts the exact length bounds and nothing past them", () => {
    expect(isChainId("abc:x")).toBe(true);
    expect(isChainId("abcdefgh:x")).toBe(true);
    expect(isChainId(`abc:${"x".repeat(32)}`)).toBe(true);
    expect(isChainId("ab:x")).toBe(false);
    expect(isChainId("abcdefghi:x")).toBe(false);
    expect(isChainId(`abc:${"x".repeat(33)}`)).toBe(false);
    expect(isChainId("abc:")).toBe(false);
  });

  it("rejects bad chain ids with CAIP_INVALID", () => {
    for (const bad of [
      "",
      "tandem",
      "Tandem:acme",
      "tandem:acme:x",
      "tandem:ac me",
      "tandem:acme\n",
      " tandem:acme",
      "tan_dem:acme",
      "tandem:acmé",
      "tandem:a.b",
    ]) {
      expect(
        code(() => parseChainId(bad)),
        bad,
      ).toBe(LedgerErrorCode.CAIP_INVALID);
    }
    expect(code(() => parseChainId(42 as unknown as string))).toBe(LedgerErrorCode.CAIP_INVALID);
    expect(code(() => parseChainId(null as unknown as string))).toBe(LedgerErrorCode.CAIP_INVALID);
  });

  it("formats and parses back (property)", () => {
    fc.assert(
      fc.property(chainIdArb, (id) => {
        expect(formatChainId(parseChainId(id))).toBe(id);
      }),
    );
  });

  it("builds and checks Tandem chain ids", () => {
    expect(tandemChainId("acme")).toBe("tandem:acme");
    expect(assertTandemChainId("tandem:home-7f3a")).toBe("tandem:home-7f3a");
    expect(code(() => assertTandemChainId("eip155:1"))).toBe(LedgerErrorCode.CAIP_INVALID);
    expect(code(() => tandemChainId("has space"))).toBe(LedgerErrorCode.CAIP_INVALID);
    expect(code(() => formatChainId({ namespace: "TANDEM", reference: "x" }))).toBe(
      LedgerErrorCode.CAIP_INVALID,
    );
  });
});

describe("CAIP-10 account ids", () => {
  const addr = new Uint8Array(20).map((_, i) => i * 13);

  it("formats a Tandem account as 40 lowercase hex characters and parses it back", () => {
    const s = formatTandemAccountId("tandem:acme", addr);
    expect(s).toBe(`tandem:acme:${addressToHex(addr)}`);
    expect(s).toMatch(/^tandem:acme:[0-9a-f]{40}$/);
    const back = parseTandemAccountId(s);
    expect(back.chainId).toBe("tandem:acme");
    expect(back.address).toEqual(addr);
  });

  it("parses foreign accounts (known answers from CAIP-10)", () => {
    expect(parseAccountId("eip155:1:0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb")).toEqual({
      chainId: "eip155:1",
      address: "0xab16a96D359eC26a11e2C2b3d8f8B8942d5Bfcdb",
    });
    expect(
      parseAccountId("bip122:000000000019d6689c085ae165831e93:128Lkh3S7CkDTBZ8W7BbpsN3YYizJMp8p6").chainId,
    ).toBe("bip122:000000000019d6689c085ae165831e93");
    expect(isAccountId("cosmos:cosmoshub-3:cosmos1t2uflqwqe0fsj0shcfkrvpukewcw40yjj6hdc0")).toBe(true);
  });

  it("rejects bad accounts with CAIP_INVALID", () => {
    for (const bad of [
      "tandem:acme",
      "tandem:acme:",
      `tandem:acme:${"a".repeat(129)}`,
      "tandem:acme:a b",
      "x:acme:ab",
    ]) {
      expect(
        code(() => parseAccountId(bad)),
        bad,
      ).toBe(LedgerErrorCode.CAIP_INVALID);
    }
    const upper = `tandem:acme:${addressToHex(addr).toUpperCase()}`;
    expect(isAccountId(upper)).toBe(true);
    expect(code(() => parseTandemAccountId(upper))).toBe(LedgerErrorCode.CAIP_INVALID);
    expect(code(() => parseTandemAccountId(`tandem:acme:${"ab".repeat(19)}`))).toBe(
      LedgerErrorCode.CAIP_INVALID,
    );
    expect(code(() => parseTandemAccountId(`eip155:1:${"ab".repeat(20)}`))).toBe(
      LedgerErrorCode.CAIP_INVALID,
    );
    expect(code(() => formatTandemAccountId("tandem:acme", new Uint8Array(19)))).toBe(
      LedgerErrorCode.CAIP_INVALID,
    );
    expect(code(() => formatAccountId({ chainId: "tandem:acme", address: "a:b" }))).toBe(
      LedgerErrorCode.CAIP_INVALID,
    );
  });

  it("formats and parses back (property)", () => {
    fc.assert(
      fc.property(chainIdArb, fc.stringMatching(/^[-.%a-zA-Z0-9]{1,128}$/), (chainId, address) => {
        expect(parseAccountId(formatAccountId({ chainId, address }))).toEqual({ chainId, address });
      }),
    );
  });
});

describe("CAIP-19 asset ids", () => {
  it("parses asset types and asset ids (known answers from CAIP-19)", () => {
    expect(parseAssetId("eip155:1/slip44:60")).toEqual({
      chainId: "eip155:1",
      assetNamespace: "slip44",
      assetReference: "60",
    });
    expect(parseAssetId("eip155:1/erc721:0x06012c8cf97BEaD5deAe237070F9587f8E7A266d/771769")).toEqual({
      chainId: "eip155:1",
      assetNamespace: "erc721",
      assetReference: "0x06012c8cf97BEaD5deAe237070F9587f8E7A266d",
      tokenId: "771769",
    });
    expect(isAssetId("tandem:acme/native:credit")).toBe(true);
  });

  it("rejects bad asset ids with CAIP_INVALID", () => {
    for (const bad of [
      "credit",
      "tandem:acme",
      "tandem:acme/credit",
      "tandem:acme/NATIVE:credit",
      "tandem:acme/native:",
      "tandem:acme/native:credit/",
      `tandem:acme/native:credit/${"1".repeat(79)}`,
      "tandem:acme/native:cr edit",
      "tandem:acme/native:credit/1/2",
    ]) {
      expect(
        code(() => parseAssetId(bad)),
        bad,
      ).toBe(LedgerErrorCode.CAIP_INVALID);
    }
    expect(
      code(() => formatAssetId({ chainId: "tandem:acme", assetNamespace: "na/tive", assetReference: "x" })),
    ).toBe(LedgerErrorCode.CAIP_INVALID);
  });

  it("formats and parses back (property)", () => {
    fc.assert(
      fc.property(caip19Arb, (id) => {
        expect(formatAssetId(parseAssetId(id))).toBe(id);
      }),
    );
  });
});

describe("denominations", () => {
  it("accepts a native CAIP-19 asset and voucher paths", () => {
    expect(parseDenom("tandem:acme/native:credit")).toEqual({
      hops: [],
      base: { chainId: "tandem:acme", assetNamespace: "native", assetReference: "credit" },
    });
    const v = parseDenom("transfer/channel-0/transfer/channel-12/tandem:acme/native:credit");
    expect(v.hops).toEqual([
      { port: "transfer", channel: "channel-0" },
      { port: "transfer", channel: "channel-12" },
    ]);
    expect(v.base.chainId).toBe("tandem:acme");
  });

  it("never accepts a bare symbol (B10)", () => {
    for (const bad of ["ETH", "credit", "native:credit", "transfer/channel-0/credit", ""]) {
      expect(isDenom(bad), bad).toBe(false);
      expect(code(() => parseDenom(bad))).toBe(LedgerErrorCode.DENOM_INVALID);
    }
  });

  it("rejects malformed voucher paths", () => {
    for (const bad of [
      "transfer/tandem:acme/native:credit",
      "t/channel-0/tandem:acme/native:credit",
      "transfer/chan nel/tandem:acme/native:credit",
      `transfer/channel-0/${"x".repeat(600)}`,
    ]) {
      expect(isDenom(bad), bad).toBe(false);
    }
  });

  it("accepts every generated denom (property)", () => {
    fc.assert(
      fc.property(denomArb, (d) => {
        expect(isDenom(d)).toBe(true);
      }),
    );
  });
});
