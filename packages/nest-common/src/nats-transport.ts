/**
 * Serializer and deserializer that make Nest's NATS transport speak the chain's plain JSON RPC: a
 * request is the JSON params object itself (no Nest envelope), so any NATS client in any language can
 * call `tandem.<chain>.rpc.<method>`; the reply is the `{ok, result}` / `{ok:false, error}` envelope
 * the handler returned. Bytes that are not JSON still get an answer (RPC_BAD_REQUEST), never a timeout.
 */
import { randomUUID } from "node:crypto";
import type { Deserializer, IncomingRequest, Serializer } from "@nestjs/microservices";

/** Marks a request body that did not parse, so the handler answers with a coded error. */
export interface MalformedRequest {
  readonly __malformed: string;
}

export function isMalformedRequest(v: unknown): v is MalformedRequest {
  return typeof v === "object" && v !== null && typeof (v as MalformedRequest).__malformed === "string";
}

interface NatsMsgLike {
  readonly data: Uint8Array;
  readonly reply?: string;
}

// Fatal: bytes that are not UTF-8 are refused, not turned into U+FFFD inside a parsed string (as the
// plain-NATS `decodeRpcRequest` of chain-runtime does).
const utf8 = new TextDecoder("utf-8", { fatal: true });

const INTERNAL = JSON.stringify({ ok: false, error: { code: "RPC_INTERNAL", message: "internal error" } });

export class PlainJsonDeserializer implements Deserializer<NatsMsgLike, IncomingRequest> {
  deserialize(msg: NatsMsgLike, options?: { channel?: string; replyTo?: string }): IncomingRequest {
    let data: unknown;
    try {
      const text = utf8.decode(msg.data);
      data = text.trim() === "" ? {} : JSON.parse(text);
    } catch (e) {
      data = { __malformed: `request is not UTF-8 JSON: ${(e as Error).message}` } satisfies MalformedRequest;
    }
    // Nest treats a message without an id as an event and never replies: every request gets one.
    return { pattern: options?.channel ?? "", data, id: randomUUID() };
  }
}

interface OutgoingPacket {
  readonly response?: unknown;
  readonly err?: unknown;
  readonly isDisposed?: boolean;
}

export class PlainJsonSerializer implements Serializer<OutgoingPacket, { data: string }> {
  serialize(packet: OutgoingPacket): { data: string } {
    // Handlers answer with envelopes and do not throw; an err is Nest failing around them.
    if (packet.err !== undefined && packet.err !== null) return { data: INTERNAL };
    try {
      return { data: JSON.stringify(packet.response ?? null) };
    } catch {
      // A throw here would leave the caller without a reply until its timeout (Nest only logs it).
      return { data: INTERNAL };
    }
  }
}
