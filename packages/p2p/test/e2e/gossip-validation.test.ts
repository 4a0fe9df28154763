import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { chainTopic, isP2PError, type ValidationResult } from "../../src/index.js";
import { Nodes } from "../helpers.js";

const TOPIC = chainTopic("tandem:acme", "blocks");
const LIMIT = 1024;
const PENALTY = 10;

/** First byte decides: 1 accept, 0 ignore, 0xff makes the validator throw, anything else is garbage. */
function validate(data: Uint8Array): ValidationResult {
  if (data[0] === 0xff) throw new Error("decoder blew up");
  if (data[0] === 1) return "accept";
  if (data[0] === 0) return "ignore";
  return "reject";
}

const msg = (kind: number, size: number, salt: number) => {
  const b = new Uint8Array(size).fill(salt);
  b[0] = kind;
  return b;
};

describe("gossip validation and peer scoring", () => {
  const nodes = new Nodes();
  afterEach(() => nodes.closeAll());

  /** sender → receiver → watcher, in a line: the watcher only hears what the receiver forwards. */
  async function line() {
    const receiver = await nodes.start({ peerExchange: false, rejectPenalty: PENALTY });
    const sender = await nodes.start({ peerExchange: false, bootstrap: receiver.multiaddrs });
    const watcher = await nodes.start({ peerExchange: false, bootstrap: receiver.multiaddrs });
    const delivered: Uint8Array[] = [];
    const forwarded: Uint8Array[] = [];
    receiver.subscribe(TOPIC, (d) => void delivered.push(d), { maxBytes: LIMIT, validate });
    // The sender's own limit is higher, so it can send what the receiver refuses.
    sender.subscribe(TOPIC, () => {});
    watcher.subscribe(TOPIC, (d) => void forwarded.push(d));
    await waitFor(() => receiver.meshPeers(TOPIC).length === 2 && sender.meshPeers(TOPIC).length === 1);
    return { receiver, sender, watcher, delivered, forwarded };
  }

  it("drops oversized, garbage and validator-crashing messages, lowers the sender's score, and keeps running", async () => {
    const { receiver, sender, watcher, delivered, forwarded } = await line();

    await sender.publish(TOPIC, msg(1, LIMIT + 1, 1)); // oversized (otherwise valid)
    await sender.publish(TOPIC, msg(7, 64, 2)); // garbage
    await sender.publish(TOPIC, msg(0xff, 64, 3)); // the validator throws
    await sender.publish(TOPIC, msg(0, 64, 4)); // ignored: dropped without penalty
    await sender.publish(TOPIC, msg(1, LIMIT, 5)); // valid, at the limit

    await waitFor(() => delivered.length === 1 && forwarded.length === 1);
    expect(delivered[0]).toEqual(msg(1, LIMIT, 5));
    expect(forwarded[0]).toEqual(msg(1, LIMIT, 5));

    // Three rejections, each worth PENALTY points; the ignored message cost nothing.
    expect(receiver.peerPenalty(sender.peerId)).toBeCloseTo(3 * PENALTY, 1);
    await waitFor(() => receiver.peerScore(sender.peerId) < 0, { what: "the sender's score to drop" });
    expect(receiver.peerScore(sender.peerId)).toBeCloseTo(-3 * PENALTY, 1);
    expect(receiver.peerScore(watcher.peerId)).toBeGreaterThanOrEqual(0);
    expect(sender.peerPenalty(receiver.peerId)).toBe(0);

    // Nothing crashed: the receiver still delivers and the sender is still connected.
    await sender.publish(TOPIC, msg(1, 16, 6));
    await waitFor(() => delivered.length === 2);
    expect(receiver.peers()).toContain(sender.peerId);
  });

  it("a peer that keeps sending garbage falls below gossipsub's graylist threshold", async () => {
    const { receiver, sender, delivered } = await line();
    for (let i = 0; i < 9; i++) await sender.publish(TOPIC, msg(9, 32, i));
    await waitFor(() => receiver.peerPenalty(sender.peerId) > 8 * PENALTY - 1, { what: "nine rejections" });
    await waitFor(() => receiver.peerScore(sender.peerId) <= -80, {
      what: "score below the graylist threshold",
    });
    expect(delivered).toEqual([]);
  });

  it("refuses to publish above the topic limit locally", async () => {
    const { receiver } = await line();
    await expect(receiver.publish(TOPIC, new Uint8Array(LIMIT + 1))).rejects.toSatisfy((e) =>
      isP2PError(e, "P2P_MESSAGE_TOO_LARGE"),
    );
  });

  it("survives an RPC frame above maxRpcBytes: the link is reset and gossip resumes", async () => {
    const receiver = await nodes.start({ maxRpcBytes: 64 * 1024 });
    const sender = await nodes.start({ bootstrap: receiver.multiaddrs });
    const delivered: number[] = [];
    receiver.subscribe(TOPIC, (d) => void delivered.push(d[0]!));
    sender.subscribe(TOPIC, () => {});
    await waitFor(() => receiver.topicPeers(TOPIC).length === 1 && sender.topicPeers(TOPIC).length === 1);
    const resets: string[] = [];
    receiver.on("peer:disconnect", (p) => resets.push(p));

    // 100 KiB is legal for the sender but breaks the receiver's length-prefixed decoder.
    await sender.publish(TOPIC, msg(1, 100 * 1024, 1));
    await waitFor(() => resets.includes(sender.peerId), { what: "the broken link to be reset" });
    await waitFor(
      () => receiver.topicPeers(TOPIC).includes(sender.peerId) && receiver.peers().includes(sender.peerId),
    );
    let salt = 10;
    await waitFor(
      async () => {
        await sender.publish(TOPIC, msg(2, 16, salt++)); // fresh bytes each time: ids are content hashes
        return delivered.includes(2);
      },
      { intervalMs: 200, what: "gossip to resume" },
    );
    expect(delivered).not.toContain(1);
  });

  it("rejects topic limits that do not fit an RPC frame", async () => {
    const n = await nodes.start({ maxRpcBytes: 64 * 1024 });
    expect(() => n.subscribe(TOPIC, () => {}, { maxBytes: 64 * 1024 })).toThrow(/maxRpcBytes/);
    await expect(nodes.create({ maxRpcBytes: 64 * 1024, maxMessageBytes: 64 * 1024 })).rejects.toSatisfy(
      (e) => isP2PError(e, "P2P_INVALID_ARGUMENT"),
    );
  });
});
