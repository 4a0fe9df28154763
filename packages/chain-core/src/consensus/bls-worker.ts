/**
 * BLS12-381 vote verification on worker threads: a {@link VoteVerifier} whose `verifyAsync` and
 * `verifyAggregateAsync` run the pairings on a small pool of threads, each running the very same
 * {@link BlsVoteVerifier} (so the verdicts are those of the synchronous path, which it also offers for
 * callers that need an answer now: the evidence module, light-client checks). A 4-validator height costs
 * each node 7 pairings (≈ 7 ms each on mcl-wasm here); off the node's thread they overlap with
 * execution and admission instead of holding them up.
 *
 * The worker entry is the sibling module `bls-worker-thread` (.ts when running from source with a
 * TypeScript loader, which workers inherit; .js when built).
 */
import { Worker } from "node:worker_threads";
import { BlsVoteVerifier, type VoteVerifier } from "./signer.js";

interface Waiter {
  resolve(ok: boolean): void;
  reject(e: unknown): void;
}

interface PoolWorker {
  readonly worker: Worker;
  inflight: number;
  readonly waiting: Map<number, Waiter>;
}

export interface BlsWorkerVerifierOptions {
  /** Worker threads (default 1). */
  threads?: number;
}

export class BlsWorkerVoteVerifier implements VoteVerifier {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closed = false;
  private broken = false;

  private constructor(
    private readonly local: BlsVoteVerifier,
    threads: number,
  ) {
    const url = new URL(
      import.meta.url.endsWith(".ts") ? "./bls-worker-thread.ts" : "./bls-worker-thread.js",
      import.meta.url,
    );
    for (let i = 0; i < threads; i++) this.workers.push(this.spawn(url));
  }

  static async create(opts: BlsWorkerVerifierOptions = {}): Promise<BlsWorkerVoteVerifier> {
    const threads = opts.threads ?? 1;
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > 16)
      throw new RangeError("threads must be 1..16");
    return new BlsWorkerVoteVerifier(await BlsVoteVerifier.create(), threads);
  }

  private spawn(url: URL): PoolWorker {
    // From TypeScript sources (tests, bench): workers do not inherit the parent's loader hooks, so the
    // thread registers tsx itself before importing the entry (and keeps the parent's conditions).
    const worker = url.pathname.endsWith(".ts")
      ? new Worker(
          `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
          { eval: true, execArgv: conditionFlags(process.execArgv) },
        )
      : new Worker(url);
    worker.unref();
    const pw: PoolWorker = { worker, inflight: 0, waiting: new Map() };
    worker.on("message", (msg: { id: number; ok: boolean }) => {
      const w = pw.waiting.get(msg.id);
      if (w === undefined) return;
      pw.waiting.delete(msg.id);
      pw.inflight--;
      w.resolve(msg.ok);
    });
    const failAll = (e: unknown): void => {
      if (!this.closed) this.broken = true;
      for (const w of pw.waiting.values()) w.reject(e);
      pw.waiting.clear();
      pw.inflight = 0;
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`BLS worker exited with code ${code}`)));
    return pw;
  }

  private run(
    signature: Uint8Array,
    message: Uint8Array,
    publicKeys: readonly Uint8Array[],
  ): Promise<boolean> {
    let pw = this.workers[0] as PoolWorker;
    for (const w of this.workers) if (w.inflight < pw.inflight) pw = w;
    const id = this.nextId++;
    return new Promise<boolean>((resolve, reject) => {
      pw.waiting.set(id, { resolve, reject });
      pw.inflight++;
      pw.worker.postMessage({ id, signature, message, publicKeys: [...publicKeys] });
    });
  }

  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
    return this.local.verify(signature, message, publicKey);
  }

  /**
   * On this thread: one batch (two pairings plus short scalar multiplications) costs less than sending
   * its votes to the worker one by one, so the engine's batches stay here.
   */
  verifyBatch(
    message: Uint8Array,
    signatures: readonly Uint8Array[],
    publicKeys: readonly Uint8Array[],
  ): boolean {
    return this.local.verifyBatch(message, signatures, publicKeys);
  }

  aggregate(signatures: readonly Uint8Array[]): Uint8Array {
    return this.local.aggregate(signatures);
  }

  verifyAggregate(signature: Uint8Array, message: Uint8Array, publicKeys: readonly Uint8Array[]): boolean {
    return this.local.verifyAggregate(signature, message, publicKeys);
  }

  async verifyAsync(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
    if (this.closed || this.broken) return this.verify(signature, message, publicKey);
    try {
      return await this.run(signature, message, [publicKey]);
    } catch {
      return this.verify(signature, message, publicKey);
    }
  }

  async verifyAggregateAsync(
    signature: Uint8Array,
    message: Uint8Array,
    publicKeys: readonly Uint8Array[],
  ): Promise<boolean> {
    if (this.closed || this.broken || publicKeys.length === 0)
      return this.verifyAggregate(signature, message, publicKeys);
    try {
      return await this.run(signature, message, publicKeys);
    } catch {
      return this.verifyAggregate(signature, message, publicKeys);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/** The parent's `--conditions` flags in `--conditions=x` form, whether given as `=x`, `x` or `-C x`. */
function conditionFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    if (a.startsWith("--conditions=")) out.push(a);
    else if ((a === "--conditions" || a === "-C") && execArgv[i + 1] !== undefined)
      out.push(`--conditions=${execArgv[++i]}`);
  }
  return out;
}
