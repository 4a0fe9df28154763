import { MessageChannel } from "node:worker_threads";
import { equalBytes, utf8ToBytes } from "@tandem/crypto";
import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { type NetworkTopic, PortNetwork, portMesh } from "../../../src/network/index.js";
import { ChainNode } from "../../../src/node/chain-node.js";
import { NodeErrorCode } from "../../../src/node/errors.js";
import { MemoryKvStore } from "../../../src/store/memory.js";
import { Testnet, testnetNodeOptions } from "../../../src/testing/index.js";

/** Full mesh of PortNetworks over MessageChannels (the same ports worker threads get). */
function mesh(ids: readonly string[], opts: { requestTimeoutMs?: number } = {}): PortNetwork[] {
  const peers = portMesh(ids);
  return ids.map((id, i) => new PortNetwork(id, peers[i] ?? [], opts));
}

const open: PortNetwork[] = [];
afterEach(() => {
  for (const n of open.splice(0)) n.close();
});

describe("PortNetwork", () => {
  it("publishes to every peer, sends to one, answers block requests, and times out on silence", async () => {
    const [a, b, c] = mesh(["a", "b", "c"], { requestTimeoutMs: 200 }) as [
      PortNetwork,
      PortNetwork,
      PortNetwork,
    ];
    open.push(a, b, c);
    const got: Record<string, Array<{ from: string; topic: NetworkTopic; data: string }>> = {
      a: [],
      b: [],
      c: [],
    };
    for (const [id, n] of [
      ["a", a],
      ["b", b],
      ["c", c],
    ] as const) {
      n.attach({
        onMessage: (from, topic, data) =>
          got[id]?.push({ from, topic, data: new TextDecoder().decode(data) }),
        onGetBlocks: (_from, fromHeight, max) =>
          Array.from({ length: max }, (_, i) => utf8ToBytes(`${id}:${fromHeight + i}`)),
      });
    }
    expect([...a.peers()].sort()).toEqual(["b", "c"]);
    a.publish("txs", utf8ToBytes("1"));
    a.send("c", "votes", utf8ToBytes("2"));
    await waitFor(() => (got.c?.length ?? 0) === 2 && (got.b?.length ?? 0) === 1, { what: "delivery" });
    expect(got.a).toEqual([]);
    expect(got.b).toEqual([{ from: "a", topic: "txs", data: "1" }]);
    expect(got.c).toEqual([
      { from: "a", topic: "txs", data: "1" },
      { from: "a", topic: "votes", data: "2" },
    ]);
    const blocks = await a.getBlocks("b", 7, 2);
    expect(blocks.map((x) => new TextDecoder().decode(x))).toEqual(["b:7", "b:8"]);
    // A detached peer refuses; an unknown peer is unreachable; a closed one never answers.
    b.detach();
    await expect(a.getBlocks("b", 1, 1)).rejects.toMatchObject({ code: NodeErrorCode.NETWORK_UNREACHABLE });
    await expect(a.getBlocks("zz", 1, 1)).rejects.toMatchObject({ code: NodeErrorCode.NETWORK_UNREACHABLE });
    c.close();
    await expect(a.getBlocks("c", 1, 1)).rejects.toMatchObject({ code: NodeErrorCode.NETWORK_TIMEOUT });
  });

  it("drops what is not a message of the protocol", async () => {
    const ch = new MessageChannel();
    const n = new PortNetwork("a", [{ id: "b", port: ch.port1 }]);
    open.push(n);
    const got: string[] = [];
    n.attach({ onMessage: (_f, topic) => got.push(topic), onGetBlocks: () => [] });
    for (const junk of [
      null,
      7,
      "x",
      { k: "msg", topic: "nope", data: new Uint8Array(1) },
      { k: "msg", topic: "txs", data: "str" },
      { k: "blocks", id: 99, blocks: [] },
    ]) {
      ch.port2.postMessage(junk);
    }
    ch.port2.postMessage({ k: "msg", topic: "votes", data: new Uint8Array(1) });
    await waitFor(() => got.length === 1, { what: "the one valid message" });
    expect(got).toEqual(["votes"]);
    ch.port2.close();
  });

  it("carries a real 4-validator chain: a transfer commits with the same blocks on every node", async () => {
    const net = await Testnet.create({ accounts: 2 });
    const nets = mesh(["node0", "node1", "node2", "node3"]);
    open.push(...nets);
    const nodes: ChainNode[] = [];
    try {
      for (const m of net.members) {
        nodes.push(
          await ChainNode.init(
            { ...testnetNodeOptions, genesis: net.genesis },
            {
              store: MemoryKvStore.open(),
              network: nets[m.index] as PortNetwork,
              verifier: net.verifier,
              ...(m.signer === undefined ? {} : { signer: m.signer }),
            },
          ),
        );
      }
      for (const n of nodes) n.start();
      const [alice, bob] = net.accounts as [(typeof net.accounts)[0], (typeof net.accounts)[0]];
      const r = await (nodes[2] as ChainNode).submitTx(net.transfer(alice, bob.address, 5n));
      await waitFor(() => nodes.every((n) => n.getTx(r.hash) !== undefined), {
        what: "the transfer on every node",
        timeoutMs: 20_000,
      });
      const h = Math.min(...nodes.map((n) => n.height));
      const ref = nodes[0]?.getCommit(h)?.blockHash as Uint8Array;
      for (const n of nodes) expect(equalBytes(n.getCommit(h)?.blockHash as Uint8Array, ref)).toBe(true);
    } finally {
      for (const n of nodes) await n.close();
    }
  }, 30_000);
});
