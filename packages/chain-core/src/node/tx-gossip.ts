/**
 * Tx gossip in batches: txs admitted through this node (submitted by clients) are collected and
 * published on the `txs` topic as one message per `maxBatch` txs or per `flushIntervalMs`, whichever
 * comes first (one gossip message per tx would cap the chain at the gossip layer's message rate).
 * Txs received from peers are not re-gossiped (the network's gossip layer spreads messages itself).
 * A client tx still in the mempool `regossipAfterMs` after it was last sent is sent again (a lost
 * gossip message must not strand a tx in one mempool), at most `regossipMax` per tick.
 */
import type { Clock, TimerHandle } from "../consensus/interface.js";
import type { PeerNetwork } from "../network/interface.js";
import { encodeTxBatch } from "./codec.js";

export interface TxGossipConfig {
  readonly maxBatch: number;
  readonly flushIntervalMs: number;
  /** 0 = never re-gossip. */
  readonly regossipAfterMs: number;
  readonly regossipMax: number;
}

interface Tracked {
  readonly bytes: Uint8Array;
  sentAt: number;
}

export class TxGossip {
  private buffer: Uint8Array[] = [];
  private bytes = 0;
  private timer: TimerHandle | undefined;
  private regossipTimer: TimerHandle | undefined;
  private closed = false;
  /** Client txs by hash (hex), for re-gossip; forgotten once they leave the mempool. */
  private readonly tracked = new Map<string, Tracked>();
  sent = 0;
  resent = 0;

  constructor(
    private readonly network: PeerNetwork,
    private readonly clock: Clock,
    private readonly cfg: TxGossipConfig,
    /** Whether the mempool still holds the tx. */
    private readonly held: (hashHex: string) => boolean,
  ) {}

  /** Queues a client tx for the next batch (and tracks it for re-gossip). */
  push(tx: Uint8Array, hashHex: string): void {
    if (this.closed) return;
    if (this.cfg.regossipAfterMs > 0) {
      this.tracked.set(hashHex, { bytes: tx, sentAt: this.clock.now() });
      if (this.regossipTimer === undefined) this.scheduleRegossip();
    }
    this.enqueue(tx);
  }

  private enqueue(tx: Uint8Array): void {
    this.buffer.push(tx);
    this.bytes += tx.length;
    if (this.buffer.length >= this.cfg.maxBatch) this.flush();
    else if (this.timer === undefined)
      this.timer = this.clock.setTimer(this.cfg.flushIntervalMs, () => this.flush());
  }

  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.buffer.length === 0 || this.closed) return;
    const txs = this.buffer;
    const bytes = this.bytes;
    this.buffer = [];
    this.bytes = 0;
    this.sent += txs.length;
    this.network.publish("txs", encodeTxBatch(txs, bytes));
  }

  private scheduleRegossip(): void {
    const every = Math.max(1, Math.floor(this.cfg.regossipAfterMs / 2));
    this.regossipTimer = this.clock.setTimer(every, () => {
      this.regossipTimer = undefined;
      this.regossip();
      if (this.tracked.size > 0 && !this.closed) this.scheduleRegossip();
    });
  }

  private regossip(): void {
    if (this.closed) return;
    const now = this.clock.now();
    let n = 0;
    for (const [id, t] of this.tracked) {
      if (!this.held(id)) {
        this.tracked.delete(id);
        continue;
      }
      if (now - t.sentAt < this.cfg.regossipAfterMs || n >= this.cfg.regossipMax) continue;
      t.sentAt = now;
      n++;
      this.enqueue(t.bytes);
    }
    this.resent += n;
  }

  close(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.regossipTimer?.cancel();
    this.regossipTimer = undefined;
    this.closed = true;
    this.buffer = [];
    this.tracked.clear();
  }
}
