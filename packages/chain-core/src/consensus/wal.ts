/**
 * The consensus write-ahead log: every input event of the current height, in processing order, so a
 * node killed mid-round replays them through the pure state machine and reaches the same state.
 * Records are buffered and written in batches; the engine flushes the buffer in the same atomic,
 * durable write as the double-sign guard entry before any signed message leaves the node (CometBFT's
 * WriteSync rule), so every decision to sign survives a crash. Records of peers' messages that were
 * still buffered at a crash are lost; gossip brings them again.
 *
 * Each record is CRC-32 framed; a record that fails its check makes {@link ConsensusWal.read} throw
 * WAL_CORRUPT and the node refuses to start rather than act on a damaged log.
 */
import { crc32 } from "node:zlib";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { KvStore } from "../store/interface.js";
import { decodeWalEvent, encodeWalEvent, type WalEvent } from "./codec.js";
import { parseWalKey, WAL_PREFIX, walHeightPrefix, walKey } from "./keys.js";

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, crc32(payload) >>> 0);
  out.set(payload, 4);
  return out;
}

function unframe(record: Uint8Array, where: Record<string, unknown>): Uint8Array {
  if (record.length < 4)
    throw new ChainCoreError(ChainCoreErrorCode.WAL_CORRUPT, "WAL record too short", where);
  const payload = record.subarray(4);
  const want = new DataView(record.buffer, record.byteOffset, 4).getUint32(0);
  if (crc32(payload) >>> 0 !== want) {
    throw new ChainCoreError(ChainCoreErrorCode.WAL_CORRUPT, "WAL record checksum mismatch", where);
  }
  return payload;
}

export class ConsensusWal {
  private buffer: [Uint8Array, Uint8Array][] = [];
  private nextSeq = new Map<number, number>();

  private constructor(private readonly store: KvStore) {}

  static open(store: KvStore): ConsensusWal {
    return new ConsensusWal(store);
  }

  /** The events recorded for `height`, in order. Throws WAL_CORRUPT on a damaged record. */
  read(height: number): WalEvent[] {
    const prefix = walHeightPrefix(height);
    const out: WalEvent[] = [];
    let last = -1;
    for (const { key, value } of this.store.getRange({ gte: prefix, lt: walHeightPrefix(height + 1) })) {
      const k = parseWalKey(key);
      if (k === undefined) continue;
      last = k.seq;
      const payload = unframe(value, { height, seq: k.seq });
      try {
        out.push(decodeWalEvent(payload));
      } catch (cause) {
        throw new ChainCoreError(
          ChainCoreErrorCode.WAL_CORRUPT,
          "WAL record does not decode",
          { height, seq: k.seq },
          {
            cause,
          },
        );
      }
    }
    this.nextSeq.set(height, Math.max(this.nextSeq.get(height) ?? 0, last + 1));
    return out;
  }

  /** Buffers an event of `height`; it reaches the disk with the next {@link flush}. */
  append(height: number, event: WalEvent): void {
    const seq = this.nextSeq.get(height) ?? 0;
    this.nextSeq.set(height, seq + 1);
    this.buffer.push([walKey(height, seq), frame(encodeWalEvent(event))]);
  }

  get buffered(): number {
    return this.buffer.length;
  }

  /** Writes the buffered records (and `extra` entries) in one atomic, durable batch. */
  async flush(extra: readonly [Uint8Array, Uint8Array][] = []): Promise<void> {
    if (this.buffer.length === 0 && extra.length === 0) return;
    const records = this.buffer;
    this.buffer = [];
    await this.store.write({ put: [...records, ...extra] });
  }

  /** Deletes every record of heights ≤ `height` (after the app stored that height's block). */
  async prune(height: number): Promise<void> {
    const del: Uint8Array[] = [];
    for (const { key } of this.store.getRange({ gte: WAL_PREFIX, lt: walHeightPrefix(height + 1) }))
      del.push(key);
    this.buffer = this.buffer.filter(([k]) => (parseWalKey(k)?.height ?? 0) > height);
    for (const h of [...this.nextSeq.keys()]) if (h <= height) this.nextSeq.delete(h);
    if (del.length > 0) await this.store.write({ del });
  }
}
