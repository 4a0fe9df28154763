/**
 * An in-memory {@link PeerNetwork} for tests, the simulator and the bench: every peer of one
 * {@link MemoryNetwork} hub reaches every other, with optional delays, drops and duplicates drawn from a
 * seeded PRNG, partitions, and message interceptors (a Byzantine node mutating or duplicating what it
 * sends, a link that loses one kind of message). Time comes from a {@link Clock}, so the same network
 * runs on wall time (tests, bench) or on the simulator's virtual time. With zero delay on wall time,
 * messages are delivered in batches on the next macrotask (setImmediate), in send order.
 */
import { type Clock, systemClock } from "../consensus/interface.js";
import { NodeErrorCode, nodeError } from "../node/errors.js";
import { Prng } from "../testing/sim/prng.js";
import type { NetworkTopic, PeerNetwork, PeerNetworkHandlers } from "./interface.js";

export interface MemoryNetworkOptions {
  /** Timers for delays and request timeouts (default: wall time). */
  clock?: Clock;
  /** Delivery delay range in ms, drawn per message (default [0, 0]). */
  delayMs?: readonly [number, number];
  /** Probability that a gossip or direct message is lost (default 0). Requests are never dropped. */
  dropRate?: number;
  /** Probability that a message is delivered twice (default 0). */
  duplicateRate?: number;
  /** Seed of the delay/drop PRNG (default 1). */
  seed?: number;
  /** getBlocks timeout in ms (default 5000). */
  requestTimeoutMs?: number;
}

export const defaultMemoryNetworkOptions = {
  delayMs: [0, 0] as readonly [number, number],
  dropRate: 0,
  duplicateRate: 0,
  seed: 1,
  requestTimeoutMs: 5000,
} as const;

/** A message in flight, as an interceptor sees it. */
export interface InFlightMessage {
  readonly from: string;
  readonly to: string;
  readonly topic: NetworkTopic;
  readonly data: Uint8Array;
}

/**
 * Returns the payloads to deliver instead of `msg.data` (an empty array drops it), or undefined to leave
 * it alone. Interceptors run in registration order at send time.
 */
export type MessageInterceptor = (msg: InFlightMessage) => readonly Uint8Array[] | undefined;

export interface MemoryNetworkStats {
  sent: number;
  delivered: number;
  dropped: number;
  bytes: number;
  requests: number;
}

interface Member {
  readonly id: string;
  handlers: PeerNetworkHandlers | undefined;
}

export class MemoryNetwork {
  readonly stats: MemoryNetworkStats = { sent: 0, delivered: 0, dropped: 0, bytes: 0, requests: 0 };
  private readonly members = new Map<string, Member>();
  private readonly interceptors: MessageInterceptor[] = [];
  private groups: string[][] | undefined;
  private readonly rng: Prng;
  private readonly clock: Clock;
  private readonly wallTime: boolean;
  private opts: Required<Omit<MemoryNetworkOptions, "clock" | "seed">>;
  private immediate: Array<() => void> = [];
  private immediateScheduled = false;

  constructor(opts: MemoryNetworkOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.wallTime = opts.clock === undefined || opts.clock === systemClock;
    this.rng = new Prng(opts.seed ?? defaultMemoryNetworkOptions.seed);
    this.opts = {
      delayMs: opts.delayMs ?? defaultMemoryNetworkOptions.delayMs,
      dropRate: opts.dropRate ?? defaultMemoryNetworkOptions.dropRate,
      duplicateRate: opts.duplicateRate ?? defaultMemoryNetworkOptions.duplicateRate,
      requestTimeoutMs: opts.requestTimeoutMs ?? defaultMemoryNetworkOptions.requestTimeoutMs,
    };
  }

  /** Changes delays, drops or duplicates from now on. */
  configure(opts: Partial<Pick<MemoryNetworkOptions, "delayMs" | "dropRate" | "duplicateRate">>): void {
    this.opts = { ...this.opts, ...opts };
  }

  /** A peer's port on this network (joining twice with one id gives the same member back). */
  join(peerId: string): PeerNetwork {
    if (typeof peerId !== "string" || peerId === "")
      throw new TypeError("peer id must be a non-empty string");
    let m = this.members.get(peerId);
    if (m === undefined) {
      m = { id: peerId, handlers: undefined };
      this.members.set(peerId, m);
    }
    return this.port(m);
  }

  /** Removes a peer: nothing reaches it and it reaches nobody (a killed process). */
  leave(peerId: string): void {
    this.members.delete(peerId);
  }

  /** Peers in different groups cannot talk (unlisted peers form one more group). */
  partition(...groups: string[][]): void {
    this.groups = groups.map((g) => [...g]);
  }

  /** Cuts one peer off from all others. */
  isolate(peerId: string): void {
    this.partition([peerId]);
  }

  heal(): void {
    this.groups = undefined;
  }

  /** Adds an interceptor; returns a function that removes it. */
  intercept(fn: MessageInterceptor): () => void {
    this.interceptors.push(fn);
    return () => {
      const i = this.interceptors.indexOf(fn);
      if (i >= 0) this.interceptors.splice(i, 1);
    };
  }

  /** Whether `a` and `b` can talk now. */
  connected(a: string, b: string): boolean {
    if (a === b) return true;
    if (!this.members.has(a) || !this.members.has(b)) return false;
    const groups = this.groups;
    if (groups === undefined) return true;
    const ga = groups.findIndex((g) => g.includes(a));
    const gb = groups.findIndex((g) => g.includes(b));
    return ga === gb;
  }

  private delay(): number {
    const [lo, hi] = this.opts.delayMs;
    return hi <= lo ? lo : this.rng.range(lo, hi);
  }

  private schedule(delayMs: number, fn: () => void): void {
    if (delayMs <= 0 && this.wallTime) {
      this.immediate.push(fn);
      if (!this.immediateScheduled) {
        this.immediateScheduled = true;
        setImmediate(() => {
          this.immediateScheduled = false;
          const run = this.immediate;
          this.immediate = [];
          for (const f of run) f();
        });
      }
      return;
    }
    this.clock.setTimer(delayMs, fn);
  }

  private route(from: string, to: string, topic: NetworkTopic, data: Uint8Array): void {
    this.stats.sent++;
    if (!this.connected(from, to)) {
      this.stats.dropped++;
      return;
    }
    let payloads: readonly Uint8Array[] = [data];
    for (const fn of this.interceptors) {
      const out: Uint8Array[] = [];
      for (const p of payloads) out.push(...(fn({ from, to, topic, data: p }) ?? [p]));
      payloads = out;
    }
    for (const p of payloads) {
      if (this.opts.dropRate > 0 && this.rng.bool(this.opts.dropRate)) {
        this.stats.dropped++;
        continue;
      }
      const copies = this.opts.duplicateRate > 0 && this.rng.bool(this.opts.duplicateRate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        this.schedule(this.delay(), () => {
          const m = this.members.get(to);
          if (m?.handlers === undefined || !this.connected(from, to)) {
            this.stats.dropped++;
            return;
          }
          this.stats.delivered++;
          this.stats.bytes += p.length;
          m.handlers.onMessage(from, topic, p);
        });
      }
    }
  }

  private request(from: string, to: string, fromHeight: number, max: number): Promise<readonly Uint8Array[]> {
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        fn();
      };
      const timer = this.clock.setTimer(this.opts.requestTimeoutMs, () =>
        settle(() => reject(nodeError(NodeErrorCode.NETWORK_TIMEOUT, "getBlocks timed out", { peer: to }))),
      );
      const unreachable = (): void =>
        settle(() => {
          timer.cancel();
          reject(nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "peer unreachable", { peer: to }));
        });
      this.schedule(this.delay(), () => {
        const m = this.members.get(to);
        if (m?.handlers === undefined || !this.connected(from, to)) return unreachable();
        let answer: Promise<readonly Uint8Array[]>;
        try {
          answer = Promise.resolve(m.handlers.onGetBlocks(from, fromHeight, max));
        } catch (e) {
          answer = Promise.reject(e);
        }
        answer.then(
          (items) =>
            this.schedule(this.delay(), () => {
              if (!this.connected(from, to)) return unreachable();
              settle(() => {
                timer.cancel();
                resolve(items);
              });
            }),
          () => unreachable(),
        );
      });
    });
  }

  private port(m: Member): PeerNetwork {
    const net = this;
    return {
      peerId: m.id,
      peers: () => [...net.members.keys()].filter((p) => p !== m.id && net.connected(m.id, p)),
      publish(topic, data) {
        if (!net.members.has(m.id)) return;
        for (const to of net.members.keys()) if (to !== m.id) net.route(m.id, to, topic, data);
      },
      send(peer, topic, data) {
        if (!net.members.has(m.id) || peer === m.id) return;
        net.route(m.id, peer, topic, data);
      },
      getBlocks(peer, fromHeight, max) {
        if (!net.members.has(m.id))
          return Promise.reject(nodeError(NodeErrorCode.NETWORK_UNREACHABLE, "not on the network"));
        return net.request(m.id, peer, fromHeight, max);
      },
      attach(handlers) {
        m.handlers = handlers;
      },
      detach() {
        m.handlers = undefined;
      },
    };
  }
}
