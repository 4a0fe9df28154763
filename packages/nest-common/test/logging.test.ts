/**
 * The one pino logger of a service: secrets are redacted by key name at the top of a log object and one
 * or two levels down (read back from the log file), and the chain-core logger port maps onto pino's levels.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { makeTempDir, removeDir, waitFor } from "@tandem/test-utils";
import type { Logger as Pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainLogger, createLogger, REDACTED_KEYS } from "../src/index.js";

let dir: string;

beforeAll(() => {
  dir = makeTempDir("nest-logging");
});

afterAll(() => {
  removeDir(dir);
});

/** The value at `path` inside a parsed log line (undefined where the path breaks). */
const at = (line: unknown, ...path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], line);

/** Logs through `write`, flushes, and returns the file's JSON lines once `lines` are there. */
async function logLines(
  name: string,
  lines: number,
  write: (log: Pino) => void,
): Promise<Array<Record<string, unknown>>> {
  // A fresh subdirectory: the logger creates it.
  const file = join(dir, name, "service.log");
  const log = createLogger({ level: "debug", name: "test-chain", file });
  write(log);
  await new Promise<void>((resolve) => log.flush(() => resolve()));
  const text = await waitFor(
    async () => {
      const t = await readFile(file, "utf8").catch(() => "");
      return t.split("\n").filter((l) => l !== "").length >= lines ? t : undefined;
    },
    { what: `${lines} lines in ${file}`, timeoutMs: 5000 },
  );
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("createLogger redaction", () => {
  it("redacts every secret key name at the top level, and one and two levels down", async () => {
    const secrets = Object.fromEntries(REDACTED_KEYS.map((k) => [k, `leak-${k}`]));
    const [top, nested, deeper] = await logLines("redact", 3, (log) => {
      log.info({ ...secrets, height: 5 }, "top");
      log.info({ key: { ...secrets, peerId: "12D3" } }, "nested");
      log.warn({ node: { key: { ...secrets, scheme: "bls" } } }, "deeper");
    });
    const text = JSON.stringify([top, nested, deeper]);
    expect(text).not.toContain("leak-");
    for (const k of REDACTED_KEYS) {
      expect(at(top, k)).toBe("[redacted]");
      expect(at(nested, "key", k)).toBe("[redacted]");
      expect(at(deeper, "node", "key", k)).toBe("[redacted]");
    }
    // Everything else is kept.
    expect(top?.height).toBe(5);
    expect(at(nested, "key", "peerId")).toBe("12D3");
    expect(top?.msg).toBe("top");
    expect(top?.name).toBe("test-chain");
  });

  it("redacts child-logger bindings, secrets in an array's objects, and request auth headers", async () => {
    const [child, arr, req] = await logLines("bindings", 3, (log) => {
      log.child({ component: "node", secretKey: "leak-child" }).info("child");
      log.info({ validators: [{ privateKey: "leak-arr", power: 1 }] }, "array");
      log.info(
        { req: { headers: { authorization: "Bearer leak-auth", cookie: "sid=leak-cookie", host: "h" } } },
        "req",
      );
    });
    expect(JSON.stringify([child, arr, req])).not.toContain("leak-");
    expect(child?.component).toBe("node");
    expect(child?.secretKey).toBe("[redacted]");
    expect(at(arr, "validators", 0, "power")).toBe(1);
    expect(at(req, "req", "headers", "host")).toBe("h");
  });
});

describe("chainLogger", () => {
  it("maps debug, info, warn and error onto pino's levels, the context as fields", async () => {
    const lines = await logLines("levels", 5, (log) => {
      const l = chainLogger(log);
      l.debug("d", { height: 1 });
      l.info("i", { height: 2 });
      l.warn("w", { height: 3, secretKey: "leak-ctx" });
      l.error("e", { height: 4 });
      l.info("no context");
    });
    expect(lines.map((l) => [l.level, l.msg, l.height])).toEqual([
      [20, "d", 1],
      [30, "i", 2],
      [40, "w", 3],
      [50, "e", 4],
      [30, "no context", undefined],
    ]);
    // The port goes through the same redaction.
    expect(lines[2]?.secretKey).toBe("[redacted]");
  });

  it("respects the logger's level", async () => {
    const file = join(dir, "level-info", "service.log");
    const log = createLogger({ level: "warn", file });
    const l = chainLogger(log);
    l.debug("hidden-d");
    l.info("hidden-i");
    l.warn("shown");
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    const text = await waitFor(async () => {
      const t = await readFile(file, "utf8").catch(() => "");
      return t.includes("shown") ? t : undefined;
    });
    expect(text).not.toContain("hidden");
  });
});
