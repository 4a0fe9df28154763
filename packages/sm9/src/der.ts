/**
 * DER form of an SM9 signature, as GmSSL and gmsm emit it:
 *   SM9Signature ::= SEQUENCE { h OCTET STRING (32 bytes), S BIT STRING (0 unused bits, 04||x||y) }
 * Decoding is strict: definite minimal lengths, exact sizes, no trailing bytes.
 */
import { assertBytes } from "@tandem/crypto";
import { Sm9Error, Sm9ErrorCode } from "./errors.js";
import { G1_BYTES, SCALAR_BYTES } from "./params.js";

export interface Sm9Signature {
  /** h, 32 bytes big-endian. */
  h: Uint8Array;
  /** S = [l]dsA as 04||x||y, 65 bytes. */
  S: Uint8Array;
}

// 30 66 | 04 20 <h:32> | 03 42 00 <S:65>
const DER_LENGTH = 2 + 2 + SCALAR_BYTES + 3 + G1_BYTES;

/** DER-encodes {h, S}; RangeError for wrong lengths. */
export function signatureToDer(sig: Sm9Signature): Uint8Array {
  if (sig === null || typeof sig !== "object") throw new TypeError("signature: expected {h, S}");
  assertBytes(sig.h, "signature.h", SCALAR_BYTES);
  assertBytes(sig.S, "signature.S", G1_BYTES);
  const out = new Uint8Array(DER_LENGTH);
  out.set([0x30, DER_LENGTH - 2, 0x04, SCALAR_BYTES], 0);
  out.set(sig.h, 4);
  out.set([0x03, G1_BYTES + 1, 0x00], 4 + SCALAR_BYTES);
  out.set(sig.S, 7 + SCALAR_BYTES);
  return out;
}

function bad(msg: string): Sm9Error {
  return new Sm9Error(Sm9ErrorCode.BAD_DER, `DER signature: ${msg}`);
}

/** Reads a definite, minimally encoded length at `off`; returns [length, offset after it]. */
function readLength(der: Uint8Array, off: number): [number, number] {
  const first = der[off];
  if (first === undefined) throw bad("truncated length");
  if (first < 0x80) return [first, off + 1];
  if (first === 0x81) {
    const len = der[off + 1];
    if (len === undefined) throw bad("truncated length");
    if (len < 0x80) throw bad("non-minimal length");
    return [len, off + 2];
  }
  // Longer forms are never needed for 103 bytes; 0x80 (indefinite) is not DER.
  throw bad("unsupported length form");
}

/** Strict decoding of the DER form; throws Sm9Error SM9_BAD_DER. Does not check S is on the curve. */
export function signatureFromDer(der: Uint8Array): Sm9Signature {
  assertBytes(der, "DER signature");
  if (der[0] !== 0x30) throw bad("expected a SEQUENCE");
  const [seqLen, bodyOff] = readLength(der, 1);
  if (bodyOff + seqLen !== der.length)
    throw bad("SEQUENCE length does not match the input (trailing or missing bytes)");
  if (der[bodyOff] !== 0x04) throw bad("expected an OCTET STRING for h");
  const [hLen, hOff] = readLength(der, bodyOff + 1);
  if (hLen !== SCALAR_BYTES) throw bad(`h must be ${SCALAR_BYTES} bytes`);
  const sTagOff = hOff + hLen;
  if (der[sTagOff] !== 0x03) throw bad("expected a BIT STRING for S");
  const [sLen, sOff] = readLength(der, sTagOff + 1);
  if (sLen !== G1_BYTES + 1) throw bad(`S must be a ${G1_BYTES}-byte BIT STRING`);
  if (der[sOff] !== 0x00) throw bad("S has unused bits");
  if (sOff + sLen !== der.length) throw bad("extra fields in the SEQUENCE");
  // Copies (a Buffer's slice() would be a view).
  return {
    h: new Uint8Array(der.subarray(hOff, hOff + hLen)),
    S: new Uint8Array(der.subarray(sOff + 1, sOff + sLen)),
  };
}
