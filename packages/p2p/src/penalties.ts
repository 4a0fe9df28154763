/**
 * Penalty points per peer for messages the application rejected, decaying exponentially. gossipsub
 * reads them as its application-specific score (P5): with the default thresholds (gossip −10,
 * publish −50, graylist −80) and 10 points per reject, one bad message stops gossip exchange with
 * the sender, five stop publishing to it and eight make the node ignore its RPCs, until the points
 * decay. (gossipsub's own P4 "invalid deliveries" counter only counts on topics with score
 * parameters, which this package does not set: their mesh-delivery terms penalize peers on quiet topics.)
 */
export class PenaltyBook {
  private readonly points = new Map<string, { value: number; at: number }>();

  constructor(
    private readonly halfLifeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private decayed(e: { value: number; at: number }, t: number): number {
    return e.value * 2 ** (-(t - e.at) / this.halfLifeMs);
  }

  add(peer: string, points: number): void {
    const t = this.now();
    const e = this.points.get(peer);
    this.points.set(peer, { value: (e === undefined ? 0 : this.decayed(e, t)) + points, at: t });
  }

  /** Current points of `peer` (≥ 0). */
  get(peer: string): number {
    const e = this.points.get(peer);
    return e === undefined ? 0 : this.decayed(e, this.now());
  }

  /** The application-specific score gossipsub adds for `peer`: minus its points. */
  score(peer: string): number {
    return -this.get(peer);
  }

  /** Forgets peers whose points decayed below `epsilon`. */
  prune(epsilon = 0.01): void {
    const t = this.now();
    for (const [peer, e] of this.points) if (this.decayed(e, t) < epsilon) this.points.delete(peer);
  }

  get size(): number {
    return this.points.size;
  }
}
