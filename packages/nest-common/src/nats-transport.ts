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

export class PlainJsonDeserializer implements Deserializer<NatsMsgLike, IncomingRequest> {
  deserialize(msg: NatsMsgLike, options?: { channel?: string; replyTo?: string }): IncomingRequest {
    let data: unknown;
    const text = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString("utf8");
    if (text.trim() === "") data = {};
    else {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = { __malformed: `request is not JSON: ${(e as Error).message}` } satisfies MalformedRequest;
      }
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
    if (packet.err !== undefined && packet.err !== null) {
      // Handlers answer with envelopes and do not throw; this is Nest failing around them.
      return {
        data: JSON.stringify({ ok: false, error: { code: "RPC_INTERNAL", message: "internal error" } }),
      };
    }
    return { data: JSON.stringify(packet.response ?? null) };
  }
}
