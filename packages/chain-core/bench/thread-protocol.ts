/**
 * The messages between the threaded bench (throughput.ts) and its node threads (node-thread.ts), and the
 * submit outcome both layouts report. Types and one pure function: importing it runs nothing.
 */
import type { SubmitOutcome } from "../src/mempool/index.js";
import type { PortPeer } from "../src/network/index.js";
import type { ChainNodeOptions } from "../src/node/options.js";

export interface NodeThreadData {
  readonly index: number;
  readonly chainId: string;
  readonly path: string;
  readonly options: ChainNodeOptions;
  readonly peers: readonly PortPeer[];
  /** Report tx hashes of committed blocks (one node does, for the latency clock). */
  readonly reportTxs: boolean;
  /** Write a CPU profile of this thread between the first and second window marks to this file. */
  readonly cpuProfile?: string;
}

export type ToNode =
  | { readonly k: "submit"; readonly id: number; readonly txs: readonly Uint8Array[] }
  | { readonly k: "window" }
  | { readonly k: "blockHash"; readonly id: number; readonly height: number }
  | { readonly k: "stop"; readonly id: number };

export type SubmitOut =
  | { readonly ok: true; readonly hashHex: string }
  | { readonly ok: false; readonly code: string };

export type FromNode =
  | { readonly k: "ready" }
  | { readonly k: "submitted"; readonly id: number; readonly outs: readonly SubmitOut[] }
  | { readonly k: "block"; readonly hashes: readonly string[] }
  | { readonly k: "window"; readonly activeMs: number }
  | {
      readonly k: "blockHash";
      readonly id: number;
      readonly hash: string | null;
      readonly root: string | null;
      readonly nodeHeight: number;
    }
  | { readonly k: "stopped"; readonly id: number; readonly proposalsBuilt: number }
  | { readonly k: "fatal"; readonly error: string };

/** A mempool outcome as the load generator needs it (structured-clone friendly). */
export function submitOut(o: SubmitOutcome): SubmitOut {
  return o.ok ? { ok: true, hashHex: o.hashHex } : { ok: false, code: o.code };
}
