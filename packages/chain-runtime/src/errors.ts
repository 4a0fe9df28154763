/**
 * The coded error of the chain runtime (config, key and genesis files, the network adapter, RPC). A
 * subclass of @tandem/ledger's `LedgerError`, so the services' one filter maps every package's errors.
 * The codes are wire values: never renamed or reused.
 */
import { LedgerError } from "@tandem/ledger";

export const RuntimeErrorCode = {
  /** The node config does not validate; `meta.issues` lists `{path, message}`. */
  CONFIG_INVALID: "CONFIG_INVALID",
  /** A key file that is missing, unreadable, not JSON, or whose keys do not match each other. */
  KEY_FILE_INVALID: "KEY_FILE_INVALID",
  /** A key file that other users can read (mode must be 0600 or stricter). */
  KEY_FILE_PERMISSIONS: "KEY_FILE_PERMISSIONS",
  /** Refused to overwrite an existing key file. */
  KEY_FILE_EXISTS: "KEY_FILE_EXISTS",
  /** A genesis file that is missing, not JSON, or breaks a rule (`meta.issues`). */
  GENESIS_INVALID: "GENESIS_INVALID",
  /** The data dir holds a chain other than the genesis file's. */
  GENESIS_MISMATCH: "GENESIS_MISMATCH",
} as const;

export type RuntimeErrorCode = (typeof RuntimeErrorCode)[keyof typeof RuntimeErrorCode];

export class RuntimeError<
  M extends Record<string, unknown> = Record<string, unknown>,
> extends LedgerError<M> {
  constructor(code: RuntimeErrorCode | string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(code, message, meta, options);
    this.name = "RuntimeError";
  }
}

/** Issues of a zod-style parse as `{path, message}` (path joined with dots). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}
