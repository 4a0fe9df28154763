/**
 * Virtual time for the simulator: a priority queue of callbacks ordered by (time, insertion order),
 * so a run is a pure function of its seed. Timers of the engines run on it through {@link clockFor}.
 */
import type { Clock, TimerHandle } from "../../consensus/interface.js";

interface Entry {
  time: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private _now = 0;
  /** Callbacks run so far. */
  executed = 0;

  get now(): number {
    return this._now;
  }

  get pending(): number {
    return this.heap.length;
  }

  at(time: number, fn: () => void): TimerHandle {
    const e: Entry = { time: Math.max(time, this._now), seq: this.seq++, fn, cancelled: false };
    this.push(e);
    return {
      cancel: () => {
        e.cancelled = true;
      },
    };
  }

  after(delayMs: number, fn: () => void): TimerHandle {
    return this.at(this._now + Math.max(0, delayMs), fn);
  }

  /** Runs the next callback; false when none is left or the next is later than `until`. */
  step(until = Number.POSITIVE_INFINITY): boolean {
    for (;;) {
      const e = this.heap[0];
      if (e === undefined || e.time > until) return false;
      this.pop();
      if (e.cancelled) continue;
      this._now = e.time;
      this.executed++;
      e.fn();
      return true;
    }
  }

  /** A {@link Clock} whose timers fire only while `alive()` holds (a crashed node's timers die). */
  clockFor(alive: () => boolean): Clock {
    return {
      now: () => this._now,
      setTimer: (delayMs, fn) =>
        this.after(delayMs, () => {
          if (alive()) fn();
        }),
    };
  }

  private less(a: Entry, b: Entry): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i] as Entry, h[p] as Entry)) break;
      [h[i], h[p]] = [h[p] as Entry, h[i] as Entry];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop() as Entry;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l] as Entry, h[m] as Entry)) m = l;
      if (r < h.length && this.less(h[r] as Entry, h[m] as Entry)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Entry, h[i] as Entry];
      i = m;
    }
  }
}
