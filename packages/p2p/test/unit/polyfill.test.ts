import { describe, expect, it } from "vitest";
import { installPromiseWithResolvers, withResolvers } from "../../src/polyfill.js";

describe("Promise.withResolvers polyfill", () => {
  it("is installed once the package is loaded (Node 20 lacks it)", () => {
    expect(typeof (Promise as unknown as { withResolvers?: unknown }).withResolvers).toBe("function");
  });

  it("resolves and rejects through the returned functions", async () => {
    const ok = withResolvers.call(Promise) as { promise: Promise<number>; resolve: (v: number) => void };
    ok.resolve(7);
    await expect(ok.promise).resolves.toBe(7);
    const bad = withResolvers.call(Promise);
    bad.reject(new Error("no"));
    await expect(bad.promise).rejects.toThrow("no");
  });

  it("builds instances of the receiver, as the spec does for Promise subclasses", () => {
    class MyPromise<T> extends Promise<T> {}
    const r = withResolvers.call(MyPromise as PromiseConstructor);
    expect(r.promise).toBeInstanceOf(MyPromise);
    r.resolve(undefined);
  });

  it("installs itself only where the built-in is missing", () => {
    const ctor = Promise as unknown as { withResolvers?: unknown };
    const saved = Object.getOwnPropertyDescriptor(Promise, "withResolvers");
    try {
      expect(installPromiseWithResolvers()).toBe(false);
      delete ctor.withResolvers;
      expect(installPromiseWithResolvers()).toBe(true);
      expect(ctor.withResolvers).toBe(withResolvers);
      expect(Object.getOwnPropertyDescriptor(Promise, "withResolvers")?.enumerable).toBe(false);
    } finally {
      if (saved !== undefined) Object.defineProperty(Promise, "withResolvers", saved);
    }
  });
});
