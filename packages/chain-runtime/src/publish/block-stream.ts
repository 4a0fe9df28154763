/**
 * Publishes a chain's committed blocks to its JetStream stream (`TANDEM_<REF>_BLOCKS`, subject
 * `tandem.<ref>.blocks`), one message per height in height order, msg id = the height.
 *
 * Every node of a chain may run a publisher. With `ownTurn` (the services pass "this node proposed the
 * block"), a node publishes the heights of its turn at once and any other height only if the stream
 * still lacks it `backupAfterMs` after the node had the block: one node encodes and sends each block
 * instead of all of them (four JSON encodings and four copies through NATS per height had cost the
 * 4-validator devnet about a sixth of its throughput), and a silent proposer costs its heights a delay,
 * not a gap. Each publisher follows the stream's progress through a headers-only consumer (a few
 * hundred bytes per height, no bodies).
 *
 * Exactly once per height in the stream, across NATS outages and publisher restarts:
 * - one publish in flight at a time, so the stream's order is the height order;
 * - the resume point is the stream itself: on start and after every failed publish the publisher reads
 *   the stream's last message and continues after it, back-filling missing heights from the node's
 *   store. A publish whose ack was lost is then either found in the stream or sent again;
 * - msg-id dedupe (within the duplicate window) and the expected-last-msg-id header (beyond it, and
 *   against a second publisher of the same chain) make the server refuse a height twice.
 */

import {
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type NatsConnection, nanos } from "@nats-io/transport-node";
import { type ChainNode, type CommittedBlockEvent, type Logger, silentLogger } from "@tandem/chain-core";
import { equalBytes } from "@tandem/crypto";
import { type BlockJson, blockToJson } from "../rpc/json.js";
import { chainSubjectToken } from "../rpc/methods.js";

/** `TANDEM_<REF>_BLOCKS` (upper case, `-` → `_`: stream names allow neither `.` nor wildcards). */
export function blockStreamName(chainId: string): string {
  return `TANDEM_${chainSubjectToken(chainId).toUpperCase().replaceAll("-", "_")}_BLOCKS`;
}

/** `tandem.<ref>.blocks` */
export function blockSubject(chainId: string): string {
  return `tandem.${chainSubjectToken(chainId)}.blocks`;
}

/** What one stream message holds (JSON): the block as getBlock returns it, plus its chain. */
export type BlockStreamMessage = BlockJson & {
  chainId: string;
  /**
   * Parts left out to fit the server's max payload (a block of very many txs): "events" (tx and block
   * events), "resultData", "txHashes" (then `results` is empty too and `txCount` says how many). Get
   * them with the RPC's getBlock.
   */
  omitted?: Array<"events" | "resultData" | "txHashes">;
  txCount?: number;
};

export interface BlockPublisherOptions {
  logger?: Logger;
  /** The stream's msg-id dedupe window (default 2 min). */
  duplicateWindowMs?: number;
  /** How long to wait for a publish ack (default 5 s). */
  publishTimeoutMs?: number;
  /** Backoff after a failure: from `retryMinMs` (default 100) doubling to `retryMaxMs` (default 2000). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Largest message (default: the server's max_payload, else 1 MiB). */
  maxPayloadBytes?: number;
  /**
   * Whether a height is this node's to publish. Unset: every height is (each publisher sends every
   * block; the stream keeps one copy). Set: other heights are published only as a backup, see below.
   */
  ownTurn?: (ev: CommittedBlockEvent) => boolean;
  /** A height not of this node's turn is published if the stream lacks it this long after the node had it (default 2 s). */
  backupAfterMs?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CACHE_LIMIT = 256;
/** Room left in a message for the headers (msg id, expectations). */
const HEADER_ROOM = 1024;

/** The message body for a block, shrunk in steps until it fits `max` bytes. */
export function encodeBlockMessage(
  chainId: string,
  ev: CommittedBlockEvent,
  max = Number.POSITIVE_INFINITY,
): Uint8Array {
  const full: BlockStreamMessage = { chainId, ...blockToJson(ev) };
  let bytes = encoder.encode(JSON.stringify(full));
  if (bytes.length <= max) return bytes;
  const noEvents: BlockStreamMessage = {
    ...full,
    results: full.results.map((r) => ({ ...r, events: [] })),
    events: [],
    omitted: ["events"],
  };
  bytes = encoder.encode(JSON.stringify(noEvents));
  if (bytes.length <= max) return bytes;
  const noData: BlockStreamMessage = {
    ...noEvents,
    results: noEvents.results.map((r) => ({ ...r, data: "" })),
    omitted: ["events", "resultData"],
  };
  bytes = encoder.encode(JSON.stringify(noData));
  if (bytes.length <= max) return bytes;
  return encoder.encode(
    JSON.stringify({
      ...noData,
      txHashes: [],
      results: [],
      txCount: full.txHashes.length,
      omitted: ["events", "resultData", "txHashes"],
    } satisfies BlockStreamMessage),
  );
}

/**
 * `ownTurn` of a validator: the heights it proposed (its address found by its BLS key in the node's
 * current validator set; a key not in the set has no turn, and its node publishes only as a backup).
 */
export function proposerTurn(
  node: ChainNode,
  blsPublicKey: Uint8Array,
): (ev: CommittedBlockEvent) => boolean {
  return (ev) => {
    const v = node.stateMachine
      .validatorSet()
      .validators.find((x) => equalBytes(x.address, ev.header.proposer));
    return v !== undefined && equalBytes(v.publicKey, blsPublicKey);
  };
}

/** The height a stream message's msg id names, if it names one. */
function heightOfMsgId(header: { get(k: string): string } | undefined): number | undefined {
  const id = header?.get("Nats-Msg-Id") ?? "";
  return /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : undefined;
}

/** The height of a stream message: its msg id, else its body's `height`. */
export function heightOfStreamMessage(
  header: { get(k: string): string } | undefined,
  data: Uint8Array,
): number {
  const fromId = heightOfMsgId(header);
  if (fromId !== undefined) return fromId;
  const body = JSON.parse(decoder.decode(data)) as { height?: unknown };
  if (typeof body.height !== "number" || !Number.isSafeInteger(body.height))
    throw new Error("a block stream message without a height");
  return body.height;
}

/** `ownTurn(ev)`, a throw counting as not this node's turn (it then publishes only as a backup). */
function turnOf(ownTurn: (ev: CommittedBlockEvent) => boolean, ev: CommittedBlockEvent): boolean {
  try {
    return ownTurn(ev);
  } catch {
    return false;
  }
}

export class BlockPublisher {
  readonly streamName: string;
  readonly subject: string;
  private readonly log: Logger;
  private readonly opts: Required<Omit<BlockPublisherOptions, "logger" | "maxPayloadBytes" | "ownTurn">> & {
    maxPayloadBytes: number | undefined;
  };
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private last = 0;
  private readonly cache = new Map<number, CommittedBlockEvent>();
  private unsubscribe: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private signalStop: () => void = () => {};
  private readonly stopSignal = new Promise<void>((resolve) => {
    this.signalStop = resolve;
  });
  private needSync = false;
  private backoff: number;
  private readonly ownTurn: ((ev: CommittedBlockEvent) => boolean) | undefined;
  /** The height the loop waits on as a backup, and since when (ms). */
  private waiting: { height: number; since: number } | undefined;
  /** The height being published now (0: none). */
  private inflight = 0;
  private watch: Promise<void> | undefined;
  private watchStop: (() => void) | undefined;
  /**
   * Publishes acknowledged (duplicates included), failures, resyncs, heights published as a backup
   * (not this node's turn) and heights the follower saw published by others.
   */
  readonly stats = { published: 0, duplicates: 0, failures: 0, resyncs: 0, backups: 0, skipped: 0 };

  constructor(
    private readonly nc: NatsConnection,
    private readonly node: ChainNode,
    readonly chainId: string,
    opts: BlockPublisherOptions = {},
  ) {
    this.streamName = blockStreamName(chainId);
    this.subject = blockSubject(chainId);
    this.log = opts.logger ?? silentLogger;
    this.opts = {
      duplicateWindowMs: opts.duplicateWindowMs ?? 120_000,
      publishTimeoutMs: opts.publishTimeoutMs ?? 5000,
      retryMinMs: opts.retryMinMs ?? 100,
      retryMaxMs: opts.retryMaxMs ?? 2000,
      maxPayloadBytes: opts.maxPayloadBytes,
      backupAfterMs: opts.backupAfterMs ?? 2000,
    };
    this.ownTurn = opts.ownTurn;
    this.backoff = this.opts.retryMinMs;
  }

  /** The highest height known to be in the stream. */
  get lastPublishedHeight(): number {
    return this.last;
  }

  /**
   * Ensures the stream, reads where it ends, then publishes every later height (back-fill from the
   * store, then each new block). Rejects if NATS or JetStream is not reachable now.
   */
  async start(): Promise<void> {
    if (this.loop !== undefined) return;
    if (this.stopped) throw new Error("a stopped BlockPublisher does not restart; create a new one");
    this.js = jetstream(this.nc, { timeout: this.opts.publishTimeoutMs });
    this.jsm = await jetstreamManager(this.nc, { timeout: this.opts.publishTimeoutMs });
    await this.ensureStream();
    await this.syncFromStream();
    this.unsubscribe = this.node.events.on("block", (ev) => {
      if (ev.height <= this.last) return;
      this.cache.set(ev.height, ev);
      // Map order is insertion order, i.e. height order: drop the oldest; the store has them.
      if (this.cache.size > CACHE_LIMIT) {
        const first = this.cache.keys().next().value;
        if (first !== undefined) this.cache.delete(first);
      }
      this.kick();
    });
    this.log.info("block publisher started", {
      stream: this.streamName,
      resumeAfter: this.last,
      turns: this.ownTurn !== undefined,
    });
    if (this.ownTurn !== undefined) this.watch = this.follow();
    this.loop = this.run();
  }

  /** Stops after the publish in flight (if any) settles. Final: a new publisher resumes from the stream. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.signalStop();
    this.watchStop?.();
    await this.loop;
    await this.watch;
    this.loop = undefined;
    this.watch = undefined;
  }

  /** The stream reached `height` (another publisher's message, or this one's): skip what it holds. */
  private reached(height: number): void {
    if (height <= this.last) return;
    // Heights after `last` that this publisher is not sending itself came from others.
    const own = this.inflight > this.last && this.inflight <= height ? 1 : 0;
    this.stats.skipped += height - this.last - own;
    this.last = height;
    for (const k of this.cache.keys()) {
      if (k > height) break;
      this.cache.delete(k);
    }
    this.kick();
  }

  /**
   * Follows the stream's new messages, headers only (msg id = height), while the publisher runs;
   * restarts after an error. Only with turns: without them every height is published anyway.
   */
  private async follow(): Promise<void> {
    const js = this.js;
    if (js === undefined) return;
    let backoff = this.opts.retryMinMs;
    while (!this.stopped) {
      try {
        const consumer = await js.consumers.get(this.streamName, {
          filter_subjects: this.subject,
          deliver_policy: DeliverPolicy.New,
          headers_only: true,
        });
        const msgs = await consumer.consume();
        this.watchStop = () => void msgs.stop();
        if (this.stopped) msgs.stop();
        for await (const m of msgs) {
          backoff = this.opts.retryMinMs;
          const h = heightOfMsgId(m.headers);
          if (h !== undefined) this.reached(h);
        }
      } catch (e) {
        if (this.stopped) break;
        this.log.debug("block stream follower restarts", { stream: this.streamName, error: String(e) });
      }
      if (this.stopped) break;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, this.opts.retryMaxMs);
    }
  }

  private kick(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Sleeps `ms`, or less if kicked (a new block) or stopped. */
  private async pause(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const woken = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      this.wake = resolve;
    });
    await Promise.race([woken, this.stopSignal]);
    clearTimeout(timer);
    this.wake = undefined;
  }

  private async failed(what: string, e: unknown): Promise<void> {
    this.stats.failures++;
    this.needSync = true;
    this.log.warn(what, {
      stream: this.streamName,
      height: this.last + 1,
      error: e instanceof Error ? e.message : String(e),
      retryInMs: this.backoff,
    });
    const ms = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.retryMaxMs);
    // New blocks do not cut a backoff short; only stop does.
    await this.sleep(ms);
  }

  /** Sleeps `ms`, or less if stopped. */
  private async sleep(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.stopSignal]);
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.needSync) {
        try {
          await this.ensureStream();
          await this.syncFromStream();
          this.needSync = false;
          this.stats.resyncs++;
        } catch (e) {
          await this.failed("block stream unreachable", e);
          continue;
        }
      }
      const h = this.last + 1;
      let ev: CommittedBlockEvent | undefined;
      try {
        ev = h <= this.node.height ? (this.cache.get(h) ?? this.node.blockEvent(h)) : undefined;
      } catch (e) {
        // The node's store is closed or failing: nothing to publish until it is back.
        this.log.warn("block publisher cannot read the block store", { height: h, error: String(e) });
        await this.pause(1000);
        continue;
      }
      if (ev === undefined) {
        // Nothing new yet (the poll covers a missed event, e.g. a block applied while syncing).
        await this.pause(h <= this.node.height ? 1000 : 500);
        continue;
      }
      let backup = false;
      if (this.ownTurn !== undefined && !turnOf(this.ownTurn, ev)) {
        if (this.waiting?.height !== h) this.waiting = { height: h, since: Date.now() };
        const left = this.waiting.since + this.opts.backupAfterMs - Date.now();
        if (left > 0) {
          // Woken early by a new block or by the stream reaching h (then the loop moves on).
          await this.pause(left);
          continue;
        }
        backup = true;
      }
      this.waiting = undefined;
      this.inflight = ev.height;
      try {
        await this.publish(ev);
        if (backup) this.stats.backups++;
        this.backoff = this.opts.retryMinMs;
      } catch (e) {
        await this.failed("block publish failed", e);
      } finally {
        this.inflight = 0;
      }
    }
  }

  private async publish(ev: CommittedBlockEvent): Promise<void> {
    const js = this.js;
    if (js === undefined) throw new Error("not started");
    const max = (this.opts.maxPayloadBytes ?? this.nc.info?.max_payload ?? 1024 * 1024) - HEADER_ROOM;
    const body = encodeBlockMessage(this.chainId, ev, max);
    const ack = await js.publish(this.subject, body, {
      msgID: String(ev.height),
      timeout: this.opts.publishTimeoutMs,
      // Refused unless the stream ends at the previous height: no gap, no second copy.
      ...(this.last > 0 ? { expect: { lastMsgID: String(this.last) } } : {}),
    });
    if (ack.duplicate) this.stats.duplicates++;
    this.stats.published++;
    // The follower may have seen a later height (another publisher's) while this one was in flight.
    this.last = Math.max(this.last, ev.height);
    for (const k of this.cache.keys()) {
      if (k > ev.height) break;
      this.cache.delete(k);
    }
  }

  private async ensureStream(): Promise<void> {
    const jsm = this.jsm;
    if (jsm === undefined) throw new Error("not started");
    const window = nanos(this.opts.duplicateWindowMs);
    let info: Awaited<ReturnType<JetStreamManager["streams"]["info"]>> | undefined;
    try {
      info = await jsm.streams.info(this.streamName);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (info === undefined) {
      try {
        await jsm.streams.add({
          name: this.streamName,
          subjects: [this.subject],
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          duplicate_window: window,
        });
        this.log.info("block stream created", { stream: this.streamName, subject: this.subject });
      } catch (e) {
        // Another publisher of the chain may have created it first.
        await jsm.streams.info(this.streamName).catch(() => {
          throw e;
        });
      }
      return;
    }
    const subjects = info.config.subjects ?? [];
    if (!subjects.includes(this.subject) || info.config.duplicate_window < window) {
      await jsm.streams.update(this.streamName, {
        subjects: subjects.includes(this.subject) ? subjects : [...subjects, this.subject],
        duplicate_window: Math.max(info.config.duplicate_window, window),
      });
    }
  }

  /** Reads the height of the stream's last message: the resume point. */
  private async syncFromStream(): Promise<void> {
    const jsm = this.jsm;
    if (jsm === undefined) throw new Error("not started");
    const m = await jsm.streams.getMessage(this.streamName, { last_by_subj: this.subject });
    const last = m === null ? 0 : heightOfStreamMessage(m.header, m.data);
    if (last !== this.last) {
      this.log.info("block stream resume point", { stream: this.streamName, from: this.last, to: last });
    }
    this.last = last;
    for (const k of this.cache.keys()) if (k <= last) this.cache.delete(k);
  }
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 10059 || (e instanceof Error && e.name === "StreamNotFoundError");
}
