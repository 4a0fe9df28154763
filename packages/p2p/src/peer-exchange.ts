import { multiaddr } from "@multiformats/multiaddr";
import { P2PError } from "./errors.js";
import { normalizePeerId } from "./identity.js";

/**
 * Peer exchange: a node asks a connected peer for the peers it is connected to, with their listen
 * addresses, and dials those it does not know yet. With bootstrap seeds this grows the seeds' star
 * into a full mesh (every validator connected to every other), which consensus latency needs.
 * Addresses learned this way are hints only: the Noise handshake proves the peer id, and the
 * allowlist gater still decides who may connect.
 *
 * Wire format (the response; the request is empty):
 *   u16be count ≤ 64, then per peer: u16be len ‖ peer id (ASCII), u8 addrCount ≤ 8,
 *   then per address: u16be len ‖ multiaddr string (ASCII).
 */

export const PEER_EXCHANGE_PROTOCOL = "/tandem/pex/1";
export const MAX_PEX_PEERS = 64;
export const MAX_PEX_ADDRS = 8;
const MAX_STRING = 512;
export const MAX_PEX_RESPONSE_BYTES =
  2 + MAX_PEX_PEERS * (2 + MAX_STRING + 1 + MAX_PEX_ADDRS * (2 + MAX_STRING));

export interface PeerRecord {
  id: string;
  addrs: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder("ascii", { fatal: true });

/** Encodes at most {@link MAX_PEX_PEERS} records with at most {@link MAX_PEX_ADDRS} addresses each. */
export function encodePeerRecords(records: readonly PeerRecord[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    size += b.byteLength;
  };
  const str = (s: string) => {
    const b = enc.encode(s);
    if (b.byteLength > MAX_STRING) throw new P2PError("P2P_INVALID_ARGUMENT", "peer record string too long");
    push(new Uint8Array([b.byteLength >> 8, b.byteLength & 0xff]));
    push(b);
  };
  const kept = records.slice(0, MAX_PEX_PEERS);
  push(new Uint8Array([kept.length >> 8, kept.length & 0xff]));
  for (const r of kept) {
    str(r.id);
    const addrs = r.addrs.filter((a) => enc.encode(a).byteLength <= MAX_STRING).slice(0, MAX_PEX_ADDRS);
    push(new Uint8Array([addrs.length]));
    for (const a of addrs) str(a);
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

/**
 * Decodes a peer exchange response. Throws P2P_PROTOCOL_ERROR on anything malformed (truncation,
 * trailing bytes, over-long lists, non-ASCII); records whose peer id or addresses do not parse are
 * dropped rather than failing the whole list.
 */
export function decodePeerRecords(bytes: Uint8Array): PeerRecord[] {
  let off = 0;
  const bad = (why: string): never => {
    throw new P2PError("P2P_PROTOCOL_ERROR", `malformed peer exchange response: ${why}`);
  };
  const u8 = (): number => {
    if (off + 1 > bytes.length) bad("truncated");
    return bytes[off++]!;
  };
  const u16 = (): number => (u8() << 8) | u8();
  const str = (): string => {
    const n = u16();
    if (n > MAX_STRING) bad("string too long");
    if (off + n > bytes.length) bad("truncated");
    let s = "";
    try {
      s = dec.decode(bytes.subarray(off, off + n));
    } catch {
      bad("not ASCII");
    }
    off += n;
    return s;
  };
  const count = u16();
  if (count > MAX_PEX_PEERS) bad("too many peers");
  const out: PeerRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = str();
    const n = u8();
    if (n > MAX_PEX_ADDRS) bad("too many addresses");
    const addrs: string[] = [];
    for (let j = 0; j < n; j++) addrs.push(str());
    let peer: string;
    try {
      peer = normalizePeerId(id);
    } catch {
      continue;
    }
    const valid = addrs.filter((a) => {
      try {
        multiaddr(a);
        return true;
      } catch {
        return false;
      }
    });
    if (valid.length > 0) out.push({ id: peer, addrs: valid });
  }
  if (off !== bytes.length) bad("trailing bytes");
  return out;
}
