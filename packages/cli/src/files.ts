/** File helpers: exclusive creation with a mode, fsync, and JSON reads with coded errors. */
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * Writes `text` to `path` with `mode`, created exclusively (FILE_EXISTS when it exists, unless `force`),
 * fsynced. The parent directory is created (0700) when missing.
 */
export async function writeNewFile(
  path: string,
  text: string,
  opts: { mode?: number; force?: boolean } = {},
): Promise<void> {
  const mode = opts.mode ?? 0o644;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((e: unknown) => {
    throw ioError(`cannot create the directory of ${path}`, path, e);
  });
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, opts.force === true ? "w" : "wx", mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") {
      throw new CliError(CliErrorCode.FILE_EXISTS, `${path} exists; pass --force to overwrite it`, { path });
    }
    throw ioError(`cannot write ${path}`, path, e);
  }
  try {
    // An overwritten file keeps its old mode: set it.
    await fh.chmod(mode);
    await fh.writeFile(text, "utf8");
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function ioError(what: string, path: string, cause: unknown): CliError {
  const reason = (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause);
  return new CliError(CliErrorCode.FILE_IO, `${what}: ${reason}`, { path }, { cause });
}

/** Reads and parses a JSON file; FILE_IO when unreadable, `code` when not JSON. */
export async function readJsonFile(path: string, code: string = CliErrorCode.FILE_IO): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw ioError(`cannot read ${path}`, path, e);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(code, `${path} is not JSON`, { path }, { cause: e });
  }
}
