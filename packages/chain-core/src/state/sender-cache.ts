/**
 * A direct-mapped cache of values derived from a sender's public key (its account address): the slot
 * comes from a few of the key's bytes, a hit is confirmed by comparing the whole key, and a colliding
 * key simply replaces the slot. No string is built per lookup (the cost it replaces is one hash).
 */
export class SenderCache<V> {
  private readonly slots: Array<{ scheme: string; key: Uint8Array; value: V } | undefined>;
  private readonly mask: number;

  /** `bits`: log2 of the number of slots. */
  constructor(bits = 16) {
    this.slots = new Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  private slot(key: Uint8Array): number {
    const n = key.length;
    let h = n;
    for (let i = 0; i < 8 && i < n; i++) h = Math.imul(h ^ (key[i] as number), 0x01000193);
    if (n > 8) h = Math.imul(h ^ (key[n - 1] as number), 0x01000193);
    return (h ^ (h >>> 16)) & this.mask;
  }

  get(scheme: string, key: Uint8Array): V | undefined {
    const e = this.slots[this.slot(key)];
    if (e === undefined || e.scheme !== scheme || e.key.length !== key.length) return undefined;
    const k = e.key;
    for (let i = 0; i < k.length; i++) if (k[i] !== key[i]) return undefined;
    return e.value;
  }

  set(scheme: string, key: Uint8Array, value: V): void {
    this.slots[this.slot(key)] = { scheme, key: key.slice(), value };
  }
}
