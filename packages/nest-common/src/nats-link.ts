/**
 * The service's own NATS connection (the Nest microservice keeps another for RPC): it publishes the
 * block stream and tells health checks whether NATS is reachable. It reconnects forever; the block
 * publisher resumes from the stream's last height after an outage.
 */

import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@tandem/chain-core";

export class NatsLink {
  private connected = true;
  private closed = false;

  private constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    void this.watch();
  }

  static async connect(servers: readonly string[], name: string, log: Logger): Promise<NatsLink> {
    const nc = await connect({
      servers: [...servers],
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
    });
    return new NatsLink(nc, log);
  }

  get isConnected(): boolean {
    return this.connected && !this.closed && !this.nc.isClosed();
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === "disconnect") {
        this.connected = false;
        this.log.warn("NATS disconnected", {});
      } else if (s.type === "reconnect") {
        this.connected = true;
        this.log.info("NATS reconnected", {});
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
