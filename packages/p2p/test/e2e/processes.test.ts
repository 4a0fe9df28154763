import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@tandem/test-utils";
import { afterEach, describe, expect, it } from "vitest";
import { chainProtocol, chainTopic, generatePeerKey } from "../../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, "..", "fixtures", "node-process.ts");
const TOPIC = chainTopic("tandem:home-7f3a", "txs");
const SYNC = chainProtocol("tandem:home-7f3a", "sync");

type Msg = { type: string; [k: string]: unknown };

/** A forked node process and the messages it sent back. */
class NodeProcess {
  readonly child: ChildProcess;
  readonly inbox: Msg[] = [];
  private stderr = "";
  readonly exited: Promise<number | string>;

  constructor() {
    this.child = fork(FIXTURE, [], {
      cwd: join(here, "..", ".."),
      execArgv: ["--conditions=@tandem/source", "--import", "tsx"],
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    this.child.stderr?.on("data", (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-4000);
    });
    this.child.on("message", (m: Msg) => this.inbox.push(m));
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve(signal ?? code ?? 0)),
    );
  }

  send(m: Msg): void {
    this.child.send(m);
  }

  /** Sends `cmd` and waits for the next reply of `type`. */
  async call(cmd: Msg, type: string): Promise<Msg> {
    const before = this.inbox.length;
    this.send(cmd);
    return waitFor(() => this.inbox.slice(before).find((m) => m.type === type || m.type === "failed"), {
      timeoutMs: 15_000,
      what: `${type} from the node process (stderr: ${this.stderr})`,
    }).then((m) => {
      if (m.type === "failed") throw new Error(`node process failed: ${String(m.error)}`);
      return m;
    });
  }

  messages(): Msg[] {
    return this.inbox.filter((m) => m.type === "message");
  }
}

describe("nodes in separate processes", () => {
  const procs: NodeProcess[] = [];
  afterEach(() => {
    for (const p of procs.splice(0))
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  });

  it("exchange gossip and request/response over TCP, then each process exits by itself after close", async () => {
    const a = new NodeProcess();
    const b = new NodeProcess();
    procs.push(a, b);
    const keyA = Buffer.from(await generatePeerKey()).toString("hex");
    const keyB = Buffer.from(await generatePeerKey()).toString("hex");
    const readyA = await a.call(
      { type: "start", key: keyA, bootstrap: [], topic: TOPIC, protocol: SYNC },
      "ready",
    );
    const idA = readyA.peerId as string;
    const readyB = await b.call(
      { type: "start", key: keyB, bootstrap: readyA.addrs as string[], topic: TOPIC, protocol: SYNC },
      "ready",
    );
    const idB = readyB.peerId as string;

    for (const [p, other] of [
      [a, idB],
      [b, idA],
    ] as const) {
      await waitFor(
        async () => ((await p.call({ type: "topicPeers" }, "topicPeers")).peers as string[]).includes(other),
        {
          timeoutMs: 15_000,
          what: "the subscriptions to cross the process boundary",
        },
      );
    }

    expect((await b.call({ type: "publish", data: "tx from b" }, "published")).recipients).toEqual([idA]);
    await a.call({ type: "publish", data: "tx from a" }, "published");
    await waitFor(() => a.messages().length === 1 && b.messages().length === 1);
    expect(a.messages()[0]).toMatchObject({ data: "tx from b", from: idB });
    expect(b.messages()[0]).toMatchObject({ data: "tx from a", from: idA });

    expect(await b.call({ type: "request", peer: idA, data: "sync 1" }, "response")).toMatchObject({
      data: `pong:sync 1 from ${idA} to ${idB}`,
    });
    expect(await a.call({ type: "request", peer: idB, data: "sync 2" }, "response")).toMatchObject({
      data: `pong:sync 2 from ${idB} to ${idA}`,
    });

    // close() must release every socket, server and timer: with IPC disconnected, nothing else may
    // keep the event loop alive, so each process exits with code 0 without being killed.
    await Promise.all([a.call({ type: "close" }, "closed"), b.call({ type: "close" }, "closed")]);
    for (const p of [a, b]) {
      await waitFor(() => p.child.exitCode !== null || p.child.signalCode !== null, {
        timeoutMs: 10_000,
        what: "the node process to exit by itself after close()",
      });
      expect(await p.exited).toBe(0);
    }
  });
});
