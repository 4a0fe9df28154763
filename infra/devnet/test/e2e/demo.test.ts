import { NatsServer, RedisServer } from "@tandem/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDemo } from "../../src/demo.js";

describe("devnet demo against real nats-server and redis-server", () => {
  let nats: NatsServer;
  let redis: RedisServer;
  beforeAll(async () => {
    [nats, redis] = await Promise.all([NatsServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([nats?.stop(), redis?.stop()]);
  });

  it("commits, proves and anchors one block per run, continuing the height across runs", async () => {
    const lines: string[] = [];
    const log = (...args: unknown[]) => lines.push(args.join(" "));
    await runDemo({ natsUrl: nats.url, redisHost: redis.host, redisPort: redis.port, log });
    await runDemo({ natsUrl: nats.url, redisHost: redis.host, redisPort: redis.port, log });
    const anchored = lines.filter((l) => l.includes("anchored height"));
    expect(anchored).toHaveLength(2);
    expect(anchored[0]).toContain("anchored height 1 (signed power 30/40)");
    expect(anchored[1]).toContain("anchored height 2 (signed power 30/40)");
    expect(lines.some((l) => l.includes("INVALID"))).toBe(false);
  });
});
