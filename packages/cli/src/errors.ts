/**
 * The CLI's coded errors and how any error reaches the operator: one line `error [CODE]: message` on
 * stderr, exit code 1, no stack trace unless TANDEM_DEBUG is set. Errors of the packages below (key,
 * genesis and config files, RPC, ledger) already carry a `code`; the CLI adds its own for bad options and
 * its own files.
 */
import { LedgerError } from "@tandem/ledger";

export const CliErrorCode = {
  /** An option or argument that is missing, malformed or out of range. */
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  /** Commander rejected the command line (unknown option or command, missing argument). */
  USAGE: "USAGE",
  /** Refused to overwrite an existing output file (pass --force). */
  FILE_EXISTS: "FILE_EXISTS",
  /** A file that cannot be read or written. */
  FILE_IO: "FILE_IO",
  /** An account key file that is missing, not JSON or whose keys do not match. */
  ACCOUNT_KEY_INVALID: "ACCOUNT_KEY_INVALID",
  /** A validator given to `genesis create` that is neither a node key file nor a public-info file. */
  VALIDATOR_INFO_INVALID: "VALIDATOR_INFO_INVALID",
  /** Could not connect to the NATS server. */
  NATS_CONNECT_FAILED: "NATS_CONNECT_FAILED",
  /** The chain rejected a transaction. */
  TX_REJECTED: "TX_REJECTED",
  /** `transfer --wait` gave up before the tx was committed. */
  TX_WAIT_TIMEOUT: "TX_WAIT_TIMEOUT",
  /** The inclusion proof of a committed tx does not verify. */
  TX_PROOF_INVALID: "TX_PROOF_INVALID",
  /** `node start` cannot load the chain service. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** The node started by `node start` stopped on its own (a fatal error; see its log). */
  NODE_FATAL: "NODE_FATAL",
  /** Not a user error: a bug or an unexpected failure. */
  INTERNAL: "INTERNAL",
} as const;

export type CliErrorCode = (typeof CliErrorCode)[keyof typeof CliErrorCode];

export class CliError<M extends Record<string, unknown> = Record<string, unknown>> extends LedgerError<M> {
  constructor(code: CliErrorCode | string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(code, message, meta, options);
    this.name = "CliError";
  }
}

export function invalidArgument(message: string, meta: Record<string, unknown> = {}): CliError {
  return new CliError(CliErrorCode.INVALID_ARGUMENT, message, meta);
}

/** The code of an error that carries one (`LedgerError` and its subclasses, RpcError, coded plain objects). */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
}

/** One line for stderr; an uncoded error is INTERNAL (and keeps its stack only under TANDEM_DEBUG). */
export function formatError(e: unknown, opts: { debug?: boolean } = {}): string {
  const code = errorCode(e) ?? CliErrorCode.INTERNAL;
  const message = e instanceof Error ? e.message : String(e);
  let line = `error [${code}]: ${message}`;
  const issues = (e as { meta?: { issues?: unknown } } | undefined)?.meta?.issues;
  if (Array.isArray(issues) && issues.length > 1) {
    for (const i of issues.slice(0, 20)) {
      const { path, message: m } = i as { path?: string; message?: string };
      line += `\n  ${path || "(root)"}: ${m}`;
    }
  }
  if (opts.debug === true && e instanceof Error && e.stack !== undefined) line += `\n${e.stack}`;
  return line;
}
