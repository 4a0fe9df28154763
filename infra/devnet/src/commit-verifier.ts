/**
 * The relay's first duty, in miniature: read each chain's committed blocks from its JetStream stream
 * (a durable consumer, so a restarted devnet resumes after its last acked height), queue one bullmq job
 * per block (job id = chain/height, so a redelivered block is not queued twice), and in the worker
 * verify the block's commit as a light client: the header hashes to the committed block hash and > 2/3
 * of the genesis validators' power signed it (one BLS aggregate check). The devnet's validator sets do
 * not change; a chain whose set changed by governance would need `followHeaders` here.
 */
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { BlsVoteVerifier, verifyCommit } from "@tandem/chain-core";
import {
  type BlockConsumer,
  type BlockStreamMessage,
  commitFromJson,
  consumeBlocks,
  headerFromJson,
  readGenesisFile,
} from "@tandem/chain-runtime";
import { createValidatorSet, hashSuite, headerHash, type ValidatorSet } from "@tandem/ledger";
import { Queue, Worker } from "bullmq";
import type { ClusterChain } from "./cluster.js";

const QUEUE = "tandem-devnet-verify-commit";

interface JobData {
  readonly chainId: string;
  readonly block: Pick<BlockStreamMessage, "header" | "commit">;
}

interface ChainCheck {
  readonly chain: ClusterChain;
  readonly validators: ValidatorSet;
  verified: number;
  invalid: number;
  lastHeight: number | undefined;
  lastError: string | undefined;
}

export class CommitVerifier {
  private constructor(
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData>,
    private readonly consumers: BlockConsumer[],
    private readonly checks: Map<string, ChainCheck>,
  ) {}

  static async start(opts: {
    nc: NatsConnection;
    redisHost: string;
    redisPort: number;
    chains: readonly ClusterChain[];
  }): Promise<CommitVerifier> {
    const connection = { host: opts.redisHost, port: opts.redisPort, maxRetriesPerRequest: null };
    const checks = new Map<string, ChainCheck>();
    for (const chain of opts.chains) {
      const g = await readGenesisFile(chain.genesisPath);
      checks.set(chain.chainId, {
        chain,
        validators: createValidatorSet(g.genesis.validators),
        verified: 0,
        invalid: 0,
        lastHeight: undefined,
        lastError: undefined,
      });
    }
    const verifier = await BlsVoteVerifier.create();
    const queue = new Queue<JobData>(QUEUE, { connection });
    const worker = new Worker<JobData>(
      QUEUE,
      async (job) => {
        const check = checks.get(job.data.chainId);
        if (check === undefined) throw new Error(`unknown chain ${job.data.chainId}`);
        const hash = hashSuite(check.chain.hashSuite);
        const header = headerFromJson(job.data.block.header);
        const commit = commitFromJson(job.data.block.commit);
        const r = verifyCommit(
          { chainId: header.chainId, height: header.height, blockHash: headerHash(header, hash) },
          commit,
          check.validators,
          { chainId: check.chain.chainId, verifier, hash },
        );
        if (r.ok) {
          check.verified++;
          check.lastHeight = header.height;
          return { signedPower: r.signedPower.toString(), totalPower: r.totalPower.toString() };
        }
        check.invalid++;
        check.lastError = `${r.code}: ${r.message}`;
        return { invalid: r.code };
      },
      { connection, concurrency: 4 },
    );
    const js = jetstream(opts.nc);
    const consumers: BlockConsumer[] = [];
    for (const chain of opts.chains) {
      consumers.push(
        await consumeBlocks(js, chain.chainId, "devnet-commit-verifier", async (block) => {
          await queue.add(
            "verify",
            { chainId: chain.chainId, block: { header: block.header, commit: block.commit } },
            // bullmq job ids may not contain ":" (CAIP-2 ids do).
            {
              jobId: `${chain.chainId.replace(":", "_")}/${block.header.height}`,
              removeOnComplete: 1000,
              removeOnFail: 1000,
            },
          );
        }),
      );
    }
    return new CommitVerifier(queue, worker, consumers, checks);
  }

  stats(chainId: string): { verified: number; invalid: number; lastHeight: number | undefined } | undefined {
    const c = this.checks.get(chainId);
    return c === undefined
      ? undefined
      : { verified: c.verified, invalid: c.invalid, lastHeight: c.lastHeight };
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.worker.close();
    await this.queue.close();
  }
}
