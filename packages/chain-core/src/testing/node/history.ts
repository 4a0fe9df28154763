/**
 * Generating a long chain history quickly, through the node's real commit path: a single-validator
 * chain whose validator builds each block with {@link ChainApp.getValue} (reap, execute, header), signs
 * its precommit, aggregates the one-vote commit and stores the decision with {@link ChainApp.commit}
 * (the one atomic write of block, commit, state, results, tx index and head). Only the consensus
 * engine's message round trips are skipped. Plus a {@link BufferedKvStore} that turns many small
 * durable writes into few large ones while building (the history is flushed before it is used).
 */

import { buildCommit } from "../../consensus/commit.js";
import { voteSignBytes } from "../../consensus/sign-bytes.js";
import type { VoteSigner, VoteVerifier } from "../../consensus/signer.js";
import type { Vote } from "../../consensus/types.js";
import type { ChainNode } from "../../node/chain-node.js";
import type { KvEntry, KvRange, KvStore, WriteBatch } from "../../store/interface.js";

export interface HistoryOptions {
  /** Blocks to add. */
  readonly blocks: number;
  /** A tx to submit before block `i` (or undefined for an empty block). */
  readonly txFor?: (i: number) => Uint8Array | undefined;
  /** Called every `progressEvery` blocks. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
}

/**
 * Adds `opts.blocks` blocks to an opened, not started, single-validator node whose validator key is
 * `signer`. The node's options should set `block.emptyBlockWaitMs` to 0.
 */
export async function buildHistory(
  node: ChainNode,
  signer: VoteSigner,
  verifier: VoteVerifier,
  opts: HistoryOptions,
): Promise<void> {
  const app = node.consensusApp;
  for (let i = 0; i < opts.blocks; i++) {
    const tx = opts.txFor?.(i);
    if (tx !== undefined) await node.mempool.submit(tx);
    const height = app.head.height + 1;
    const set = app.head.nextValidators;
    const index = set.indexOf(signer.publicKey);
    if (index < 0) throw new Error("the signer is not the chain's validator");
    const value = await app.getValue(height, 0);
    const unsigned = {
      chainId: node.chainId,
      height,
      round: 0,
      type: "precommit" as const,
      blockHash: value.hash,
      validatorIndex: index,
    };
    const vote: Vote = { ...unsigned, signature: await signer.sign(voteSignBytes(unsigned, node.hash)) };
    const commit = buildCommit([vote], set, verifier);
    await app.commit({ height, value, commit }, [vote]);
    if (opts.onProgress !== undefined && (i + 1) % (opts.progressEvery ?? 10_000) === 0)
      opts.onProgress(i + 1);
  }
}

function id(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

/**
 * A {@link KvStore} that keeps writes in memory and writes them to `inner` in one batch every
 * `flushEvery` writes (and on {@link flush} / {@link close}). NOT crash-safe between flushes: for
 * generating test and bench history only.
 */
export class BufferedKvStore implements KvStore {
  private readonly overlay = new Map<string, { key: Uint8Array; value: Uint8Array | null }>();
  private writes = 0;

  constructor(
    private readonly inner: KvStore,
    private readonly flushEvery = 1000,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const e = this.overlay.get(id(key));
    if (e !== undefined) return e.value === null ? undefined : e.value;
    return this.inner.get(key);
  }

  getRange(range?: KvRange): IterableIterator<KvEntry> {
    if (this.overlay.size > 0) throw new Error("BufferedKvStore: flush before a range read");
    return this.inner.getRange(range);
  }

  async write(batch: WriteBatch): Promise<void> {
    for (const [k, v] of batch.put ?? []) this.overlay.set(id(k), { key: k, value: v });
    for (const k of batch.del ?? []) this.overlay.set(id(k), { key: k, value: null });
    if (++this.writes >= this.flushEvery) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.overlay.size === 0) return;
    const put: Array<readonly [Uint8Array, Uint8Array]> = [];
    const del: Uint8Array[] = [];
    for (const e of this.overlay.values()) {
      if (e.value === null) del.push(e.key);
      else put.push([e.key, e.value]);
    }
    this.overlay.clear();
    this.writes = 0;
    await this.inner.write({ put, del });
  }

  async close(): Promise<void> {
    await this.flush();
    await this.inner.close();
  }
}

/** A {@link KvStore} wrapper that counts reads (to show that startup reads no history). */
export class CountingKvStore implements KvStore {
  gets = 0;
  rangeReads = 0;
  rangeEntries = 0;

  constructor(readonly inner: KvStore) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.gets++;
    return this.inner.get(key);
  }

  *getRange(range?: KvRange): IterableIterator<KvEntry> {
    this.rangeReads++;
    for (const e of this.inner.getRange(range)) {
      this.rangeEntries++;
      yield e;
    }
  }

  write(batch: WriteBatch): Promise<void> {
    return this.inner.write(batch);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
