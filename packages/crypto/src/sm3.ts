/**
 * SM3 (GB/T 32905-2016 = GM/T 0004-2012) in pure JavaScript, on @noble/hashes' Merkle–Damgård base
 * class, for runtimes without OpenSSL's `sm3`. `sm3` in hash.ts (node:crypto) stays the default:
 * it is faster; both give identical bytes (test/unit/sm3.test.ts).
 *
 * Shape of a noble hash: `sm3Portable(bytes)` and `sm3Portable.create().update(a).update(b).digest()`,
 * so it plugs into noble's `hmac`/`hkdf`.
 */
import { HashMD } from "@noble/hashes/_md.js";
import { clean, createHasher, rotl } from "@noble/hashes/utils.js";

/** Initial value IV (GB/T 32905 §4.1). */
const SM3_IV = /* @__PURE__ */ Uint32Array.from([
  0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e,
]);

/** Round constants T_j <<< (j mod 32), precomputed (§4.2, §5.3.3). */
const SM3_TJ = /* @__PURE__ */ (() => {
  const t = new Uint32Array(64);
  for (let j = 0; j < 64; j++) t[j] = rotl(j < 16 ? 0x79cc4519 : 0x7a879d8a, j % 32);
  return t;
})();

/** Message expansion W_0..W_67 (§5.3.2); W'_j = W_j ^ W_{j+4} is formed inline. Shared, wiped after use. */
const SM3_W = /* @__PURE__ */ new Uint32Array(68);

const P0 = (x: number): number => x ^ rotl(x, 9) ^ rotl(x, 17);
const P1 = (x: number): number => x ^ rotl(x, 15) ^ rotl(x, 23);

/** The SM3 compression engine. Use `sm3Portable` rather than this class directly. */
export class SM3 extends HashMD<SM3> {
  // Numeric initialisers keep V8's field representation small-integer/double (see noble's sha2).
  protected A = 0;
  protected B = 0;
  protected C = 0;
  protected D = 0;
  protected E = 0;
  protected F = 0;
  protected G = 0;
  protected H = 0;

  constructor() {
    super(64, 32, 8, false);
    this.A = SM3_IV[0]! | 0;
    this.B = SM3_IV[1]! | 0;
    this.C = SM3_IV[2]! | 0;
    this.D = SM3_IV[3]! | 0;
    this.E = SM3_IV[4]! | 0;
    this.F = SM3_IV[5]! | 0;
    this.G = SM3_IV[6]! | 0;
    this.H = SM3_IV[7]! | 0;
  }

  protected get(): [number, number, number, number, number, number, number, number] {
    const { A, B, C, D, E, F, G, H } = this;
    return [A, B, C, D, E, F, G, H];
  }

  protected set(
    A: number,
    B: number,
    C: number,
    D: number,
    E: number,
    F: number,
    G: number,
    H: number,
  ): void {
    this.A = A | 0;
    this.B = B | 0;
    this.C = C | 0;
    this.D = D | 0;
    this.E = E | 0;
    this.F = F | 0;
    this.G = G | 0;
    this.H = H | 0;
  }

  _cloneInto(to?: SM3): SM3 {
    const target = to ?? new SM3();
    target.set(...this.get());
    return this._cloneIntoMeta(target);
  }

  protected process(view: DataView, offset: number): void {
    const W = SM3_W;
    for (let i = 0; i < 16; i++, offset += 4) W[i] = view.getUint32(offset, false);
    for (let j = 16; j < 68; j++) {
      W[j] = P1(W[j - 16]! ^ W[j - 9]! ^ rotl(W[j - 3]!, 15)) ^ rotl(W[j - 13]!, 7) ^ W[j - 6]!;
    }
    let { A, B, C, D, E, F, G, H } = this;
    for (let j = 0; j < 64; j++) {
      const a12 = rotl(A, 12);
      const SS1 = rotl((a12 + E + SM3_TJ[j]!) | 0, 7);
      const SS2 = SS1 ^ a12;
      const Wj = W[j]!;
      const Wj1 = Wj ^ W[j + 4]!;
      let ff: number;
      let gg: number;
      if (j < 16) {
        ff = A ^ B ^ C;
        gg = E ^ F ^ G;
      } else {
        ff = (A & B) | (A & C) | (B & C);
        gg = (E & F) | (~E & G);
      }
      const TT1 = (ff + D + SS2 + Wj1) | 0;
      const TT2 = (gg + H + SS1 + Wj) | 0;
      D = C;
      C = rotl(B, 9);
      B = A;
      A = TT1;
      H = G;
      G = rotl(F, 19);
      F = E;
      E = P0(TT2);
    }
    // V(i+1) = ABCDEFGH xor V(i)
    this.set(A ^ this.A, B ^ this.B, C ^ this.C, D ^ this.D, E ^ this.E, F ^ this.F, G ^ this.G, H ^ this.H);
  }

  protected roundClean(): void {
    clean(SM3_W);
  }

  destroy(): void {
    this.destroyed = true;
    this.set(0, 0, 0, 0, 0, 0, 0, 0);
    clean(this.buffer);
  }
}

/**
 * SM3 in pure JavaScript with the @noble/hashes shape: callable on bytes, and `.create()` for
 * incremental hashing. `outputLen` 32, `blockLen` 64. OID 1.2.156.10197.1.401.
 */
export const sm3Portable = /* @__PURE__ */ createHasher(() => new SM3(), {
  oid: /* @__PURE__ */ Uint8Array.from([0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x11]),
});
