/**
 * Prometheus metrics of a chain node (prom-client, one registry per service): height, round, peers,
 * mempool size and NATS state are read when scraped; committed blocks, txs and the commit latency
 * histogram (block time → durable on this node) are fed by the node's block event.
 */
import { Controller, Get, Header, Inject, Injectable, type OnModuleDestroy } from "@nestjs/common";
import type { CommittedBlockEvent } from "@tandem/chain-core";
import type { NodeRuntime } from "@tandem/chain-runtime";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { NatsLink } from "./nats-link.js";
import { CHAIN_METRICS, NATS_LINK, NODE_RUNTIME } from "./tokens.js";

@Injectable()
export class ChainMetrics implements OnModuleDestroy {
  readonly registry = new Registry();
  private readonly blocks: Counter;
  private readonly txs: Counter;
  private readonly latency: Histogram;
  private readonly unsubscribe: () => void;

  constructor(@Inject(NODE_RUNTIME) runtime: NodeRuntime, @Inject(NATS_LINK) nats: NatsLink) {
    const labels = { chain: runtime.chainId, node: runtime.name };
    this.registry.setDefaultLabels(labels);
    // prom-client's names already start with process_/nodejs_: tandem_process_cpu_seconds_total etc.
    collectDefaultMetrics({ register: this.registry, prefix: "tandem_" });
    const r = runtime;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge("tandem_chain_height", "Height of the last block durable on this node", () => r.node.height);
    gauge(
      "tandem_consensus_round",
      "Consensus round at the current height (-1 when not in consensus)",
      () => r.node.consensusEngine?.round ?? -1,
    );
    gauge("tandem_p2p_peers", "Connected libp2p peers", () => r.p2p.peers().length);
    gauge("tandem_mempool_size", "Txs waiting in the mempool", () => r.node.mempool.size);
    gauge("tandem_chain_syncing", "1 while the node catches up from peers", () =>
      r.node.mode === "syncing" ? 1 : 0,
    );
    gauge("tandem_nats_connected", "1 while the service's NATS connection is up", () =>
      nats.isConnected ? 1 : 0,
    );
    gauge(
      "tandem_p2p_gossip_received",
      "Gossip messages accepted from peers",
      () => r.network.stats.received,
    );
    gauge(
      "tandem_p2p_gossip_dropped",
      "Gossip messages dropped (oversized or undecodable; the sender's score goes down)",
      () => r.network.stats.dropped,
    );
    this.blocks = new Counter({
      name: "tandem_blocks_committed_total",
      help: "Blocks committed on this node",
      registers: [this.registry],
    });
    this.txs = new Counter({
      name: "tandem_txs_committed_total",
      help: "Txs in blocks committed on this node",
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: "tandem_commit_latency_seconds",
      help: "From a block's header time to the block being durable on this node",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
    this.unsubscribe = runtime.node.events.on("block", (e: CommittedBlockEvent) => this.observe(e));
  }

  private observe(e: CommittedBlockEvent): void {
    this.blocks.inc();
    this.txs.inc(e.txHashes.length);
    const lagMs = Date.now() - e.header.time;
    // Synced history would skew the histogram: only blocks decided around now.
    if (lagMs >= 0 && lagMs < 60_000) this.latency.observe(lagMs / 1000);
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}

@Controller()
export class MetricsController {
  constructor(@Inject(CHAIN_METRICS) private readonly metrics: ChainMetrics) {}

  @Get("metrics")
  @Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
