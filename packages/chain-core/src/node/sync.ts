/**
 * Block sync: a node that is behind (joined late, restarted after many heights, was partitioned away)
 * asks its peers for blocks with their commits (`getBlocks(fromHeight, max)` on the network port) and
 * applies them through {@link ChainApp.applySynced}, which checks each block against the chain the node
 * knows — chain id, height, previous hash, validators hash (so validator-set changes are followed block
 * by block), the commit against that validator set, the last-commit link, the tx root — then executes
 * it, compares the state root, results root and next-validators hash, and stores it through the same
 * one-write commit path as consensus. A peer that serves anything wrong is refused with a coded error
 * (SYNC_*), left alone for a while, and the next peer is asked. Sync ends when no peer has a block
 * after the node's head; the node then joins consensus (whose decision catch-up covers the last
 * heights decided meanwhile).
 */
import type { Clock } from "../consensus/interface.js";
import { ChainCoreError } from "../errors.js";
import { FailpointCrash } from "../failpoints.js";
import type { Logger } from "../logger.js";
import type { PeerNetwork } from "../network/interface.js";
import type { ChainApp } from "./chain-app.js";
import { decodeBlockWithCommit } from "./codec.js";
import { NodeErrorCode, nodeError } from "./errors.js";
import type { ChainNodeStats } from "./interface.js";

export interface BlockSyncDeps {
  readonly network: PeerNetwork;
  readonly app: ChainApp;
  readonly clock: Clock;
  readonly log: Logger;
  readonly stats: ChainNodeStats;
  readonly batchSize: number;
  readonly peerBackoffMs: number;
  /** Resolves when the node stops: a request in flight is abandoned then. */
  readonly stopSignal: Promise<void>;
}

export class BlockSync {
  /** Peer → time until which it is not asked (it served an invalid block). */
  private readonly benched = new Map<string, number>();
  private rotation = 0;

  constructor(private readonly d: BlockSyncDeps) {}

  /** Peers that served invalid blocks recently. */
  get benchedPeers(): string[] {
    const now = this.d.clock.now();
    return [...this.benched.entries()].filter(([, until]) => until > now).map(([p]) => p);
  }

  /**
   * Syncs until no peer has anything after the head (or `stop()` says so). Returns the blocks applied.
   * Rethrows what is not a peer's fault (a failpoint crash, a store failure).
   */
  async run(stop: () => boolean): Promise<number> {
    const { network, app, log } = this.d;
    let applied = 0;
    this.d.stats.syncRounds++;
    for (;;) {
      if (stop()) return applied;
      const now = this.d.clock.now();
      const all = network.peers().filter((p) => (this.benched.get(p) ?? 0) <= now);
      const start = this.rotation++ % Math.max(1, all.length);
      const peers = [...all.slice(start), ...all.slice(0, start)];
      let progressed = false;
      for (const peer of peers) {
        if (stop()) return applied;
        const from = app.head.height + 1;
        let items: readonly Uint8Array[];
        try {
          const answer = await Promise.race([
            network.getBlocks(peer, from, this.d.batchSize),
            this.d.stopSignal.then(() => undefined),
          ]);
          if (answer === undefined) return applied;
          items = answer;
        } catch (e) {
          log.debug("sync request failed", { peer, error: e instanceof Error ? e.message : String(e) });
          continue;
        }
        if (items.length === 0) continue;
        try {
          if (items.length > this.d.batchSize) {
            throw nodeError(NodeErrorCode.SYNC_MALFORMED, "more blocks than asked for", {
              count: items.length,
            });
          }
          for (const raw of items) {
            if (stop()) return applied;
            let item: ReturnType<typeof decodeBlockWithCommit>;
            try {
              item = decodeBlockWithCommit(raw);
            } catch (cause) {
              throw nodeError(
                NodeErrorCode.SYNC_MALFORMED,
                "block with commit does not decode",
                {},
                { cause },
              );
            }
            await app.applySynced(item);
            applied++;
            progressed = true;
          }
        } catch (e) {
          if (e instanceof FailpointCrash || !isPeerFault(e)) throw e;
          this.d.stats.syncRejected++;
          this.benched.set(peer, this.d.clock.now() + this.d.peerBackoffMs);
          log.warn("sync refused a peer's block", {
            peer,
            code: e.code,
            height: app.head.height + 1,
            reason: (e.meta as { reason?: unknown }).reason,
          });
          continue;
        }
        if (progressed) break;
      }
      if (!progressed) {
        if (applied > 0) log.info("sync caught up", { height: app.head.height, applied });
        return applied;
      }
    }
  }
}

function isPeerFault(e: unknown): e is ChainCoreError {
  return (
    e instanceof ChainCoreError &&
    (e.code === NodeErrorCode.SYNC_COMMIT_INVALID ||
      e.code === NodeErrorCode.SYNC_HEADER_MISMATCH ||
      e.code === NodeErrorCode.SYNC_WRONG_CHAIN ||
      e.code === NodeErrorCode.SYNC_STATE_MISMATCH ||
      e.code === NodeErrorCode.SYNC_MALFORMED)
  );
}
