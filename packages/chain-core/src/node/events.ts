/**
 * A small typed event emitter. A listener that throws is logged and does not disturb the node or the
 * other listeners. Events fire after the block is durable; a node killed between the write and the
 * event loses the event, so a publisher resumes from its last acknowledged height with
 * {@link ChainNode.blockEvent} (JetStream dedupes on the height msg id).
 */
import { type Logger, silentLogger } from "../logger.js";

export type Listener<T> = (event: T) => void;

export class TypedEmitter<M> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  constructor(private readonly log: Logger = silentLogger) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  listenerCount<K extends keyof M>(name: K): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  emit<K extends keyof M>(name: K, event: M[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const l of [...set]) {
      try {
        (l as Listener<M[K]>)(event);
      } catch (e) {
        this.log.error("event listener failed", { event: String(name), error: String(e) });
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
