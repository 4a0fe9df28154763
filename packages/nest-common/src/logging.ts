/**
 * One pino logger per process, shared by Nest (nestjs-pino) and the chain node (through the chain-core
 * `Logger` port). Secrets are redacted by key name wherever they appear in a log object.
 */
import type { Logger as ChainLogger } from "@tandem/chain-core";
import pino, { type Logger as Pino } from "pino";

/** Key names never written to a log. */
export const REDACTED_KEYS = [
  "secretKey",
  "privateKey",
  "seed",
  "mnemonic",
  "password",
  "token",
  "authorization",
];

export function redactPaths(): string[] {
  const paths: string[] = [];
  for (const k of REDACTED_KEYS) paths.push(k, `*.${k}`, `*.*.${k}`);
  paths.push("req.headers.authorization", "req.headers.cookie");
  return paths;
}

export function createLogger(opts: { level: string; name?: string; file?: string }): Pino {
  return pino(
    {
      level: opts.level,
      ...(opts.name === undefined ? {} : { name: opts.name }),
      redact: { paths: redactPaths(), censor: "[redacted]" },
      base: { pid: process.pid },
    },
    opts.file === undefined
      ? pino.destination(1)
      : pino.destination({ dest: opts.file, mkdir: true, sync: false }),
  );
}

/** The chain-core/p2p logger port over pino (`message` + context object). */
export function chainLogger(log: Pino): ChainLogger {
  return {
    debug: (m, c) => log.debug(c ?? {}, m),
    info: (m, c) => log.info(c ?? {}, m),
    warn: (m, c) => log.warn(c ?? {}, m),
    error: (m, c) => log.error(c ?? {}, m),
  };
}
