/**
 * A minimal WebAssembly module writer: enough of the binary format (types, functions, one memory, exports,
 * code) for the field kernels in field-module.ts. Everything is generated from TypeScript at load time; no
 * binary is checked in.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a bigint (for i64.const) or number (for i32.const). */
export function sleb(n: bigint | number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = Array.from(Buffer.from(s, "utf8"));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

// ---- Instructions (each returns its bytes) ----

export const op = {
  localGet: (i: number): number[] => [0x20, ...uleb(i)],
  localSet: (i: number): number[] => [0x21, ...uleb(i)],
  localTee: (i: number): number[] => [0x22, ...uleb(i)],
  i32Const: (v: number): number[] => [0x41, ...sleb(v)],
  i64Const: (v: bigint | number): number[] => [0x42, ...sleb(v)],
  /** i64.load32_u with a constant offset (alignment 4). */
  load32u: (offset: number): number[] => [0x35, 2, ...uleb(offset)],
  /** i64.store32 with a constant offset. */
  store32: (offset: number): number[] => [0x3e, 2, ...uleb(offset)],
  call: (f: number): number[] => [0x10, ...uleb(f)],
  i32Add: [0x6a],
  i32Or: [0x72],
  i32Eqz: [0x45],
  i64Add: [0x7c],
  i64Sub: [0x7d],
  i64Mul: [0x7e],
  i64And: [0x83],
  i64ShrU: [0x88],
  i64Ne: [0x52],
  i64Eqz: [0x50],
  i32WrapI64: [0xa7],
  select: [0x1b],
  drop: [0x1a],
} as const;

interface FuncDef {
  type: number;
  locals: ValType[];
  body: number[];
}

export class ModuleWriter {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly funcs: FuncDef[] = [];
  private readonly exports: number[][] = [];

  constructor(private readonly memoryPages: number) {}

  private typeIndex(params: ValType[], results: ValType[]): number {
    const key = `${params.join(",")}->${results.join(",")}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.length;
      this.types.push(key);
      this.typeBytes.push([0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))]);
    }
    return i;
  }

  /** Reserves a function index (so bodies can call functions defined later). */
  declare(params: ValType[], results: ValType[] = []): number {
    this.funcs.push({ type: this.typeIndex(params, results), locals: [], body: [] });
    return this.funcs.length - 1;
  }

  define(index: number, locals: ValType[], body: number[]): void {
    const f = this.funcs[index];
    if (f === undefined) throw new Error(`wasm: undeclared function ${index}`);
    f.locals = locals;
    f.body = body;
  }

  exportFunction(exportName: string, index: number): void {
    this.exports.push([...name(exportName), 0x00, ...uleb(index)]);
  }

  bytes(): Uint8Array {
    const code = this.funcs.map((f) => {
      // Locals run-length encoded by type.
      const groups: number[][] = [];
      for (const t of f.locals) {
        const last = groups[groups.length - 1];
        if (last !== undefined && last[1] === t) last[0] = (last[0] as number) + 1;
        else groups.push([1, t]);
      }
      const body = [...vec(groups.map(([n, t]) => [...uleb(n as number), t as number])), ...f.body, 0x0b];
      return [...uleb(body.length), ...body];
    });
    return new Uint8Array([
      0x00,
      0x61,
      0x73,
      0x6d,
      0x01,
      0x00,
      0x00,
      0x00,
      ...section(1, vec(this.typeBytes)),
      ...section(3, vec(this.funcs.map((f) => uleb(f.type)))),
      ...section(5, vec([[0x00, ...uleb(this.memoryPages)]])),
      ...section(7, vec([...this.exports, [...name("memory"), 0x02, 0x00]])),
      ...section(10, vec(code)),
    ]);
  }
}
