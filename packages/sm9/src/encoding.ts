/** Byte helpers shared by both backends (fixed-width big-endian field elements). */
import { Sm9Error, Sm9ErrorCode } from "./errors.js";
import { FP_BYTES, P } from "./params.js";

/** Big-endian unsigned integer of bytes[off, off + len). */
export function readUint(bytes: Uint8Array, off: number, len: number): bigint {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset + off, len).toString("hex");
  return hex.length === 0 ? 0n : BigInt(`0x${hex}`);
}

/** Reads the 32-byte big-endian field element at `off`; throws SM9_BAD_POINT if it is not below p. */
export function readFp(bytes: Uint8Array, off: number): bigint {
  const x = readUint(bytes, off, FP_BYTES);
  if (x >= P) throw new Sm9Error(Sm9ErrorCode.BAD_POINT, "coordinate is not a field element (>= p)");
  return x;
}

/** Writes x (0 <= x < 2^256) as 32 big-endian bytes at `off`. */
export function writeFp(out: Uint8Array, off: number, x: bigint): void {
  const hex = x.toString(16).padStart(FP_BYTES * 2, "0");
  out.set(Buffer.from(hex, "hex"), off);
}
