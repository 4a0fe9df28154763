import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Queue, Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsServer, RedisServer, waitFor } from "../../src/index.js";

describe("real nats-server with JetStream", () => {
  let nats: NatsServer;
  beforeAll(async () => {
    nats = await NatsServer.start();
  });
  afterAll(async () => {
    await nats?.stop();
  });

  it("listens on a free loopback port, never the default 4222", () => {
    expect(nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(nats.port).not.toBe(4222);
    expect(nats.pid).toBeGreaterThan(0);
  });

  it("deduplicates a publish by msg id, delivers it to a durable consumer and takes its ack", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: "HEADERS", subjects: ["tandem.test.headers"] });
      const js = jetstream(nc);
      const first = await js.publish("tandem.test.headers", new TextEncoder().encode("height-1"), {
        msgID: "1",
      });
      const again = await js.publish("tandem.test.headers", new TextEncoder().encode("height-1"), {
        msgID: "1",
      });
      expect(first.duplicate).toBe(false);
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(first.seq);

      await jsm.consumers.add("HEADERS", { durable_name: "relay", ack_policy: AckPolicy.Explicit });
      const consumer = await js.consumers.get("HEADERS", "relay");
      const msg = await consumer.next({ expires: 5_000 });
      expect(msg).not.toBeNull();
      expect(new TextDecoder().decode(msg!.data)).toBe("height-1");
      expect(msg!.headers?.get("Nats-Msg-Id")).toBe("1");
      expect(await msg!.ackAck()).toBe(true);

      const info = await jsm.consumers.info("HEADERS", "relay");
      expect(info.ack_floor.stream_seq).toBe(first.seq);
      expect(info.num_pending).toBe(0);
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await nc.close();
    }
  });

  it("keeps the stream across a restart on the same port and data dir", async () => {
    await nats.restart();
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info("HEADERS");
      expect(info.state.messages).toBe(1);
    } finally {
      await nc.close();
    }
  });
});

describe("real redis-server with bullmq", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("listens on a free loopback port, never the default 6379", () => {
    expect(redis.port).not.toBe(6379);
  });

  it("adds a job that a worker processes to completion", async () => {
    const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
    const queue = new Queue("anchor", { connection });
    const seen: unknown[] = [];
    const worker = new Worker(
      "anchor",
      async (job) => {
        seen.push(job.data);
        return { anchored: job.data.height };
      },
      { connection },
    );
    try {
      const job = await queue.add("header", { height: 7 }, { jobId: "acme-7" });
      await waitFor(async () => (await job.isCompleted()) || undefined, { what: "job completed" });
      const done = await queue.getJob("acme-7");
      expect(done?.returnvalue).toEqual({ anchored: 7 });
      expect(seen).toEqual([{ height: 7 }]);
      // the same job id is not queued twice
      await queue.add("header", { height: 7 }, { jobId: "acme-7" });
      expect(await queue.getJobCounts("completed", "waiting")).toEqual({ completed: 1, waiting: 0 });
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
