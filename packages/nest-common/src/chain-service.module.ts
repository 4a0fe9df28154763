/**
 * The Nest module of a chain service: the node runtime (started before Nest, stopped after it), the
 * NATS RPC controller, the JetStream block publisher, `/health`, `/metrics` and logging.
 */
import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from "@nestjs/common";
import { TerminusModule } from "@nestjs/terminus";
import type { Logger } from "@tandem/chain-core";
import { BlockPublisher, type NodeRuntime, proposerTurn, type RpcContext } from "@tandem/chain-runtime";
import { LoggerModule } from "nestjs-pino";
import type { Logger as Pino } from "pino";
import { HealthController } from "./health.js";
import { chainLogger } from "./logging.js";
import { ChainMetrics, MetricsController } from "./metrics.js";
import type { NatsLink } from "./nats-link.js";
import { createRpcController } from "./rpc.controller.js";
import { CHAIN_METRICS, NATS_LINK, NODE_RUNTIME, ROOT_LOGGER, RPC_CONTEXT } from "./tokens.js";

/** Publishes committed blocks to the chain's JetStream stream while the app runs. */
@Injectable()
export class BlockStreamService implements OnApplicationBootstrap, OnApplicationShutdown {
  private publisher: BlockPublisher | undefined;

  constructor(
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(NATS_LINK) private readonly nats: NatsLink,
    @Inject(ROOT_LOGGER) private readonly log: Pino,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.runtime.config.nats.publishBlocks) return;
    const logger: Logger = chainLogger(this.log.child({ component: "block-stream" }));
    // Validators take turns (the proposer of a height publishes it; the others only if it is late);
    // a node that does not vote publishes only as a backup.
    const node = this.runtime.node;
    const ownTurn = this.runtime.isValidator
      ? proposerTurn(node, this.runtime.key.bls.publicKey)
      : () => false;
    this.publisher = new BlockPublisher(this.nats.nc, node, this.runtime.chainId, { logger, ownTurn });
    await this.publisher.start();
  }

  get lastPublishedHeight(): number | undefined {
    return this.publisher?.lastPublishedHeight;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.stop();
  }
}

export interface ChainServiceModuleOptions {
  readonly runtime: NodeRuntime;
  readonly nats: NatsLink;
  readonly logger: Pino;
}

@Module({})
export class ChainServiceModule {
  static forRoot(opts: ChainServiceModuleOptions): DynamicModule {
    const { runtime, nats, logger } = opts;
    const rpcContext: RpcContext = {
      node: runtime.node,
      chainId: runtime.chainId,
      hash: runtime.hash,
      name: runtime.name,
      profile: runtime.config.profile,
      peers: () => runtime.p2p.peers().length,
      natsConnected: () => nats.isConnected,
      denoms: runtime.chain.genesis.denoms ?? [],
      validator: runtime.isValidator,
      logger: chainLogger(logger.child({ component: "rpc" })),
    };
    const controllers = [
      HealthController,
      MetricsController,
      ...(runtime.config.nats.rpc ? [createRpcController(runtime.chainId, runtime.name)] : []),
    ];
    return {
      module: ChainServiceModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: { logger, autoLogging: false },
        }),
      ],
      controllers,
      providers: [
        { provide: NODE_RUNTIME, useValue: runtime },
        { provide: NATS_LINK, useValue: nats },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: RPC_CONTEXT, useValue: rpcContext },
        { provide: CHAIN_METRICS, useClass: ChainMetrics },
        BlockStreamService,
      ],
    };
  }
}
