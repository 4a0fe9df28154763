/**
 * Signature verification for the mempool: inline on the calling thread, or — for batches of ed25519
 * txs large enough to pay for the thread hop — in a small pool of worker threads (node:crypto inside
 * each, see ed25519-worker-source.ts). Other schemes (secp256k1, SM2, SM9) are verified inline with the
 * ledger's {@link verifyTxSignature}, the same function the state machine uses.
 */
import { Worker } from "node:worker_threads";
import {
  type HashFn,
  type SignedTx,
  type TxKindRegistry,
  txSignBytes,
  txSignBytesFromCanonical,
  verifyTxSignature,
} from "@tandem/ledger";
import { type Logger, silentLogger } from "../logger.js";
import { ED25519_WORKER_SOURCE } from "./ed25519-worker-source.js";

const RECORD = 128;

/**
 * Inline verification checks this many txs (≈2 ms), then yields to the event loop: a gossip batch of a
 * thousand txs would otherwise hold the thread for ≈0.1 s, and consensus messages queued behind it
 * (votes, proposals) would wait that long at every step of a height.
 */
export const INLINE_SLICE = 16;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Waiter {
  resolve(out: Uint8Array): void;
  reject(e: unknown): void;
}

interface PoolWorker {
  readonly worker: Worker;
  inflight: number;
  readonly waiting: Map<number, Waiter>;
}

/**
 * A pool of ed25519 verification threads. `verify(records, n)` checks n packed records
 * (publicKey 32 ‖ signature 64 ‖ message 32) and resolves one byte per record (1 = valid).
 */
export class Ed25519WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  /** Starts `size` worker threads (unref'd: they never keep the process alive). */
  static start(size: number): Ed25519WorkerPool {
    if (!Number.isSafeInteger(size) || size < 1 || size > 64) throw new RangeError("pool size must be 1..64");
    return new Ed25519WorkerPool(size);
  }

  get size(): number {
    return this.workers.length;
  }

  private spawn(): PoolWorker {
    const worker = new Worker(ED25519_WORKER_SOURCE, { eval: true });
    worker.unref();
    const pw: PoolWorker = { worker, inflight: 0, waiting: new Map() };
    worker.on("message", (msg: { id: number; out: Uint8Array }) => {
      const w = pw.waiting.get(msg.id);
      if (w === undefined) return;
      pw.waiting.delete(msg.id);
      pw.inflight--;
      w.resolve(msg.out);
    });
    const failAll = (e: unknown): void => {
      for (const w of pw.waiting.values()) w.reject(e);
      pw.waiting.clear();
      pw.inflight = 0;
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`ed25519 worker exited with code ${code}`)));
    return pw;
  }

  /** Verifies `n` packed records on the least busy worker. */
  verify(records: Uint8Array, n: number): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error("worker pool closed"));
    if (records.length !== n * RECORD) return Promise.reject(new RangeError("records must be n × 128 bytes"));
    let pw = this.workers[0] as PoolWorker;
    for (const w of this.workers) if (w.inflight < pw.inflight) pw = w;
    const id = this.nextId++;
    // Copy into a buffer we own so it can be transferred (the caller's may be a view).
    const buf = records.slice().buffer;
    return new Promise<Uint8Array>((resolve, reject) => {
      pw.waiting.set(id, { resolve, reject });
      pw.inflight++;
      pw.worker.postMessage({ id, buf, n }, [buf]);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

export interface TxSignatureVerifierOptions {
  hash: HashFn;
  registry: TxKindRegistry;
  /** Worker threads for ed25519 (0 = inline only). */
  workers: number;
  /** Batches with fewer ed25519 txs are verified inline. */
  workerBatchMin: number;
  verifySm9?: (tx: SignedTx, signBytes: Uint8Array) => boolean;
  logger?: Logger;
}

/** Verifies tx signatures in batches, inline or on the ed25519 worker pool. */
export class TxSignatureVerifier {
  private pool: Ed25519WorkerPool | undefined;
  private poolBroken = false;
  private readonly log: Logger;

  constructor(private readonly opts: TxSignatureVerifierOptions) {
    this.log = opts.logger ?? silentLogger;
  }

  /** Whether the worker threads have been started. */
  get workersStarted(): boolean {
    return this.pool !== undefined;
  }

  /** Verifies one tx on the calling thread (the ledger's own check). */
  verifyInline(tx: SignedTx): boolean {
    const sm9 = this.opts.verifySm9;
    try {
      return verifyTxSignature(tx, {
        hash: this.opts.hash,
        registry: this.opts.registry,
        ...(sm9 === undefined ? {} : { sm9 }),
      });
    } catch {
      return false;
    }
  }

  /**
   * One verdict per tx, in order. `canonical[i]`, when given, is the canonical encoding `txs[i]` was
   * decoded from: the sign bytes are then hashed from it instead of re-encoding the tx.
   */
  async verify(txs: readonly SignedTx[], canonical?: readonly Uint8Array[]): Promise<boolean[]> {
    const out = new Array<boolean>(txs.length).fill(false);
    const ed: number[] = [];
    for (let i = 0; i < txs.length; i++) if ((txs[i] as SignedTx).scheme === "ed25519") ed.push(i);
    const useWorkers = this.opts.workers > 0 && !this.poolBroken && ed.length >= this.opts.workerBatchMin;
    if (!useWorkers) {
      for (let i = 0; i < txs.length; i++) {
        if (i > 0 && i % INLINE_SLICE === 0) await yieldToLoop();
        out[i] = this.verifyInline(txs[i] as SignedTx);
      }
      return out;
    }
    this.pool ??= Ed25519WorkerPool.start(this.opts.workers);
    const pool = this.pool;
    // Pack the ed25519 txs, one chunk per worker, and verify the other schemes here meanwhile.
    const chunks = Math.min(
      pool.size,
      Math.max(1, Math.floor(ed.length / Math.max(1, this.opts.workerBatchMin))),
    );
    const per = Math.ceil(ed.length / chunks);
    const jobs: Array<Promise<void>> = [];
    for (let c = 0; c < chunks; c++) {
      const idx = ed.slice(c * per, (c + 1) * per);
      if (idx.length === 0) continue;
      const records = new Uint8Array(idx.length * RECORD);
      for (let j = 0; j < idx.length; j++) {
        const tx = txs[idx[j] as number] as SignedTx;
        const o = j * RECORD;
        records.set(tx.sender, o);
        records.set(tx.signature, o + 32);
        const enc = canonical?.[idx[j] as number];
        const opts = { hash: this.opts.hash, registry: this.opts.registry };
        records.set(
          enc === undefined ? txSignBytes(tx, opts) : txSignBytesFromCanonical(enc, tx, opts),
          o + 96,
        );
      }
      jobs.push(
        pool.verify(records, idx.length).then(
          (res) => {
            for (let j = 0; j < idx.length; j++) out[idx[j] as number] = res[j] === 1;
          },
          (e: unknown) => {
            this.poolBroken = true;
            this.log.warn("ed25519 worker pool failed, verifying inline", { error: String(e) });
            for (const i of idx) out[i] = this.verifyInline(txs[i] as SignedTx);
          },
        ),
      );
    }
    for (let i = 0; i < txs.length; i++) {
      if ((txs[i] as SignedTx).scheme !== "ed25519") out[i] = this.verifyInline(txs[i] as SignedTx);
    }
    await Promise.all(jobs);
    return out;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool !== undefined) await pool.close();
  }
}
