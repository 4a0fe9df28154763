/**
 * The mempool: transactions waiting for a block.
 *
 * Entry (`submit` / `submitMany`): cheap checks first (size, duplicate hash, canonical decode, chain id,
 * expiry, kind, nonce against the sender's committed next nonce, same-nonce conflict, per-sender and
 * pool limits), then the signature (batched; ed25519 on worker threads for large batches), then the
 * same checks again against whatever changed meanwhile (a block was committed, the pool filled up).
 * Every refusal is a {@link ChainCoreError} with a stable code.
 *
 * Per sender, txs are kept by nonce: those contiguous from the committed next nonce are *pending*
 * (executable in order, reapable); the others wait for the missing nonce as *queued* (bounded per
 * sender). When the pool is full, an executable tx may evict the oldest queued tx; otherwise it is
 * MEMPOOL_FULL.
 *
 * `reap(maxTxs, maxBytes)` takes pending txs round-robin over senders, one tx per sender per round,
 * senders ordered by the arrival of their next tx, each sender in nonce order: a flooding sender cannot
 * starve the others, and the order is a pure function of the pool's contents and arrival order.
 * Reaped txs stay in the pool until `update` after their block is committed: then included, stale-nonce
 * and expired txs are dropped, and queued txs whose gap was filled are promoted.
 */
import { bytesToHex, equalBytes } from "@tandem/crypto";
import {
  accountAddress,
  decodeTx,
  defaultTxKinds,
  type HashFn,
  hashSuite,
  isChainId,
  MAX_TX_BYTES,
  type SignedTx,
  type TxKindRegistry,
  txHash,
} from "@tandem/ledger";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import type { VerifiedTxSet } from "../state/interface.js";
import { SenderCache } from "../state/sender-cache.js";
import { MempoolErrorCode } from "./errors.js";
import {
  defaultMempoolOptions,
  type MempoolModules,
  type MempoolOptions,
  type MempoolStateView,
} from "./options.js";
import { TxSignatureVerifier } from "./verifier.js";

/** Where an admitted tx sits. */
export type MempoolTxStatus = "pending" | "queued";

export interface SubmitResult {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly status: MempoolTxStatus;
}

export type SubmitOutcome =
  | ({ readonly ok: true } & SubmitResult)
  | { readonly ok: false; readonly code: string; readonly message: string; readonly hashHex?: string };

/** A tx handed to the proposer. */
export interface ReapedTx {
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly sender: Uint8Array;
  readonly nonce: number;
}

/** What changed in an {@link Mempool.update}. */
export interface MempoolUpdateResult {
  /** Txs dropped because their nonce is now below the committed nonce (included in a block, or stale). */
  readonly committed: number;
  readonly expired: number;
  /** Queued txs that became pending (a gap was filled). */
  readonly promoted: number;
  /** Pending txs that became queued (a tx before them expired). */
  readonly demoted: number;
}

export interface MempoolUpdate {
  /** The height just committed. */
  readonly height: number;
  /** The block's canonical txs (their senders are re-checked against committed nonces). */
  readonly txs?: readonly Uint8Array[];
  /** The txs' hashes as lower-case hex, in the same order, when the caller has them (not recomputed). */
  readonly txHashesHex?: readonly string[];
  /** Re-check every sender in the pool (e.g. after sync applied many blocks at once). */
  readonly recheckAll?: boolean;
}

interface Entry {
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly bytes: Uint8Array;
  /** The decoded tx (handed to execution so it is not decoded twice). */
  readonly tx: SignedTx;
  readonly sender: SenderQueue;
  readonly nonce: number;
  readonly expiryHeight: number;
  /** Arrival order (admission), for fairness and eviction. */
  readonly seq: number;
  queued: boolean;
}

interface SenderQueue {
  readonly address: Uint8Array;
  readonly id: string;
  /** The committed next nonce, as last read from state. */
  committedNonce: number;
  readonly txs: Map<number, Entry>;
  /** Nonces in [committedNonce, pendingEnd) are all present: the pending run. */
  pendingEnd: number;
  queuedCount: number;
}

interface Prepared {
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly tx: SignedTx;
  readonly address: Uint8Array;
  readonly senderId: string;
  /** `senderId:nonce`, the key of the in-flight slot (built once). */
  readonly slot: string;
}

/** Why a tx is refused: what a submitter gets (a plain record: refusals are common, e.g. gossip
 * duplicates, and an Error with its stack trace per refusal would cost more than the checks). */
interface Refusal {
  readonly code: MempoolErrorCode;
  readonly message: string;
}

function refusal(code: MempoolErrorCode, message: string, _meta?: Record<string, unknown>): Refusal {
  return { code, message };
}

type Checked = { ok: true } | { ok: false; error: Refusal };

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new ChainCoreError(
      ChainCoreErrorCode.OPTIONS_INVALID,
      `Mempool: ${name} must be a positive integer`,
      { [name]: v },
    );
  }
  return v;
}

export class Mempool {
  readonly chainId: string;
  readonly hash: HashFn;
  private readonly maxTxs: number;
  private readonly maxBytes: number;
  private readonly maxTxBytes: number;
  private readonly maxPerSender: number;
  private readonly maxQueuedPerSender: number;
  private readonly maxBatch: number;
  private readonly state: MempoolStateView;
  private readonly registry: TxKindRegistry;
  private readonly log: Logger;
  private readonly verifier: TxSignatureVerifier;

  private readonly byHash = new Map<string, Entry>();
  /** Sender address and hex id by scheme and key (saves a hash and a hex encoding per tx). */
  private readonly addresses = new SenderCache<{ address: Uint8Array; id: string }>();
  private readonly senders = new Map<string, SenderQueue>();
  /** Queued entries by hash, in the order they became queued (oldest first: the eviction order). */
  private readonly queued = new Map<string, Entry>();
  /** Hashes (and sender:nonce slots) of submissions being verified. */
  private readonly inflightHashes = new Set<string>();
  private readonly inflightSlots = new Set<string>();
  /** Submissions being verified, per sender id. */
  private readonly inflightBySender = new Map<string, number>();
  private inflightCount = 0;
  private inflightBytes = 0;
  private totalBytes = 0;
  private pendingTotal = 0;
  private seq = 0;
  private committedHeight: number;
  private closed = false;

  private batch: Array<{ prepared: Prepared; resolve: (o: SubmitOutcome) => void }> = [];
  private flushScheduled = false;
  private readonly running = new Set<Promise<void>>();

  /** The tx hashes whose signatures this pool verified (hand it to `StateMachine.executeBlock`). */
  readonly verified: VerifiedTxSet = { has: (hashHex: string) => this.byHash.has(hashHex) };

  /** The decoded tx of a held tx (hand it to `StateMachine.executeBlock` as `decoded`). */
  readonly decoded = (hashHex: string): SignedTx | undefined => this.byHash.get(hashHex)?.tx;

  private constructor(opts: MempoolOptions, modules: MempoolModules) {
    if (!isChainId(opts.chainId)) {
      throw new ChainCoreError(
        ChainCoreErrorCode.OPTIONS_INVALID,
        "Mempool: chainId must be a CAIP-2 chain id",
      );
    }
    const d = defaultMempoolOptions;
    this.chainId = opts.chainId;
    this.hash = hashSuite(opts.hashSuite ?? d.hashSuite);
    this.maxTxs = positive("maxTxs", opts.maxTxs ?? d.maxTxs);
    this.maxBytes = positive("maxBytes", opts.maxBytes ?? d.maxBytes);
    this.maxTxBytes = positive("maxTxBytes", opts.maxTxBytes ?? MAX_TX_BYTES);
    this.maxPerSender = positive("maxPerSender", opts.maxPerSender ?? d.maxPerSender);
    this.maxQueuedPerSender = positive("maxQueuedPerSender", opts.maxQueuedPerSender ?? d.maxQueuedPerSender);
    this.maxBatch = positive("maxBatch", opts.maxBatch ?? d.maxBatch);
    const workers = opts.verifyWorkers ?? d.verifyWorkers;
    if (!Number.isSafeInteger(workers) || workers < 0 || workers > 16) {
      throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "Mempool: verifyWorkers must be 0..16");
    }
    if (typeof modules?.state?.nextNonce !== "function") {
      throw new ChainCoreError(ChainCoreErrorCode.OPTIONS_INVALID, "Mempool: a state view is required");
    }
    this.state = modules.state;
    this.registry = modules.registry ?? defaultTxKinds;
    this.log = modules.logger ?? silentLogger;
    this.committedHeight = modules.state.height;
    this.verifier = new TxSignatureVerifier({
      hash: this.hash,
      registry: this.registry,
      workers,
      workerBatchMin: positive("workerBatchMin", opts.workerBatchMin ?? d.workerBatchMin),
      ...(modules.verifySm9 === undefined ? {} : { verifySm9: modules.verifySm9 }),
      logger: this.log,
    });
  }

  static async init(opts: MempoolOptions, modules: MempoolModules): Promise<Mempool> {
    return new Mempool(opts, modules);
  }

  /** Stops accepting txs, answers in-flight submissions with MEMPOOL_CLOSED, stops the worker threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flushBatch();
    await Promise.allSettled([...this.running]);
    await this.verifier.close();
  }

  // ------------------------------------------------------------------------------------------ queries

  /** Txs held (pending + queued). */
  get size(): number {
    return this.byHash.size;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.totalBytes;
  }

  get pendingCount(): number {
    return this.pendingTotal;
  }

  get queuedCount(): number {
    return this.queued.size;
  }

  /** The last committed height the pool knows (expiry is checked against the next one). */
  get height(): number {
    return this.committedHeight;
  }

  /** Whether the worker threads were started. */
  get workersStarted(): boolean {
    return this.verifier.workersStarted;
  }

  has(hashHex: string): boolean {
    return this.byHash.has(hashHex);
  }

  /** The canonical bytes and status of a held tx. */
  get(hashHex: string): { bytes: Uint8Array; status: MempoolTxStatus; nonce: number } | undefined {
    const e = this.byHash.get(hashHex);
    return e === undefined
      ? undefined
      : { bytes: e.bytes, status: e.queued ? "queued" : "pending", nonce: e.nonce };
  }

  /** A sender's view: committed nonce as last read, and its pending and queued counts. */
  senderInfo(address: Uint8Array): { committedNonce: number; pending: number; queued: number } | undefined {
    const s = this.senders.get(bytesToHex(address));
    if (s === undefined) return undefined;
    return {
      committedNonce: s.committedNonce,
      pending: s.pendingEnd - s.committedNonce,
      queued: s.queuedCount,
    };
  }

  // ------------------------------------------------------------------------------------------ entry

  /** Submits one tx; resolves when admitted, rejects with a coded {@link ChainCoreError} otherwise. */
  async submit(bytes: Uint8Array): Promise<SubmitResult> {
    const out = await this.enqueue(bytes);
    if (out.ok) return { hash: out.hash, hashHex: out.hashHex, status: out.status };
    throw new ChainCoreError(out.code, out.message, out.hashHex === undefined ? {} : { hash: out.hashHex });
  }

  /** Submits many txs as one verification batch; one outcome per tx, in order (never rejects). */
  async submitMany(list: readonly Uint8Array[]): Promise<SubmitOutcome[]> {
    if (!Array.isArray(list)) throw new TypeError("submitMany: expected an array");
    // One promise per verification batch, not per tx (gossip brings thousands of txs a second).
    const outs = new Array<SubmitOutcome>(list.length);
    const jobs: Array<Promise<void>> = [];
    // The pool keeps its own copies: one allocation for the whole list, each tx a view into it (a
    // separate buffer per tx is a separately tracked allocation for the garbage collector).
    let total = 0;
    for (const b of list) if (b instanceof Uint8Array && b.length <= this.maxTxBytes) total += b.length;
    const slab = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < list.length; i++) {
      const b = list[i] as Uint8Array;
      let own: Uint8Array | undefined;
      if (b instanceof Uint8Array && b.length <= this.maxTxBytes) {
        own = slab.subarray(at, at + b.length);
        own.set(b);
        at += b.length;
      }
      const prepared = this.prepare(b, own);
      if (!("tx" in prepared)) {
        outs[i] = prepared;
        continue;
      }
      this.reserve(prepared);
      this.batch.push({
        prepared,
        resolve: (o) => {
          outs[i] = o;
        },
      });
      if (this.batch.length >= this.maxBatch) {
        const job = this.flushBatch();
        if (job !== undefined) jobs.push(job);
      }
    }
    const job = this.flushBatch();
    if (job !== undefined) jobs.push(job);
    await Promise.all(jobs);
    return outs;
  }

  /** Resolves once every submission made so far has been answered. */
  async drain(): Promise<void> {
    this.flushBatch();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private enqueue(bytes: Uint8Array, schedule = true): Promise<SubmitOutcome> {
    const prepared = this.prepare(bytes);
    if (!("tx" in prepared)) return Promise.resolve(prepared);
    return new Promise<SubmitOutcome>((resolve) => {
      this.reserve(prepared);
      this.batch.push({ prepared, resolve });
      if (this.batch.length >= this.maxBatch) this.flushBatch();
      else if (schedule && !this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flushBatch();
        });
      }
    });
  }

  private refuse(error: Refusal, hashHex?: string): SubmitOutcome {
    return {
      ok: false,
      code: error.code,
      message: error.message,
      ...(hashHex === undefined ? {} : { hashHex }),
    };
  }

  /** Synchronous checks before the signature; a refusal or what to verify. */
  /** `own`: a copy of `bytes` the pool may keep (made here when not given). */
  private prepare(bytes: Uint8Array, own?: Uint8Array): Prepared | SubmitOutcome {
    if (this.closed) return this.refuse(refusal(MempoolErrorCode.CLOSED, "mempool is closed"));
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
      return this.refuse(refusal(MempoolErrorCode.MALFORMED, "tx must be non-empty bytes"));
    }
    if (bytes.length > this.maxTxBytes) {
      return this.refuse(
        refusal(MempoolErrorCode.TOO_LARGE, "tx is larger than the pool accepts", {
          size: bytes.length,
          max: this.maxTxBytes,
        }),
      );
    }
    const copy = own ?? bytes.slice();
    const hash = txHash(copy, { hash: this.hash });
    const hashHex = bytesToHex(hash);
    if (this.byHash.has(hashHex) || this.inflightHashes.has(hashHex)) {
      return this.refuse(refusal(MempoolErrorCode.DUPLICATE, "tx is already in the pool"), hashHex);
    }
    let tx: SignedTx;
    let sender: { address: Uint8Array; id: string };
    try {
      tx = decodeTx(copy, { registry: this.registry });
      sender = this.senderOf(tx);
    } catch (e) {
      return this.refuse(
        refusal(MempoolErrorCode.MALFORMED, e instanceof Error ? e.message : "undecodable tx"),
        hashHex,
      );
    }
    const p: Prepared = {
      bytes: copy,
      hash,
      hashHex,
      tx,
      address: sender.address,
      senderId: sender.id,
      slot: `${sender.id}:${tx.nonce}`,
    };
    const c = this.check(p, false);
    return c.ok ? p : this.refuse(c.error, hashHex);
  }

  /** The sender's address and its hex id, cached by scheme and key (shared arrays: never mutated). */
  private senderOf(tx: SignedTx): { address: Uint8Array; id: string } {
    let s = this.addresses.get(tx.scheme, tx.sender);
    if (s === undefined) {
      const address = accountAddress(tx.scheme, tx.sender, this.hash);
      s = { address, id: bytesToHex(address) };
      this.addresses.set(tx.scheme, tx.sender, s);
    }
    return s;
  }

  private committedNonceOf(p: Prepared): number {
    return this.senders.get(p.senderId)?.committedNonce ?? this.state.nextNonce(p.address);
  }

  /**
   * Every admission rule except the signature. `admitting`: the submission's own reservation has been
   * released (so it is not counted against itself).
   */
  private check(p: Prepared, admitting: boolean): Checked {
    const fail = (code: MempoolErrorCode, message: string, meta?: Record<string, unknown>): Checked => ({
      ok: false,
      error: refusal(code, message, meta),
    });
    if (this.closed) return fail(MempoolErrorCode.CLOSED, "mempool is closed");
    if (this.byHash.has(p.hashHex)) return fail(MempoolErrorCode.DUPLICATE, "tx is already in the pool");
    const { tx } = p;
    if (tx.chainId !== this.chainId)
      return fail(MempoolErrorCode.WRONG_CHAIN, "tx is for another chain", { chainId: tx.chainId });
    if (tx.expiryHeight !== 0 && tx.expiryHeight <= this.committedHeight) {
      return fail(MempoolErrorCode.EXPIRED, "tx expired", {
        expiryHeight: tx.expiryHeight,
        height: this.committedHeight + 1,
      });
    }
    if (this.state.handlesKind !== undefined && !this.state.handlesKind(tx.kind)) {
      return fail(MempoolErrorCode.UNKNOWN_KIND, "no module executes this kind", { kind: tx.kind });
    }
    const committed = this.committedNonceOf(p);
    if (tx.nonce < committed) {
      return fail(MempoolErrorCode.NONCE_TOO_LOW, "nonce already used", { nonce: tx.nonce, next: committed });
    }
    const s = this.senders.get(p.senderId);
    if (s?.txs.has(tx.nonce) === true || (!admitting && this.inflightSlots.has(p.slot))) {
      return fail(MempoolErrorCode.NONCE_CONFLICT, "the sender already has a tx with this nonce", {
        nonce: tx.nonce,
      });
    }
    const held = (s?.txs.size ?? 0) + (this.inflightBySender.get(p.senderId) ?? 0);
    if (held >= this.maxPerSender)
      return fail(MempoolErrorCode.SENDER_LIMIT, "sender holds too many txs", { held });
    if (tx.nonce >= committed + this.maxPerSender) {
      return fail(MempoolErrorCode.NONCE_TOO_HIGH, "nonce too far ahead of the committed nonce", {
        nonce: tx.nonce,
        next: committed,
      });
    }
    const pendingEnd = s?.pendingEnd ?? committed;
    const executable = tx.nonce === pendingEnd;
    if (!executable && (s?.queuedCount ?? 0) >= this.maxQueuedPerSender) {
      return fail(MempoolErrorCode.SENDER_LIMIT, "sender holds too many gapped txs", {
        queued: s?.queuedCount,
      });
    }
    const count = this.byHash.size + this.inflightCount;
    const bytes = this.totalBytes + this.inflightBytes + p.bytes.length;
    if (count >= this.maxTxs || bytes > this.maxBytes) {
      // An executable tx may push out queued ones; nothing else gets in.
      if (!executable || !this.canEvictFor(count, bytes)) {
        return fail(MempoolErrorCode.FULL, "mempool is full", {
          txs: this.byHash.size,
          bytes: this.totalBytes,
        });
      }
    }
    return { ok: true };
  }

  /** Whether evicting queued txs (oldest first) would make room for one more tx of `bytes` total. */
  private canEvictFor(count: number, bytes: number): boolean {
    let c = count;
    let b = bytes;
    for (const e of this.queued.values()) {
      c--;
      b -= e.bytes.length;
      if (c < this.maxTxs && b <= this.maxBytes) return true;
    }
    return false;
  }

  private reserve(p: Prepared): void {
    this.inflightHashes.add(p.hashHex);
    this.inflightSlots.add(p.slot);
    this.inflightCount++;
    this.inflightBytes += p.bytes.length;
    this.inflightBySender.set(p.senderId, (this.inflightBySender.get(p.senderId) ?? 0) + 1);
  }

  private release(p: Prepared): void {
    this.inflightHashes.delete(p.hashHex);
    this.inflightSlots.delete(p.slot);
    this.inflightCount--;
    this.inflightBytes -= p.bytes.length;
    const n = this.inflightBySender.get(p.senderId) ?? 0;
    if (n <= 1) this.inflightBySender.delete(p.senderId);
    else this.inflightBySender.set(p.senderId, n - 1);
  }

  /** Verifies and admits the batch collected so far; the job (undefined when there was nothing). */
  private flushBatch(): Promise<void> | undefined {
    if (this.batch.length === 0) return undefined;
    const batch = this.batch;
    this.batch = [];
    const job = this.verifyAndAdmit(batch);
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
    return job;
  }

  private async verifyAndAdmit(
    batch: Array<{ prepared: Prepared; resolve: (o: SubmitOutcome) => void }>,
  ): Promise<void> {
    let verdicts: boolean[];
    try {
      verdicts = await this.verifier.verify(
        batch.map((b) => b.prepared.tx),
        batch.map((b) => b.prepared.bytes),
      );
    } catch (e) {
      this.log.error("signature verification failed", { error: String(e) });
      verdicts = batch.map((b) => this.verifier.verifyInline(b.prepared.tx));
    }
    for (let i = 0; i < batch.length; i++) {
      const { prepared, resolve } = batch[i] as (typeof batch)[number];
      this.release(prepared);
      if (verdicts[i] !== true) {
        resolve(
          this.refuse(refusal(MempoolErrorCode.BAD_SIGNATURE, "signature does not verify"), prepared.hashHex),
        );
        continue;
      }
      const c = this.check(prepared, true);
      if (!c.ok) {
        resolve(this.refuse(c.error, prepared.hashHex));
        continue;
      }
      resolve(this.admit(prepared));
    }
  }

  private senderQueue(p: Prepared): SenderQueue {
    let s = this.senders.get(p.senderId);
    if (s === undefined) {
      const committed = this.state.nextNonce(p.address);
      s = {
        address: p.address,
        id: p.senderId,
        committedNonce: committed,
        txs: new Map(),
        pendingEnd: committed,
        queuedCount: 0,
      };
      this.senders.set(p.senderId, s);
    }
    return s;
  }

  private admit(p: Prepared): SubmitOutcome {
    const s = this.senderQueue(p);
    // Make room: the check allowed this only for an executable tx with queued txs to evict.
    while (this.byHash.size >= this.maxTxs || this.totalBytes + p.bytes.length > this.maxBytes) {
      const victim = this.queued.values().next();
      if (victim.done === true) break;
      this.log.debug("mempool evicted a queued tx", { hash: victim.value.hashHex });
      this.remove(victim.value);
    }
    const e: Entry = {
      hash: p.hash,
      hashHex: p.hashHex,
      bytes: p.bytes,
      tx: p.tx,
      sender: s,
      nonce: p.tx.nonce,
      expiryHeight: p.tx.expiryHeight,
      seq: this.seq++,
      queued: true,
    };
    s.txs.set(e.nonce, e);
    s.queuedCount++;
    this.queued.set(e.hashHex, e);
    this.byHash.set(e.hashHex, e);
    this.totalBytes += e.bytes.length;
    this.promote(s);
    return { ok: true, hash: e.hash, hashHex: e.hashHex, status: e.queued ? "queued" : "pending" };
  }

  /** Extends the sender's pending run over present nonces; returns how many were promoted. */
  private promote(s: SenderQueue): number {
    let n = 0;
    for (;;) {
      const e = s.txs.get(s.pendingEnd);
      if (e === undefined) break;
      if (e.queued) {
        e.queued = false;
        s.queuedCount--;
        this.queued.delete(e.hashHex);
        this.pendingTotal++;
        n++;
      }
      s.pendingEnd++;
    }
    return n;
  }

  /** Removes one entry (keeps the sender's pending run consistent: later nonces become queued). */
  private remove(e: Entry): number {
    const s = e.sender;
    s.txs.delete(e.nonce);
    this.byHash.delete(e.hashHex);
    this.totalBytes -= e.bytes.length;
    let demoted = 0;
    if (e.queued) {
      s.queuedCount--;
      this.queued.delete(e.hashHex);
    } else {
      this.pendingTotal--;
      if (e.nonce >= s.committedNonce && e.nonce < s.pendingEnd) {
        // The run now ends at the hole; everything after it waits again.
        for (let n = e.nonce + 1; n < s.pendingEnd; n++) {
          const later = s.txs.get(n);
          if (later === undefined || later.queued) continue;
          later.queued = true;
          s.queuedCount++;
          this.queued.set(later.hashHex, later);
          this.pendingTotal--;
          demoted++;
        }
        s.pendingEnd = e.nonce;
      }
    }
    if (s.txs.size === 0) this.senders.delete(s.id);
    return demoted;
  }

  // ------------------------------------------------------------------------------------------ proposer

  /**
   * Up to `maxTxs` pending txs totalling at most `maxBytes`, in the fair deterministic order described
   * above (the txs stay in the pool).
   */
  reap(maxTxs: number, maxBytes: number = Number.MAX_SAFE_INTEGER): ReapedTx[] {
    if (!Number.isSafeInteger(maxTxs) || maxTxs < 0 || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new RangeError("reap: limits must be integers ≥ 0");
    }
    interface Cursor {
      s: SenderQueue;
      next: number;
    }
    const cursors: Cursor[] = [];
    for (const s of this.senders.values())
      if (s.pendingEnd > s.committedNonce) cursors.push({ s, next: s.committedNonce });
    const headSeq = (c: Cursor): number => (c.s.txs.get(c.s.committedNonce) as Entry).seq;
    cursors.sort((a, b) => headSeq(a) - headSeq(b));
    const out: ReapedTx[] = [];
    let bytes = 0;
    let active = cursors;
    while (active.length > 0 && out.length < maxTxs) {
      const still: Cursor[] = [];
      for (const c of active) {
        if (out.length >= maxTxs) break;
        const e = c.s.txs.get(c.next) as Entry;
        if (bytes + e.bytes.length > maxBytes) continue; // this sender is done: its nonces go in order
        bytes += e.bytes.length;
        out.push({ bytes: e.bytes, hash: e.hash, hashHex: e.hashHex, sender: c.s.address, nonce: e.nonce });
        c.next++;
        if (c.next < c.s.pendingEnd) still.push(c);
      }
      active = still;
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ re-check

  /**
   * Re-checks the pool after a committed block: the senders of the block's txs (or every sender) are
   * re-read from state; txs below their committed nonce are dropped (included, or replaced by another
   * tx with the same nonce), expired txs are dropped, gap-filled txs are promoted.
   */
  update(input: MempoolUpdate): MempoolUpdateResult {
    if (
      typeof input !== "object" ||
      input === null ||
      !Number.isSafeInteger(input.height) ||
      input.height < 0
    ) {
      throw new RangeError("update: height must be an integer ≥ 0");
    }
    if (input.height < this.committedHeight) {
      throw new RangeError("update: height went backwards");
    }
    this.committedHeight = input.height;
    const touched = new Map<string, SenderQueue>();
    if (input.recheckAll === true) {
      for (const s of this.senders.values()) touched.set(s.id, s);
    } else {
      const hexes = input.txHashesHex;
      (input.txs ?? []).forEach((bytes, i) => {
        const held = this.byHash.get(hexes?.[i] ?? bytesToHex(txHash(bytes, { hash: this.hash })));
        if (held !== undefined) {
          touched.set(held.sender.id, held.sender);
          return;
        }
        try {
          const tx = decodeTx(bytes, { registry: this.registry });
          const s = this.senders.get(bytesToHex(accountAddress(tx.scheme, tx.sender, this.hash)));
          if (s !== undefined) touched.set(s.id, s);
        } catch {
          // Not decodable: it changed no nonce.
        }
      });
    }
    let committed = 0;
    let promoted = 0;
    let demoted = 0;
    for (const s of touched.values()) {
      const next = this.state.nextNonce(s.address);
      if (next === s.committedNonce) continue;
      for (const [nonce, e] of [...s.txs]) {
        if (nonce < next) {
          // Below the new committed nonce: take it out without demoting the rest (the run restarts).
          s.txs.delete(nonce);
          this.byHash.delete(e.hashHex);
          this.totalBytes -= e.bytes.length;
          if (e.queued) {
            s.queuedCount--;
            this.queued.delete(e.hashHex);
          } else {
            this.pendingTotal--;
          }
          committed++;
        }
      }
      s.committedNonce = next;
      // Pending entries at or past next stay pending only if contiguous from next.
      const moved = this.rebuildRun(s);
      promoted += moved.promoted;
      demoted += moved.demoted;
      if (s.txs.size === 0) this.senders.delete(s.id);
    }
    let expired = 0;
    const limit = this.committedHeight;
    for (const e of [...this.byHash.values()]) {
      if (e.expiryHeight !== 0 && e.expiryHeight <= limit) {
        demoted += this.remove(e);
        expired++;
      }
    }
    if (committed + expired + promoted + demoted > 0) {
      this.log.debug("mempool updated", {
        height: input.height,
        committed,
        expired,
        promoted,
        demoted,
        size: this.size,
      });
    }
    return { committed, expired, promoted, demoted };
  }

  /** Makes the pending run exactly the contiguous nonces from the committed nonce. */
  private rebuildRun(s: SenderQueue): { promoted: number; demoted: number } {
    let end = s.committedNonce;
    while (s.txs.has(end)) end++;
    let promoted = 0;
    let demoted = 0;
    for (const e of s.txs.values()) {
      const shouldPend = e.nonce >= s.committedNonce && e.nonce < end;
      if (shouldPend && e.queued) {
        e.queued = false;
        s.queuedCount--;
        this.queued.delete(e.hashHex);
        this.pendingTotal++;
        promoted++;
      } else if (!shouldPend && !e.queued) {
        e.queued = true;
        s.queuedCount++;
        this.queued.set(e.hashHex, e);
        this.pendingTotal--;
        demoted++;
      }
    }
    s.pendingEnd = end;
    return { promoted, demoted };
  }

  /** Checks the pool's internal bookkeeping (for tests): throws on any inconsistency. */
  assertConsistent(): void {
    let bytes = 0;
    let pending = 0;
    let queued = 0;
    for (const s of this.senders.values()) {
      let end = s.committedNonce;
      while (s.txs.has(end)) end++;
      if (end !== s.pendingEnd) throw new Error(`sender ${s.id}: pendingEnd ${s.pendingEnd} ≠ ${end}`);
      let q = 0;
      for (const e of s.txs.values()) {
        if (this.byHash.get(e.hashHex) !== e) throw new Error("entry missing from byHash");
        if (!equalBytes(e.sender.address, s.address)) throw new Error("entry under the wrong sender");
        const shouldPend = e.nonce >= s.committedNonce && e.nonce < end;
        if (shouldPend === e.queued) throw new Error(`nonce ${e.nonce}: queued flag wrong`);
        if (e.queued) q++;
        else pending++;
        bytes += e.bytes.length;
      }
      if (q !== s.queuedCount) throw new Error("queuedCount wrong");
      queued += q;
    }
    if (bytes !== this.totalBytes) throw new Error("byte count wrong");
    if (pending !== this.pendingTotal) throw new Error("pending count wrong");
    if (queued !== this.queued.size) throw new Error("queued index wrong");
    let held = 0;
    for (const s of this.senders.values()) held += s.txs.size;
    if (held !== this.byHash.size) throw new Error("entries outside any sender");
  }
}
