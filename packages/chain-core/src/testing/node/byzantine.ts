/**
 * Byzantine behaviours of one validator as {@link MemoryNetwork} interceptors on what it sends:
 * silence, and equivocation (every own vote goes out with a validly signed, conflicting twin).
 */
import { bytesToHex, sha256 } from "@tandem/crypto";
import type { HashFn } from "@tandem/ledger";
import { decodeConsensusMessage, encodeConsensusMessage } from "../../consensus/codec.js";
import { voteSignBytes } from "../../consensus/sign-bytes.js";
import type { VoteSigner } from "../../consensus/signer.js";
import type { Vote } from "../../consensus/types.js";
import type { MessageInterceptor } from "../../network/memory-network.js";
import type { Prng } from "../sim/prng.js";

/** Drops every consensus message `peerId` sends (it still receives, syncs and gossips txs). */
export function silentInterceptor(peerId: string): MessageInterceptor {
  return (msg) => (msg.from === peerId && msg.topic !== "txs" ? [] : undefined);
}

export interface EquivocationStats {
  twins: number;
}

/**
 * Sends each own vote of `peerId` together with a conflicting twin (another block hash, or nil for a
 * block vote), signed with its own key — provable double signing. One twin per original vote, the same
 * for every recipient. `signer` must sign synchronously.
 */
export function equivocatingInterceptor(
  peerId: string,
  signer: VoteSigner,
  rng: Prng,
  hash: HashFn = sha256,
  stats: EquivocationStats = { twins: 0 },
): MessageInterceptor {
  const twins = new Map<string, Uint8Array>();
  return (msg) => {
    if (msg.from !== peerId || msg.topic !== "votes" || msg.data[0] !== 2) return undefined;
    const key = bytesToHex(sha256(msg.data));
    let twin = twins.get(key);
    if (twin === undefined) {
      const decoded = decodeConsensusMessage(msg.data);
      if (decoded.kind !== "vote") return undefined;
      const v = decoded.vote;
      const blockHash = v.blockHash === null || rng.bool() ? rng.bytes(32) : null;
      const unsigned = { ...v, blockHash };
      const signature = signer.sign(voteSignBytes(unsigned, hash));
      if (!(signature instanceof Uint8Array)) throw new Error("equivocation needs a synchronous signer");
      const vote: Vote = { ...unsigned, signature };
      twin = encodeConsensusMessage({ kind: "vote", vote });
      twins.set(key, twin);
      stats.twins++;
      if (twins.size > 10_000) twins.clear();
    }
    return rng.bool() ? [msg.data, twin] : [twin, msg.data];
  };
}
