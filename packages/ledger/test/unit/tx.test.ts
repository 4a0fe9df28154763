import { concatBytes as concat, ed25519, sha256, sm3 } from "@tandem/crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accountAddress,
  assertTxSignature,
  decodeTx,
  defaultTxKinds,
  encodeTx,
  encodeUnsignedTx,
  formatTandemAccountId,
  isTxOfKind,
  LedgerError,
  LedgerErrorCode,
  type Reader,
  registerTxKind,
  type SignedTx,
  signTx,
  signTxWith,
  TRANSFER_KIND,
  type TransferPayload,
  TxKindRegistry,
  txHash,
  txSenderAddress,
  txSignBytes,
  type UnsignedTx,
  verifyTxSignature,
  type Writer,
} from "../../src/index.js";
import { signedTxArb } from "../arbitraries.js";
import { CHAIN, HOME_CHAIN, hexOf, keyPair, signedTransfer, transferDraft } from "../fixtures.js";

const SCHEMES = ["ed25519", "secp256k1", "sm2"] as const;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return "no error";
}

describe("transactions: signing and verification", () => {
  for (const scheme of SCHEMES) {
    it(`signs and verifies a transfer with ${scheme}`, () => {
      const tx = signedTransfer(scheme);
      expect(tx.scheme).toBe(scheme);
      expect(tx.sender).toEqual(keyPair(scheme).publicKey);
      expect(verifyTxSignature(tx)).toBe(true);
      expect(() => assertTxSignature(tx)).not.toThrow();
      const back = decodeTx(encodeTx(tx));
      expect(back).toEqual(tx);
      expect(verifyTxSignature(back)).toBe(true);
    });

    it(`rejects a wrong ${scheme} signature with false and TX_BAD_SIGNATURE`, () => {
      const tx = signedTransfer(scheme);
      const sig = tx.signature.slice();
      sig[10]! ^= 0x40;
      const bad = { ...tx, signature: sig };
      expect(verifyTxSignature(bad)).toBe(false);
      expect(code(() => assertTxSignature(bad))).toBe(LedgerErrorCode.TX_BAD_SIGNATURE);
      // Any change to a signed field breaks the signature too.
      expect(verifyTxSignature({ ...tx, nonce: tx.nonce + 1 })).toBe(false);
      expect(verifyTxSignature({ ...tx, expiryHeight: 0 })).toBe(false);
      expect(verifyTxSignature({ ...tx, payload: { ...tx.payload, amount: tx.payload.amount + 1n } })).toBe(
        false,
      );
      expect(verifyTxSignature({ ...tx, sender: keyPair(scheme, "mallory").publicKey })).toBe(false);
      expect(verifyTxSignature({ ...tx, signature: tx.signature.subarray(0, 63) })).toBe(false);
    });
  }

  it("rejects a signature made under another scheme", () => {
    const tx = signedTransfer("secp256k1");
    expect(verifyTxSignature({ ...tx, scheme: "sm2" })).toBe(false);
  });

  it("signs over the chain's hash suite (SM3 sign bytes differ and do not verify under SHA-256)", () => {
    const tx = signedTransfer("sm2", { hash: sm3 });
    expect(verifyTxSignature(tx, { hash: sm3 })).toBe(true);
    expect(verifyTxSignature(tx, { hash: sha256 })).toBe(false);
    expect(hexOf(txSignBytes(tx, { hash: sm3 }))).not.toBe(hexOf(txSignBytes(tx)));
  });

  it("defines sign bytes as H('tandem/tx/v1' ‖ unsigned encoding) and the tx hash as its RFC 6962 leaf hash H(0x00 ‖ tx)", () => {
    const tx = signedTransfer("ed25519");
    const unsigned = encodeUnsignedTx(tx);
    const tag = new TextEncoder().encode("tandem/tx/v1");
    expect(hexOf(txSignBytes(tx))).toBe(hexOf(sha256(new Uint8Array([...tag, ...unsigned]))));
    const full = encodeTx(tx);
    expect(hexOf(full.subarray(0, unsigned.length))).toBe(hexOf(unsigned));
    expect(hexOf(txHash(tx))).toBe(hexOf(sha256(concat(new Uint8Array([0]), full))));
    expect(hexOf(txHash(full))).toBe(hexOf(sha256(concat(new Uint8Array([0]), full))));
  });

  it("refuses to sign when the draft's sender or scheme disagree with the key", () => {
    const { secretKey } = keyPair("ed25519");
    expect(code(() => signTx(transferDraft({ sender: new Uint8Array(32) }), secretKey, "ed25519"))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
    expect(code(() => signTx(transferDraft({ scheme: "sm2" }), secretKey, "ed25519"))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
    expect(code(() => signTx(transferDraft(), secretKey, "sm9" as never))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
  });

  it("verifies SM9 only through the caller's hook", () => {
    const identity = new TextEncoder().encode("fridge-01@home-7f3a");
    const unsigned: UnsignedTx<TransferPayload> = {
      ...transferDraft({ chainId: HOME_CHAIN }),
      scheme: "sm9",
      sender: identity,
    };
    // A stand-in SM9 signer: the hook below plays the chain's SM9 verifier.
    const tx = signTxWith(unsigned, (m) => sha256(new Uint8Array([...identity, ...m])));
    const hook = (t: SignedTx, m: Uint8Array) =>
      hexOf(t.signature) === hexOf(sha256(new Uint8Array([...t.sender, ...m])));
    expect(verifyTxSignature(tx)).toBe(false);
    expect(verifyTxSignature(tx, { sm9: hook })).toBe(true);
    expect(verifyTxSignature({ ...tx, nonce: 8 }, { sm9: hook })).toBe(false);
    expect(code(() => assertTxSignature(tx))).toBe(LedgerErrorCode.TX_BAD_SIGNATURE);
    expect(decodeTx(encodeTx(tx))).toEqual(tx);
  });

  it("signs with an external signer", () => {
    const { secretKey } = keyPair("ed25519");
    const unsigned = { ...transferDraft(), scheme: "ed25519" as const, sender: keyPair("ed25519").publicKey };
    const tx = signTxWith(unsigned, (m) => ed25519.sign(m, secretKey));
    expect(verifyTxSignature(tx)).toBe(true);
    expect(tx.signature).toEqual(signedTransfer("ed25519").signature);
  });
});

describe("transactions: addresses", () => {
  it("derives the address as the first 20 bytes of H(scheme id ‖ sender)", () => {
    const { publicKey } = keyPair("ed25519");
    const addr = accountAddress("ed25519", publicKey);
    expect(hexOf(addr)).toBe(hexOf(sha256(new Uint8Array([0, ...publicKey])).subarray(0, 20)));
    expect(formatTandemAccountId(CHAIN, addr)).toMatch(/^tandem:acme:[0-9a-f]{40}$/);
    expect(txSenderAddress(signedTransfer("ed25519"))).toEqual(addr);
  });

  it("gives the same key bytes different addresses under different schemes and suites", () => {
    const pk = keyPair("sm2").publicKey;
    expect(hexOf(accountAddress("sm2", pk))).not.toBe(hexOf(accountAddress("secp256k1", pk)));
    expect(hexOf(accountAddress("sm2", pk, sm3))).not.toBe(hexOf(accountAddress("sm2", pk)));
    expect(code(() => accountAddress("ed25519", pk))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
  });
});

describe("transactions: canonical encoding", () => {
  it("round-trips every transaction (property)", () => {
    fc.assert(
      fc.property(signedTxArb, (tx) => {
        const bytes = encodeTx(tx);
        const back = decodeTx(bytes);
        expect(back).toEqual(tx);
        expect(encodeTx(back)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects unknown kind ids and scheme ids with DECODE_UNKNOWN_KIND", () => {
    const bytes = encodeTx(signedTransfer("ed25519"));
    const kindAt = 1 + CHAIN.length;
    const unknownKind = bytes.slice();
    unknownKind[kindAt + 1] = 0x77;
    expect(code(() => decodeTx(unknownKind))).toBe(LedgerErrorCode.DECODE_UNKNOWN_KIND);
    const unknownScheme = bytes.slice();
    unknownScheme[kindAt + 2] = 4;
    expect(code(() => decodeTx(unknownScheme))).toBe(LedgerErrorCode.DECODE_UNKNOWN_KIND);
  });

  it("rejects a sender or signature whose length does not fit the scheme", () => {
    const tx = signedTransfer("ed25519");
    expect(code(() => encodeTx({ ...tx, sender: new Uint8Array(33) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
    expect(code(() => encodeTx({ ...tx, signature: new Uint8Array(65) }))).toBe(
      LedgerErrorCode.ENCODE_INVALID_VALUE,
    );
    const bytes = encodeTx(tx);
    const senderLenAt = 1 + CHAIN.length + 3;
    expect(bytes[senderLenAt]).toBe(32);
    const wrong = bytes.slice();
    wrong[senderLenAt] = 31;
    expect(code(() => decodeTx(wrong))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("rejects bad transfer payloads on encode and decode", () => {
    const tx = signedTransfer("ed25519");
    const p = tx.payload;
    for (const bad of [
      { ...p, amount: 0n },
      { ...p, amount: -1n },
      { ...p, amount: 1n << 128n },
      { ...p, to: new Uint8Array(19) },
      { ...p, memo: "x".repeat(257) },
    ]) {
      expect(code(() => encodeTx({ ...tx, payload: bad }))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    }
    expect(code(() => encodeTx({ ...tx, payload: { ...p, denom: "ETH" } }))).toBe(
      LedgerErrorCode.DENOM_INVALID,
    );
    // Layout: chainId (1 + 11) ‖ kind 2 ‖ scheme 1 ‖ sender (1 + 32) ‖ nonce 8 ‖ expiry 8 ‖ payload length 1.
    const bytes = encodeTx(tx);
    const payloadStart = 1 + CHAIN.length + 3 + 1 + 32 + 16 + 1;
    const zeroAmount = bytes.slice();
    zeroAmount.fill(0, payloadStart + 20, payloadStart + 36);
    expect(code(() => decodeTx(zeroAmount))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
    const badDenom = bytes.slice();
    badDenom[payloadStart + 37] = "T".charCodeAt(0); // "Tandem:…" is not a CAIP-2 namespace
    expect(code(() => decodeTx(badDenom))).toBe(LedgerErrorCode.DECODE_INVALID_VALUE);
  });

  it("rejects a chain id that is not CAIP-2", () => {
    const tx = signedTransfer("ed25519");
    expect(code(() => encodeTx({ ...tx, chainId: "acme" }))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    const bytes = encodeTx(tx);
    bytes[1] = "T".charCodeAt(0);
    expect(code(() => decodeTx(bytes))).toBe(LedgerErrorCode.DECODE_INVALID_VALUE);
  });

  it("refuses unsafe nonces and heights on encode and over-large ones on decode", () => {
    const tx = signedTransfer("ed25519");
    expect(code(() => encodeTx({ ...tx, nonce: 2 ** 53 }))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    expect(code(() => encodeTx({ ...tx, expiryHeight: -1 }))).toBe(LedgerErrorCode.ENCODE_INVALID_VALUE);
    const bytes = encodeTx(tx);
    const nonceAt = 1 + CHAIN.length + 3 + 1 + 32;
    bytes[nonceAt] = 0xff;
    expect(code(() => decodeTx(bytes))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });

  it("rejects oversized input before parsing", () => {
    expect(code(() => decodeTx(new Uint8Array(200_000)))).toBe(LedgerErrorCode.DECODE_OUT_OF_RANGE);
  });
});

describe("transactions: the payload-kind registry", () => {
  interface Ping {
    n: number;
  }
  const pingCodec = {
    encode: (w: Writer, p: Ping) => {
      w.u32(p.n);
    },
    decode: (r: Reader): Ping => ({ n: r.u32("n") }),
  };

  it("adds kinds without touching the envelope", () => {
    const registry = new TxKindRegistry();
    const def = registry.register<Ping>({ kind: "test.ping", id: 900, codec: pingCodec });
    const { secretKey } = keyPair("ed25519");
    const tx = signTx(
      { chainId: CHAIN, kind: "test.ping", nonce: 1, expiryHeight: 0, payload: { n: 42 } },
      secretKey,
      "ed25519",
      {
        registry,
      },
    );
    const bytes = encodeTx(tx, { registry });
    const back = decodeTx(bytes, { registry });
    expect(back.payload).toEqual({ n: 42 });
    expect(isTxOfKind(back, def)).toBe(true);
    expect(verifyTxSignature(back, { registry })).toBe(true);
    // The default registry does not know the kind.
    expect(code(() => decodeTx(bytes))).toBe(LedgerErrorCode.DECODE_UNKNOWN_KIND);
    expect(code(() => encodeTx(tx))).toBe(LedgerErrorCode.TX_UNKNOWN_KIND);
  });

  it("requires a kind's codec to consume its payload exactly", () => {
    const registry = new TxKindRegistry();
    registry.register<Ping>({
      kind: "lazy",
      id: 5,
      codec: { encode: pingCodec.encode, decode: () => ({ n: 0 }) },
    });
    const { secretKey } = keyPair("ed25519");
    const tx = signTx(
      { chainId: CHAIN, kind: "lazy", nonce: 1, expiryHeight: 0, payload: { n: 1 } },
      secretKey,
      "ed25519",
      {
        registry,
      },
    );
    expect(code(() => decodeTx(encodeTx(tx, { registry }), { registry }))).toBe(
      LedgerErrorCode.DECODE_TRAILING_BYTES,
    );
  });

  it("rejects clashing or malformed registrations with TX_KIND_CONFLICT", () => {
    const registry = new TxKindRegistry();
    const def = { kind: "a", id: 10, codec: pingCodec };
    registry.register(def);
    expect(registry.register(def)).toBe(registry.byId(10));
    expect(code(() => registry.register({ kind: "a", id: 11, codec: pingCodec }))).toBe(
      LedgerErrorCode.TX_KIND_CONFLICT,
    );
    expect(code(() => registry.register({ kind: "b", id: 10, codec: pingCodec }))).toBe(
      LedgerErrorCode.TX_KIND_CONFLICT,
    );
    expect(code(() => registry.register({ kind: "a", id: 10, codec: { ...pingCodec } }))).toBe(
      LedgerErrorCode.TX_KIND_CONFLICT,
    );
    for (const bad of [
      { kind: "Bad", id: 12, codec: pingCodec },
      { kind: "c", id: 0, codec: pingCodec },
      { kind: "c", id: 65536, codec: pingCodec },
      { kind: "c", id: 13, codec: {} },
      { kind: "c", id: 14, codec: pingCodec, maxPayloadBytes: 1 << 20 },
    ]) {
      expect(code(() => registry.register(bad as never))).toBe(LedgerErrorCode.TX_KIND_CONFLICT);
    }
    expect(registry.list().map((d) => d.kind)).toEqual(["a"]);
  });

  it("has transfer registered by default as id 1", () => {
    expect(defaultTxKinds.byName("transfer")).toBe(TRANSFER_KIND);
    expect(defaultTxKinds.byId(1)).toBe(TRANSFER_KIND);
    expect(registerTxKind(TRANSFER_KIND)).toBe(TRANSFER_KIND);
  });
});
