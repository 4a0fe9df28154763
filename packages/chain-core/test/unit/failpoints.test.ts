import { describe, expect, it } from "vitest";
import {
  ArmedFailpoints,
  FAILPOINT_ALIASES,
  FAILPOINT_NAMES,
  FailpointCrash,
  noFailpoints,
  parseFailpointSpec,
} from "../../src/failpoints.js";

describe("failpoints", () => {
  it("names the catalogue of reliability.md §B.4 that the engine and executor hit", () => {
    for (const n of [
      "cons.afterProposalRecv",
      "cons.afterVoteSigned.beforePersist",
      "cons.afterVotePersisted.beforeBroadcast",
      "cons.afterCommitQuorum.beforeBlockSave",
      "exec.afterBlockSaved.beforeApply",
      "exec.afterApply.beforeStateSave",
    ]) {
      expect(FAILPOINT_NAMES).toContain(n);
    }
  });

  it("parses name and name:n, and the issue's short aliases", () => {
    expect(parseFailpointSpec("cons.afterWalWrite")).toEqual({ name: "cons.afterWalWrite", nth: 1 });
    expect(parseFailpointSpec(" exec.afterBlockSaved.beforeApply:3 ")).toEqual({
      name: "exec.afterBlockSaved.beforeApply",
      nth: 3,
    });
    expect(parseFailpointSpec("before-vote-persist:2")).toEqual({
      name: "cons.afterVoteSigned.beforePersist",
      nth: 2,
    });
    for (const [alias, name] of Object.entries(FAILPOINT_ALIASES))
      expect(parseFailpointSpec(alias).name).toBe(name);
  });

  it("rejects unknown names, zero or negative counts and non-strings with OPTIONS_INVALID", () => {
    for (const spec of [
      "",
      "nope",
      "cons.afterWalWrite:0",
      "cons.afterWalWrite:-1",
      "cons.afterWalWrite:x",
      "a:1:2",
      7,
      null,
    ]) {
      expect(() => parseFailpointSpec(spec as string), String(spec)).toThrow(
        expect.objectContaining({ code: "OPTIONS_INVALID" }),
      );
    }
  });

  it("triggers once, at exactly the nth hit of its name, and counts every hit", () => {
    const fired: string[] = [];
    const fp = new ArmedFailpoints("cons.afterWalWrite", 3, (n) => fired.push(n));
    fp.hit("cons.afterWalWrite");
    fp.hit("cons.afterProposalRecv");
    fp.hit("cons.afterWalWrite");
    expect(fired).toEqual([]);
    fp.hit("cons.afterWalWrite");
    expect(fired).toEqual(["cons.afterWalWrite"]);
    expect(fp.triggered).toBe(true);
    fp.hit("cons.afterWalWrite");
    expect(fired).toHaveLength(1);
    expect(fp.hits.get("cons.afterWalWrite")).toBe(4);
    expect(fp.hits.get("cons.afterProposalRecv")).toBe(1);
  });

  it("lets the trigger throw a FailpointCrash through the caller (the simulator's crash)", () => {
    const fp = new ArmedFailpoints("exec.afterBlockSaved.beforeApply", 1, (n) => {
      throw new FailpointCrash(n);
    });
    expect(() => fp.hit("exec.afterBlockSaved.beforeApply")).toThrow(FailpointCrash);
    expect(() => noFailpoints.hit("exec.afterBlockSaved.beforeApply")).not.toThrow();
  });
});
