/**
 * Write overlays: a block's writes sit in a block overlay over the committed state; each tx writes to
 * its own overlay over the block's, merged on success and dropped on failure (rollback). Nothing
 * reaches the store until the block's write batch is written by the caller.
 */
import type { StateAccess } from "./interface.js";

/** A raw key as a map key (one UTF-16 unit per byte). */
export function keyId(key: Uint8Array): string {
  // Short keys (all but a module's unusual ones): one builtin call, no Buffer view (≈0.28 against
  // ≈0.38 µs for a 28-byte key).
  if (key.length <= 128) return String.fromCharCode.apply(null, key as unknown as number[]);
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

export interface OverlayEntry {
  readonly key: Uint8Array;
  /** null = deleted */
  readonly value: Uint8Array | null;
}

/** Reads a key below an overlay; `id` is {@link keyId} of `key`. Returns a value the caller may keep. */
export type ParentReader = (key: Uint8Array, id: string) => Uint8Array | undefined;

function assertKey(key: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || key.length === 0 || key.length > 1024) {
    throw new TypeError("state key must be 1..1024 bytes");
  }
}

export class Overlay implements StateAccess {
  readonly writes = new Map<string, OverlayEntry>();

  constructor(private readonly parent: ParentReader) {}

  /** Reads through this overlay: what a child overlay uses as its parent. */
  readonly read: ParentReader = (key, id) => {
    const e = this.writes.get(id);
    if (e !== undefined) return e.value === null ? undefined : e.value;
    return this.parent(key, id);
  };

  get(key: Uint8Array): Uint8Array | undefined {
    assertKey(key);
    const v = this.read(key, keyId(key));
    return v === undefined ? undefined : v.slice();
  }

  has(key: Uint8Array): boolean {
    assertKey(key);
    return this.read(key, keyId(key)) !== undefined;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    assertKey(key);
    if (!(value instanceof Uint8Array)) throw new TypeError("state value must be a Uint8Array");
    this.writes.set(keyId(key), { key: key.slice(), value: value.slice() });
  }

  delete(key: Uint8Array): void {
    assertKey(key);
    this.writes.set(keyId(key), { key: key.slice(), value: null });
  }

  /** Moves every write of this overlay into `target` (a tx's success). */
  mergeInto(target: Overlay): void {
    for (const [id, e] of this.writes) target.writes.set(id, e);
    this.writes.clear();
  }
}

/** Costs of the (reported, not yet limited) gas meter: deterministic, by logical operation. */
export const GAS = { read: 100, write: 200, delete: 100, perByte: 1 } as const;

/** A {@link StateAccess} that counts gas for one tx. */
export class MeteredAccess implements StateAccess {
  gasUsed = 0;

  constructor(private readonly inner: StateAccess) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.inner.get(key);
    this.gasUsed += GAS.read + GAS.perByte * (v?.length ?? 0);
    return v;
  }

  has(key: Uint8Array): boolean {
    this.gasUsed += GAS.read;
    return this.inner.has(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.inner.set(key, value);
    this.gasUsed += GAS.write + GAS.perByte * (key.length + value.length);
  }

  delete(key: Uint8Array): void {
    this.inner.delete(key);
    this.gasUsed += GAS.delete;
  }
}
