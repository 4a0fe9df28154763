/**
 * Reads a chain's block stream with a durable pull consumer and explicit acks, one block at a time in
 * height order: a block is acked (and the ack confirmed by the server) only after the handler resolves,
 * so a consumer that stops, crashes or restarts resumes after its last acked height. Delivery is
 * at-least-once across processes (an ack lost in a NATS outage means a redelivery); within one
 * consumer, heights at or below the last acked one are acked and skipped, never handed over twice.
 */

import { AckPolicy, DeliverPolicy, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { type Logger, silentLogger } from "@tandem/chain-core";
import {
  type BlockStreamMessage,
  blockStreamName,
  blockSubject,
  heightOfStreamMessage,
} from "./block-stream.js";

export type BlockHandler = (block: BlockStreamMessage, msg: JsMsg) => void | Promise<void>;

export interface ConsumeBlocksOptions {
  logger?: Logger;
  /** Redelivery after this long without an ack (default 30 s). */
  ackWaitMs?: number;
  /** Redelivery delay after the handler threw (default 1 s). */
  retryDelayMs?: number;
  /** How long one pull waits for a block; also bounds how long stop() takes (default 1 s). */
  pullExpiresMs?: number;
}

export interface BlockConsumer {
  readonly durableName: string;
  /** The last height this consumer acked (0 before the first). */
  readonly lastAckedHeight: number;
  /** Stops pulling; a block being handled finishes and is acked first. */
  stop(): Promise<void>;
}

const CONSUMER_NOT_FOUND = 10014;

/** Creates (or reuses) the durable consumer `durableName` on the chain's block stream and runs `handler`. */
export async function consumeBlocks(
  js: JetStreamClient,
  chainId: string,
  durableName: string,
  handler: BlockHandler,
  opts: ConsumeBlocksOptions = {},
): Promise<BlockConsumer> {
  const log = opts.logger ?? silentLogger;
  const stream = blockStreamName(chainId);
  const jsm = await js.jetstreamManager();
  try {
    await jsm.consumers.info(stream, durableName);
  } catch (e) {
    if (
      (e as { code?: unknown })?.code !== CONSUMER_NOT_FOUND &&
      (e as Error)?.name !== "ConsumerNotFoundError"
    )
      throw e;
    await jsm.consumers.add(stream, {
      durable_name: durableName,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: blockSubject(chainId),
      ack_wait: nanos(opts.ackWaitMs ?? 30_000),
      // One unacked block at a time: redeliveries cannot overtake, so the handler sees height order.
      max_ack_pending: 1,
    });
  }
  const consumer = await js.consumers.get(stream, durableName);
  const expires = Math.max(1000, opts.pullExpiresMs ?? 1000);
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  let stopped = false;
  let lastAcked = 0;

  const run = async (): Promise<void> => {
    let backoff = 100;
    while (!stopped) {
      let m: JsMsg | null;
      try {
        m = await consumer.next({ expires });
        backoff = 100;
      } catch (e) {
        log.warn("block consumer pull failed", {
          durableName,
          error: e instanceof Error ? e.message : String(e),
        });
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 2000);
        continue;
      }
      if (m === null) continue;
      if (stopped) {
        // Pulled while stopping: hand it straight back for the next run.
        m.nak();
        break;
      }
      let block: BlockStreamMessage;
      let height: number;
      try {
        block = JSON.parse(new TextDecoder().decode(m.data)) as BlockStreamMessage;
        height = heightOfStreamMessage(m.headers, m.data);
      } catch (e) {
        log.error("block stream message does not parse; terminated", {
          durableName,
          seq: m.seq,
          error: String(e),
        });
        m.term();
        continue;
      }
      if (height <= lastAcked) {
        await m.ackAck().catch(() => false);
        continue;
      }
      try {
        await handler(block, m);
      } catch (e) {
        log.warn("block handler failed; redelivering", { durableName, height, error: String(e) });
        m.nak(retryDelayMs);
        continue;
      }
      // Handled: never hand this height over again, whatever happens to the ack.
      lastAcked = height;
      try {
        await m.ackAck();
      } catch (e) {
        // Unconfirmed: the server redelivers after ack_wait and the skip above acks it then.
        log.warn("block ack not confirmed", { durableName, height, error: String(e) });
      }
    }
  };
  const loop = run();
  return {
    durableName,
    get lastAckedHeight() {
      return lastAcked;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
