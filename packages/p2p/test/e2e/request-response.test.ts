import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import {
  chainProtocol,
  generatePeerKey,
  isP2PError,
  P2PError,
  type P2PNode,
  peerIdOfKey,
} from "../../src/index.js";
import { bytes, Nodes, text } from "../helpers.js";

const SYNC = chainProtocol("tandem:acme", "sync");

function code(e: unknown): string | undefined {
  return e instanceof P2PError ? e.code : undefined;
}

describe("request/response", () => {
  const nodes = new Nodes();
  const gates: (() => void)[] = [];
  afterEach(async () => {
    for (const open of gates.splice(0)) open();
    await nodes.closeAll();
  });

  async function pair(): Promise<{ server: P2PNode; client: P2PNode }> {
    const server = await nodes.start();
    const client = await nodes.start({ bootstrap: server.multiaddrs });
    await waitFor(() => client.isConnected(server.peerId));
    return { server, client };
  }

  /** A promise the handler waits on; afterEach opens it so nothing stays pending. */
  function gate(): Promise<void> {
    return new Promise((resolve) => gates.push(resolve));
  }

  it("carries block sync: request bytes in, response bytes out, with the caller's peer id", async () => {
    const { server, client } = await pair();
    const seen: string[] = [];
    await server.handle(SYNC, (req, from) => {
      seen.push(from);
      return bytes(`blocks from ${text(req)}`);
    });
    const res = await client.request(server.peerId, SYNC, bytes("height 42"));
    expect(text(res)).toBe("blocks from height 42");
    expect(Object.getPrototypeOf(res)).toBe(Uint8Array.prototype);
    expect(seen).toEqual([client.peerId]);
  });

  it("handles empty and multi-megabyte payloads, and many requests in parallel", async () => {
    const { server, client } = await pair();
    await server.handle(SYNC, (req) => (req.length === 0 ? new Uint8Array(0) : req), {
      maxRequestBytes: 8 << 20,
    });
    expect(await client.request(server.peerId, SYNC, new Uint8Array(0))).toEqual(new Uint8Array(0));
    const big = new Uint8Array(5 << 20);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 0xff;
    const echoed = await client.request(server.peerId, SYNC, big);
    // (a deep toEqual over 5 MiB takes vitest tens of seconds)
    expect(echoed.length).toBe(big.length);
    expect(Buffer.compare(echoed, big)).toBe(0);
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.request(server.peerId, SYNC, bytes(`req-${i}`))),
    );
    expect(replies.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `req-${i}`));
  });

  it("times out with P2P_TIMEOUT when the handler does not answer in time", async () => {
    const { server, client } = await pair();
    const wait = gate();
    await server.handle(SYNC, async () => {
      await wait;
      return bytes("too late");
    });
    const t0 = Date.now();
    const err = await client.request(server.peerId, SYNC, bytes("?"), { timeoutMs: 300 }).catch((e) => e);
    expect(code(err)).toBe("P2P_TIMEOUT");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it("the responder's own time limit aborts the stream, so the requester fails fast", async () => {
    const { server, client } = await pair();
    const wait = gate();
    await server.handle(
      SYNC,
      async () => {
        await wait;
        return bytes("never");
      },
      { timeoutMs: 200 },
    );
    const t0 = Date.now();
    const err = await client.request(server.peerId, SYNC, bytes("?"), { timeoutMs: 10_000 }).catch((e) => e);
    expect(code(err)).toBe("P2P_PROTOCOL_ERROR");
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("fails with P2P_RESPONSE_TOO_LARGE before reading an oversized response, and the link stays usable", async () => {
    const { server, client } = await pair();
    await server.handle(SYNC, (req) => new Uint8Array(text(req) === "big" ? 2048 : 10));
    const err = await client
      .request(server.peerId, SYNC, bytes("big"), { maxResponseBytes: 1024 })
      .catch((e) => e);
    expect(code(err)).toBe("P2P_RESPONSE_TOO_LARGE");
    expect((err as P2PError).meta).toMatchObject({ declared: 2048, maxResponseBytes: 1024 });
    expect(
      (await client.request(server.peerId, SYNC, bytes("small"), { maxResponseBytes: 1024 })).length,
    ).toBe(10);
  });

  it("the responder refuses an oversized request without running the handler", async () => {
    const { server, client } = await pair();
    let calls = 0;
    await server.handle(
      SYNC,
      (req) => {
        calls++;
        return req;
      },
      { maxRequestBytes: 100 },
    );
    const err = await client.request(server.peerId, SYNC, new Uint8Array(101)).catch((e) => e);
    expect(code(err)).toBe("P2P_REQUEST_TOO_LARGE");
    expect(calls).toBe(0);
    expect((await client.request(server.peerId, SYNC, new Uint8Array(100))).length).toBe(100);
  });

  it("reports a failing handler's code as P2P_REMOTE_ERROR, without its message", async () => {
    const { server, client } = await pair();
    await server.handle(SYNC, (req) => {
      if (text(req) === "coded")
        throw Object.assign(new Error("secret detail"), { code: "SYNC_UNKNOWN_HEIGHT" });
      throw new Error("secret detail");
    });
    const coded = await client.request(server.peerId, SYNC, bytes("coded")).catch((e) => e);
    expect(code(coded)).toBe("P2P_REMOTE_ERROR");
    expect((coded as P2PError).meta).toEqual({ remoteCode: "SYNC_UNKNOWN_HEIGHT" });
    const plainErr = await client.request(server.peerId, SYNC, bytes("plain")).catch((e) => e);
    expect((plainErr as P2PError).meta).toEqual({ remoteCode: "P2P_HANDLER_ERROR" });
    expect(JSON.stringify(plainErr)).not.toContain("secret");
  });

  it("maps unreachable peers and unknown protocols to coded errors", async () => {
    const { server, client } = await pair();
    expect(code(await client.request(server.peerId, "/tandem/none/1", bytes("?")).catch((e) => e))).toBe(
      "P2P_UNSUPPORTED_PROTOCOL",
    );
    const stranger = peerIdOfKey(await generatePeerKey());
    expect(code(await client.request(stranger, SYNC, bytes("?"), { timeoutMs: 2_000 }).catch((e) => e))).toBe(
      "P2P_NO_PEER",
    );
    expect(code(await client.request("garbage", SYNC, bytes("?")).catch((e) => e))).toBe(
      "P2P_INVALID_ARGUMENT",
    );
    expect(code(await client.request(server.peerId, "no-slash", bytes("?")).catch((e) => e))).toBe(
      "P2P_INVALID_ARGUMENT",
    );
    await expect(server.handle(SYNC, (r) => r)).resolves.toBeUndefined();
    await expect(server.handle(SYNC, (r) => r)).rejects.toSatisfy((e) =>
      isP2PError(e, "P2P_ALREADY_REGISTERED"),
    );
    await server.unhandle(SYNC);
    expect(code(await client.request(server.peerId, SYNC, bytes("?")).catch((e) => e))).toBe(
      "P2P_UNSUPPORTED_PROTOCOL",
    );
  });

  it("honours the caller's abort signal and fails in-flight requests with P2P_CLOSED on close", async () => {
    const { server, client } = await pair();
    const wait = gate();
    await server.handle(SYNC, async () => {
      await wait;
      return bytes("late");
    });
    const ctrl = new AbortController();
    const aborted = client.request(server.peerId, SYNC, bytes("?"), { signal: ctrl.signal }).catch((e) => e);
    ctrl.abort();
    expect(code(await aborted)).toBe("P2P_ABORTED");

    const pending = client.request(server.peerId, SYNC, bytes("?")).catch((e) => e);
    await waitFor(() => (client as unknown as { inflight: Set<unknown> }).inflight.size === 1);
    await client.close();
    expect(code(await pending)).toBe("P2P_CLOSED");
  });
});
