/**
 * `/health` (terminus): up when NATS is connected, the node has the peers a quorum needs, and it is in
 * consensus (synced); 503 with the failing indicators otherwise.
 */
import { Controller, Get, Inject } from "@nestjs/common";
import { HealthCheck, HealthCheckService, HealthIndicatorService } from "@nestjs/terminus";
import type { NodeRuntime } from "@tandem/chain-runtime";
import type { NatsLink } from "./nats-link.js";
import { NATS_LINK, NODE_RUNTIME } from "./tokens.js";

@Controller()
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(NATS_LINK) private readonly nats: NatsLink,
  ) {}

  /** Peers a node needs: a chain of one validator needs none; otherwise at least one. */
  private minPeers(): number {
    return this.runtime.chain.validatorPeerIds.length > 1 ? 1 : 0;
  }

  @Get("health")
  @HealthCheck()
  check() {
    const r = this.runtime;
    return this.health.check([
      () => {
        const i = this.indicators.check("nats");
        return this.nats.isConnected ? i.up() : i.down({ message: "not connected to NATS" });
      },
      () => {
        const i = this.indicators.check("peers");
        const peers = r.p2p.peers().length;
        return peers >= this.minPeers() ? i.up({ peers }) : i.down({ peers, message: "no peers" });
      },
      () => {
        const i = this.indicators.check("synced");
        const data = { mode: r.node.mode, height: r.node.height };
        return r.node.mode === "consensus" ? i.up(data) : i.down(data);
      },
    ]);
  }
}
