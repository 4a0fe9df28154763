import { utf8ToBytes } from "@tandem/crypto";
import { describe, expect, it } from "vitest";
import { MemoryNetwork, type NetworkTopic, type PeerNetwork } from "../../../src/network/index.js";
import { Scheduler } from "../../../src/testing/index.js";

interface Inbox {
  got: Array<{ from: string; topic: NetworkTopic; data: string }>;
}

function member(
  net: MemoryNetwork,
  id: string,
  blocks: (from: number, max: number) => Uint8Array[] = () => [],
): PeerNetwork & Inbox {
  const port = net.join(id);
  const got: Inbox["got"] = [];
  port.attach({
    onMessage: (from, topic, data) => got.push({ from, topic, data: new TextDecoder().decode(data) }),
    onGetBlocks: (_from, from, max) => blocks(from, max),
  });
  return Object.assign(port, { got });
}

describe("MemoryNetwork", () => {
  it("publishes to every other peer, sends to one, in order, on virtual time", () => {
    const s = new Scheduler();
    const net = new MemoryNetwork({ clock: s.clockFor(() => true), delayMs: [5, 5] });
    const a = member(net, "a");
    const b = member(net, "b");
    const c = member(net, "c");
    a.publish("txs", utf8ToBytes("1"));
    a.send("c", "votes", utf8ToBytes("2"));
    expect(b.got).toEqual([]);
    while (s.step()) {}
    expect(s.now).toBe(5);
    expect(a.got).toEqual([]);
    expect(b.got).toEqual([{ from: "a", topic: "txs", data: "1" }]);
    expect(c.got).toEqual([
      { from: "a", topic: "txs", data: "1" },
      { from: "a", topic: "votes", data: "2" },
    ]);
    expect(a.peers()).toEqual(["b", "c"]);
  });

  it("partitions, isolates and heals; a peer that left gets nothing", () => {
    const s = new Scheduler();
    const net = new MemoryNetwork({ clock: s.clockFor(() => true) });
    const a = member(net, "a");
    const b = member(net, "b");
    const c = member(net, "c");
    net.partition(["a", "b"], ["c"]);
    a.publish("txs", utf8ToBytes("p"));
    while (s.step()) {}
    expect(b.got).toHaveLength(1);
    expect(c.got).toHaveLength(0);
    expect(c.peers()).toEqual([]);
    net.heal();
    net.isolate("b");
    a.publish("txs", utf8ToBytes("q"));
    while (s.step()) {}
    expect(b.got).toHaveLength(1);
    expect(c.got).toHaveLength(1);
    net.heal();
    net.leave("c");
    a.publish("txs", utf8ToBytes("r"));
    while (s.step()) {}
    expect(c.got).toHaveLength(1);
    expect(net.stats.dropped).toBeGreaterThan(0);
  });

  it("lets interceptors drop, duplicate and rewrite messages", () => {
    const s = new Scheduler();
    const net = new MemoryNetwork({ clock: s.clockFor(() => true) });
    const a = member(net, "a");
    const b = member(net, "b");
    const remove = net.intercept((m) =>
      m.topic === "votes" ? [m.data, utf8ToBytes("twin")] : m.topic === "blocks" ? [] : undefined,
    );
    a.publish("votes", utf8ToBytes("v"));
    a.publish("blocks", utf8ToBytes("b"));
    a.publish("txs", utf8ToBytes("t"));
    while (s.step()) {}
    expect(b.got.map((g) => g.data)).toEqual(["v", "twin", "t"]);
    remove();
    a.publish("blocks", utf8ToBytes("b2"));
    while (s.step()) {}
    expect(b.got.map((g) => g.data)).toContain("b2");
  });

  it("drops messages at the configured rate, reproducibly for a seed", () => {
    const run = (seed: number): number => {
      const s = new Scheduler();
      const net = new MemoryNetwork({ clock: s.clockFor(() => true), dropRate: 0.5, seed });
      const a = member(net, "a");
      const b = member(net, "b");
      for (let i = 0; i < 200; i++) a.send("b", "txs", utf8ToBytes(String(i)));
      while (s.step()) {}
      return b.got.length;
    };
    const n = run(3);
    expect(n).toBeGreaterThan(60);
    expect(n).toBeLessThan(140);
    expect(run(3)).toBe(n);
  });

  it("answers getBlocks from the peer's handler; unreachable and silent peers reject with coded errors", async () => {
    const net = new MemoryNetwork({ requestTimeoutMs: 50 });
    const a = member(net, "a");
    member(net, "b", (from, max) => [utf8ToBytes(`${from}/${max}`)]);
    const silent = net.join("silent");
    silent.attach({ onMessage: () => {}, onGetBlocks: () => new Promise(() => {}) });
    expect((await a.getBlocks("b", 4, 10)).map((x) => new TextDecoder().decode(x))).toEqual(["4/10"]);
    await expect(a.getBlocks("nobody", 1, 1)).rejects.toMatchObject({ code: "NETWORK_UNREACHABLE" });
    await expect(a.getBlocks("silent", 1, 1)).rejects.toMatchObject({ code: "NETWORK_TIMEOUT" });
    net.isolate("b");
    await expect(a.getBlocks("b", 1, 1)).rejects.toMatchObject({ code: "NETWORK_UNREACHABLE" });
  });
});
