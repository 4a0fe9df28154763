/**
 * Where a command writes: results on `out` (stdout), progress and warnings on `err` (stderr). Commands
 * take a sink instead of touching the process, so tests run them in-process and read what they printed.
 */
export interface Output {
  /** One line of result (stdout). */
  out(line: string): void;
  /** One line of progress or warning (stderr). */
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => {
    process.stdout.write(`${line}\n`);
  },
  err: (line) => {
    process.stderr.write(`${line}\n`);
  },
};

/** A sink that keeps the lines (for tests). */
export class MemoryOutput implements Output {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  out(line: string): void {
    this.stdout.push(...line.split("\n"));
  }
  err(line: string): void {
    this.stderr.push(...line.split("\n"));
  }
  get text(): string {
    return this.stdout.join("\n");
  }
  /** stdout parsed as one JSON document. */
  json<T = unknown>(): T {
    return JSON.parse(this.stdout.join("\n")) as T;
  }
}

/** Prints `value` as indented JSON (bigints as decimal strings, bytes as hex). */
export function printJson(o: Output, value: unknown): void {
  o.out(
    JSON.stringify(
      value,
      (_k, v: unknown) => {
        if (typeof v === "bigint") return v.toString();
        if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
        return v;
      },
      2,
    ),
  );
}

/** Aligned columns, the first row a header. */
export function formatTable(rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** `key: value` lines, keys aligned. */
export function formatFields(fields: ReadonlyArray<readonly [string, string]>): string[] {
  const w = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(w + 2)}${v}`);
}
