/**
 * Demo traffic: a few signed transfers per second on each chain, over NATS like any client, between
 * the devnet's funded accounts. Nonces come from the chain (getAccount) at start and after a refusal,
 * so a devnet that was stopped and started again continues where its accounts are.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { ChainRpcClient } from "@tandem/chain-runtime";
import { isLedgerError } from "@tandem/ledger";
import type { ClusterChain } from "./cluster.js";
import { transferTx } from "./cluster.js";

interface ChainTraffic {
  readonly chain: ClusterChain;
  readonly rpc: ChainRpcClient;
  readonly nonces: Map<string, number>;
  readonly pending: string[];
  next: number;
  sent: number;
  committed: number;
  rejected: number;
}

export class DemoTraffic {
  private readonly chains: ChainTraffic[];
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    nc: NatsConnection,
    chains: readonly ClusterChain[],
    private readonly perSecond: number,
  ) {
    this.chains = chains.map((chain) => ({
      chain,
      rpc: new ChainRpcClient(nc, chain.chainId, { timeoutMs: 5000 }),
      nonces: new Map(),
      pending: [],
      next: 0,
      sent: 0,
      committed: 0,
      rejected: 0,
    }));
  }

  start(): void {
    if (this.perSecond <= 0) return;
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(1000 / this.perSecond)));
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  stats(chainId: string): { sent: number; committed: number; rejected: number } | undefined {
    const c = this.chains.find((x) => x.chain.chainId === chainId);
    return c === undefined ? undefined : { sent: c.sent, committed: c.committed, rejected: c.rejected };
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await Promise.all(this.chains.map((c) => this.step(c)));
    } finally {
      this.busy = false;
    }
  }

  private async step(c: ChainTraffic): Promise<void> {
    const accounts = c.chain.accounts;
    const i = c.next++ % accounts.length;
    const from = accounts[i];
    const to = accounts[(i + 1) % accounts.length];
    if (from === undefined || to === undefined) return;
    try {
      let nonce = c.nonces.get(from.address);
      if (nonce === undefined) {
        nonce = (await c.rpc.getAccount(from.address)).nonce;
      }
      const r = await c.rpc.submitTx(transferTx(c.chain, from, to.address, 1n, nonce, "devnet demo"));
      c.nonces.set(from.address, nonce + 1);
      c.sent++;
      c.pending.push(r.hash);
    } catch (e) {
      c.rejected++;
      // Re-read the nonce next time (a node restarted, or an earlier tx never made it).
      c.nonces.delete(from.address);
      if (!isLedgerError(e)) return;
    }
    // Check the oldest few pending txs.
    for (const hash of c.pending.slice(0, 8)) {
      try {
        await c.rpc.getTx(hash);
        c.committed++;
        c.pending.splice(c.pending.indexOf(hash), 1);
      } catch {
        break;
      }
    }
    if (c.pending.length > 1000) c.pending.splice(0, c.pending.length - 1000);
  }
}
