/**
 * `Promise.withResolvers` (ES2024, Node 22) for Node 20.
 *
 * The libp2p 3 stack (it-queue, mortice, yamux, noise, tcp, identify, peer-store, multistream-select)
 * calls it and crashes on Node 20 with `TypeError: Promise.withResolvers is not a function`, at the
 * latest on `stop()`. The package entry imports this module before anything that loads libp2p.
 * It only installs itself where the built-in is missing.
 */

export interface PromiseWithResolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type WithResolvers = <T>(this: PromiseConstructor) => PromiseWithResolvers<T>;

/** The spec algorithm: NewPromiseCapability(this), so subclasses of Promise get instances of themselves. */
export const withResolvers: WithResolvers = function withResolvers<T>(
  this: PromiseConstructor,
): PromiseWithResolvers<T> {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new this<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** Installs {@link withResolvers} on `Promise` if the runtime lacks it; returns true if it installed it. */
export function installPromiseWithResolvers(): boolean {
  const ctor = Promise as PromiseConstructor & { withResolvers?: unknown };
  if (typeof ctor.withResolvers === "function") return false;
  Object.defineProperty(Promise, "withResolvers", {
    value: withResolvers,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return true;
}

installPromiseWithResolvers();
