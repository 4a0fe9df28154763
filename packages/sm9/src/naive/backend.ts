/** The naive backend: textbook affine arithmetic, no caching. The reference for tests and benchmarks. */
import type { GtPowBase, Sm9Backend } from "../backend.js";
import { readFp, writeFp } from "../encoding.js";
import { Sm9Error, Sm9ErrorCode } from "../errors.js";
import { h1 } from "../hash.js";
import { G1_BYTES, G2_BYTES, GT_BYTES, N } from "../params.js";
import {
  G1_GEN,
  type G1Affine,
  G2_GEN,
  type G2Affine,
  g1Add,
  g1IsOnCurve,
  g1Mul,
  g2Add,
  g2IsOnCurve,
  g2Mul,
} from "./curve.js";
import { Fp2, Fp4, Fp12 } from "./field.js";
import { pairing } from "./pairing.js";

function badPoint(msg: string): Sm9Error {
  return new Sm9Error(Sm9ErrorCode.BAD_POINT, msg);
}

export function g1DecodeNaive(bytes: Uint8Array): G1Affine {
  if (bytes.length !== G1_BYTES || bytes[0] !== 0x04) throw badPoint("G1 point: expected 04||x||y");
  const x = readFp(bytes, 1);
  const y = readFp(bytes, 33);
  if (!g1IsOnCurve(x, y)) throw badPoint("G1 point is not on the curve");
  return { x, y };
}

export function g1EncodeNaive(p: G1Affine): Uint8Array {
  if (p === null) throw badPoint("cannot encode the point at infinity");
  const out = new Uint8Array(G1_BYTES);
  out[0] = 0x04;
  writeFp(out, 1, p.x);
  writeFp(out, 33, p.y);
  return out;
}

export function g2DecodeNaive(bytes: Uint8Array): G2Affine {
  if (bytes.length !== G2_BYTES || bytes[0] !== 0x04) throw badPoint("G2 point: expected 04||x1||x0||y1||y0");
  const x = new Fp2(readFp(bytes, 33), readFp(bytes, 1));
  const y = new Fp2(readFp(bytes, 97), readFp(bytes, 65));
  if (!g2IsOnCurve(x, y)) throw badPoint("G2 point is not on the twist curve");
  const q = { x, y };
  if (g2Mul(q, N) !== null) throw badPoint("G2 point is not in the order-N subgroup");
  return q;
}

export function g2EncodeNaive(q: G2Affine): Uint8Array {
  if (q === null) throw badPoint("cannot encode the point at infinity");
  const out = new Uint8Array(G2_BYTES);
  out[0] = 0x04;
  writeFp(out, 1, q.x.c1);
  writeFp(out, 33, q.x.c0);
  writeFp(out, 65, q.y.c1);
  writeFp(out, 97, q.y.c0);
  return out;
}

/** GT bytes: coefficients of w^5, w^2, w^4, w^1, w^3, w^0, each Fp2 as (u-coefficient, constant). */
export function gtEncodeNaive(f: Fp12): Uint8Array {
  const out = new Uint8Array(GT_BYTES);
  const order: Fp2[] = [f.c.b, f.c.a, f.b.b, f.b.a, f.a.b, f.a.a];
  order.forEach((x, i) => {
    writeFp(out, 64 * i, x.c1);
    writeFp(out, 64 * i + 32, x.c0);
  });
  return out;
}

export function gtDecodeNaive(bytes: Uint8Array): Fp12 {
  if (bytes.length !== GT_BYTES) throw new RangeError(`GT element: expected ${GT_BYTES} bytes`);
  const k = [0, 1, 2, 3, 4, 5].map((i) => new Fp2(readFp(bytes, 64 * i + 32), readFp(bytes, 64 * i)));
  const [c1, c0, b1, b0, a1, a0] = k as [Fp2, Fp2, Fp2, Fp2, Fp2, Fp2];
  return new Fp12(new Fp4(a0, a1), new Fp4(b0, b1), new Fp4(c0, c1));
}

function powBase(value: Fp12): GtPowBase<Fp12> {
  return { value, pow: (k) => value.pow(k) };
}

export const naiveBackend: Sm9Backend<G1Affine, G2Affine, Fp12> = {
  name: "naive",
  g1Decode: g1DecodeNaive,
  g1Encode: g1EncodeNaive,
  g1IsZero: (p) => p === null,
  g1Add,
  g1MulGen: (k) => g1Mul(G1_GEN, k),
  g1Mul,
  g1MulKey: (p, k) => g1Mul(p, k),
  g2Decode: g2DecodeNaive,
  g2Encode: g2EncodeNaive,
  g2IsZero: (q) => q === null,
  g2Add,
  g2MulGen: (k) => g2Mul(G2_GEN, k),
  pairing,
  pairingWithKey: (p, q) => pairing(p, q),
  gtMul: (a, b) => a.mul(b),
  gtPow: (a, k) => a.pow(k),
  gtEncode: gtEncodeNaive,
  gtDecode: gtDecodeNaive,
  signVerifyValue(s, h, id, hid, mpk) {
    const u = pairing(s, g2Add(g2Mul(G2_GEN, h1(id, hid)), mpk));
    const t = pairing(G1_GEN, mpk).pow(h);
    return u.mul(t);
  },
  signBase: (mpk) => powBase(pairing(G1_GEN, mpk)),
  encBase: (mpk) => powBase(pairing(mpk, G2_GEN)),
};
