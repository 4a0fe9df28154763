/**
 * p2p benchmarks: one JSON line per figure (bench: "p2p"). Two nodes in this process on 127.0.0.1,
 * TCP + Noise + yamux, gossipsub StrictNoSign with content-hash ids (the package defaults).
 *
 *   pnpm --filter @tandem/p2p bench
 *
 * Figures: gossip throughput A→B of 256-byte messages and of 64 KiB batches (publishes pipelined,
 * counted at B's handler), and request/response round trip p50/p99 (sequential, 256 B each way,
 * and 64 KiB responses). Reference (perf-limits §8, one process, unsigned): 5.9k msg/s at 256 B.
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { waitFor } from "@tandem/test-utils";
import { emitJson as emitFigure, median, percentile } from "@tandem/test-utils/bench";
import { generatePeerKey, P2PNode } from "../src/index.js";

const bench = "p2p";
const TOPIC = "/tandem/tandem:bench/txs/1";
const PROTOCOL = "/tandem/tandem:bench/sync/1";

/** Each figure carries the 1-minute load average: the machine is shared. */
function emitJson(f: { name: string; value: number; unit: string; [extra: string]: unknown }): void {
  emitFigure({ ...f, bench, load1: +(loadavg()[0] ?? 0).toFixed(2) });
}

const common = { inboundConnectionThreshold: 10_000, dialIntervalMs: 200, maxMessageBytes: 256 * 1024 };
const a = await P2PNode.create({ ...common, privateKey: await generatePeerKey() });
await a.start();
const b = await P2PNode.create({ ...common, privateKey: await generatePeerKey(), bootstrap: a.multiaddrs });
let received = 0;
let receivedBytes = 0;
b.subscribe(TOPIC, (d) => {
  received++;
  receivedBytes += d.length;
});
a.subscribe(TOPIC, () => {});
await b.handle(PROTOCOL, (req) => (req.length === 1 ? responses64k : req));
const responses64k = randomBytes(64 * 1024);
await b.start();
await waitFor(() => a.topicPeers(TOPIC).includes(b.peerId) && b.topicPeers(TOPIC).includes(a.peerId), {
  timeoutMs: 15_000,
});

let seq = 0;
/** A fresh message: ids are content hashes, so every payload must differ. */
function message(size: number): Uint8Array {
  const m = randomBytes(size);
  new DataView(m.buffer, m.byteOffset).setUint32(0, seq++);
  return m;
}

/** Publishes `count` messages of `size` bytes with `inFlight` publishes pipelined; msg/s seen at B. */
async function gossipWindow(count: number, size: number, inFlight: number): Promise<number> {
  const msgs = Array.from({ length: count }, () => message(size));
  const start = received;
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const m = msgs[next++]!;
        await a.publish(TOPIC, m);
      }
    }),
  );
  await waitFor(() => received - start >= count, { timeoutMs: 120_000, intervalMs: 1 });
  return count / ((performance.now() - t0) / 1000);
}

async function gossipFigure(name: string, count: number, size: number, windows: number): Promise<void> {
  await gossipWindow(Math.ceil(count / 4), size, 256); // warm-up
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) rates.push(await gossipWindow(count, size, 256));
  const rate = median(rates);
  emitJson({
    name,
    value: Math.round(rate),
    unit: "msg/s",
    mbps: +((rate * size) / 1e6).toFixed(1),
    size,
    windows,
  });
}

await gossipFigure("gossip 256 B messages A→B", 10_000, 256, 5);
await gossipFigure("gossip 64 KiB batches A→B", 400, 64 * 1024, 5);
if (receivedBytes === 0) throw new Error("nothing received");

async function rtt(name: string, n: number, request: () => Uint8Array): Promise<void> {
  for (let i = 0; i < 100; i++) await a.request(b.peerId, PROTOCOL, request());
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await a.request(b.peerId, PROTOCOL, request());
    times.push(performance.now() - t0);
  }
  emitJson({ name: `${name} p50`, value: +percentile(times, 50).toFixed(3), unit: "ms", n });
  emitJson({ name: `${name} p99`, value: +percentile(times, 99).toFixed(3), unit: "ms", n });
}

await rtt("request/response RTT 256 B", 2_000, () => randomBytes(256));
await rtt("request/response RTT 64 KiB response", 500, () => new Uint8Array(1));

// Throughput with requests pipelined (64 in flight), 256 B each way.
{
  const total = 5_000;
  const t0 = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (sent < total) {
        sent++;
        await a.request(b.peerId, PROTOCOL, randomBytes(256));
      }
    }),
  );
  emitJson({
    name: "request/response throughput, 64 in flight",
    value: Math.round(total / ((performance.now() - t0) / 1000)),
    unit: "req/s",
  });
}

await Promise.all([a.close(), b.close()]);
