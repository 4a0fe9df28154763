import { describe, expect, it } from "vitest";
import { assertProtocolId, chainProtocol, chainTopic, chainTopics, isP2PError } from "../../src/index.js";

describe("chain topics and protocols", () => {
  it("namespaces every topic and protocol by the CAIP-2 chain id", () => {
    expect(chainTopics("tandem:acme")).toEqual({
      txs: "/tandem/tandem:acme/txs/1",
      votes: "/tandem/tandem:acme/votes/1",
      blocks: "/tandem/tandem:acme/blocks/1",
    });
    expect(chainTopic("tandem:home-7f3a", "votes")).toBe("/tandem/tandem:home-7f3a/votes/1");
    expect(chainProtocol("tandem:acme", "sync")).toBe("/tandem/tandem:acme/sync/1");
  });

  it.each([
    "",
    "acme",
    "tandem:",
    ":acme",
    "tandem:ac/me",
    "TANDEM:acme",
    "tandem:acme\n",
    "tandem:a b",
    "t:acme",
  ])("rejects the chain id %j", (id) => {
    expect(() => chainTopic(id, "txs")).toThrow(expect.objectContaining({ code: "P2P_INVALID_ARGUMENT" }));
    expect(() => chainProtocol(id, "sync")).toThrow(
      expect.objectContaining({ code: "P2P_INVALID_ARGUMENT" }),
    );
  });

  it("rejects unknown kinds", () => {
    expect(() => chainTopic("tandem:acme", "blobs" as "txs")).toThrow(/unknown topic kind/);
    expect(() => chainProtocol("tandem:acme", "state" as "sync")).toThrow(/unknown protocol kind/);
  });

  it("accepts printable protocol ids that start with a slash, and nothing else", () => {
    expect(() => assertProtocolId("/tandem/tandem:acme/sync/1")).not.toThrow();
    for (const bad of ["", "/", "sync", "/a b", "/a\nb", `/${"x".repeat(256)}`, "/é"]) {
      try {
        assertProtocolId(bad);
        expect.unreachable(`accepted ${JSON.stringify(bad)}`);
      } catch (e) {
        expect(isP2PError(e, "P2P_INVALID_ARGUMENT")).toBe(true);
      }
    }
  });
});
