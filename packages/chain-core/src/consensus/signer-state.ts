/**
 * The double-sign guard (CometBFT privval `CheckHRS`): the last (height, round, step) this key signed,
 * with the value hash and exact sign bytes, persisted through the {@link KvStore} *before* the
 * signed message leaves the node. It refuses a different message for the same (h, r, step) and
 * anything at an earlier (h, r, step) — also after a restart, since it reloads from the store.
 * Re-signing the identical message is allowed (BLS signatures are deterministic, so it is the same
 * signature), which lets a restarted node re-send what it already sent.
 */
import { equalBytes } from "@tandem/crypto";
import { type ByteReader, ByteWriter, decodeAll } from "../encoding.js";
import { ChainCoreError, ChainCoreErrorCode } from "../errors.js";
import type { KvStore } from "../store/interface.js";
import { SIGNER_STATE_KEY } from "./keys.js";
import { HASH_LENGTH } from "./sign-bytes.js";
import { STEP_ORDER, type Step } from "./types.js";

export interface SignRequest {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  /** Null for a nil vote. */
  readonly valueHash: Uint8Array | null;
  readonly signBytes: Uint8Array;
}

/** What the guard keeps: the last request and the signature it got (to re-send the same message). */
export interface SignedState extends SignRequest {
  readonly signature: Uint8Array;
}

/** `new`: later than anything signed; `same`: identical to the last signed message. */
export type SignCheck =
  | { readonly kind: "new" }
  | { readonly kind: "same" }
  | { readonly kind: "refused"; readonly reason: "regression" | "conflict" };

const STEPS: Step[] = ["propose", "prevote", "precommit"];

export function encodeSignedState(s: SignedState): Uint8Array {
  const w = new ByteWriter(160 + s.signBytes.length);
  w.u64(s.height).u32(s.round).u8(STEP_ORDER[s.step]);
  if (s.valueHash === null) w.bool(false);
  else w.bool(true).bytes(s.valueHash);
  w.bytes(s.signBytes).bytes(s.signature);
  return w.finish();
}

export function decodeSignedState(bytes: Uint8Array): SignedState {
  return decodeAll(bytes, "signer state", (r: ByteReader) => {
    const height = r.u64("height");
    const round = r.u32("round");
    const step = STEPS[r.u8("step") - 1];
    if (step === undefined)
      throw new ChainCoreError(ChainCoreErrorCode.CODEC_MALFORMED, "signer state: bad step");
    const valueHash = r.bool("hash present") ? r.bytes(HASH_LENGTH, "valueHash") : null;
    const signBytes = r.bytes(1 << 16, "signBytes");
    const signature = r.bytes(1024, "signature");
    return { height, round, step, valueHash, signBytes, signature };
  });
}

/** −1, 0 or 1 comparing (height, round, step). */
export function compareHrs(a: SignRequest, b: SignRequest): number {
  if (a.height !== b.height) return a.height < b.height ? -1 : 1;
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  const sa = STEP_ORDER[a.step];
  const sb = STEP_ORDER[b.step];
  return sa === sb ? 0 : sa < sb ? -1 : 1;
}

export class DoubleSignGuard {
  private lastSigned: SignedState | undefined;

  private constructor(
    private readonly store: KvStore,
    last: SignedState | undefined,
  ) {
    this.lastSigned = last;
  }

  /** Loads the last signed state from the store (none on a fresh key). */
  static load(store: KvStore): DoubleSignGuard {
    const raw = store.get(SIGNER_STATE_KEY);
    return new DoubleSignGuard(store, raw === undefined ? undefined : decodeSignedState(raw));
  }

  /** The last signed message (with its signature), if any. */
  get last(): SignedState | undefined {
    return this.lastSigned;
  }

  check(req: SignRequest): SignCheck {
    const last = this.lastSigned;
    if (last === undefined) return { kind: "new" };
    const c = compareHrs(req, last);
    if (c > 0) return { kind: "new" };
    if (c < 0) return { kind: "refused", reason: "regression" };
    return equalBytes(req.signBytes, last.signBytes)
      ? { kind: "same" }
      : { kind: "refused", reason: "conflict" };
  }

  /** Throws DOUBLE_SIGN_REFUSED unless `check` allows the request. */
  assertAllowed(req: SignRequest): SignCheck {
    const c = this.check(req);
    if (c.kind === "refused") {
      throw new ChainCoreError(ChainCoreErrorCode.DOUBLE_SIGN_REFUSED, `double-sign guard: ${c.reason}`, {
        height: req.height,
        round: req.round,
        step: req.step,
        reason: c.reason,
      });
    }
    return c;
  }

  /**
   * The store entry recording `signed`; write it in the same atomic batch as anything that depends on
   * it, before the signed message leaves the node, then call {@link markPersisted}.
   */
  entry(signed: SignedState): [Uint8Array, Uint8Array] {
    return [SIGNER_STATE_KEY, encodeSignedState(signed)];
  }

  /** Call after the write holding {@link entry} has resolved (is durable). */
  markPersisted(signed: SignedState): void {
    const last = this.lastSigned;
    if (last === undefined || compareHrs(signed, last) >= 0) this.lastSigned = signed;
  }

  /**
   * Checks `req`, signs it with `sign` only if allowed, durably records it and returns the signature.
   * Throws DOUBLE_SIGN_REFUSED when refused. For callers that do not need to batch the guard entry.
   */
  async sign(
    req: SignRequest,
    sign: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    const c = this.assertAllowed(req);
    if (c.kind === "same") return (this.lastSigned as SignedState).signature;
    const signed: SignedState = { ...req, signature: await sign(req.signBytes) };
    await this.store.write({ put: [this.entry(signed)] });
    this.markPersisted(signed);
    return signed.signature;
  }
}
