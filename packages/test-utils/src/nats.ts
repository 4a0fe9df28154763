import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  findBinary,
  freePort,
  killProcess,
  type ManagedProcess,
  makeTempDir,
  removeDir,
  spawnServer,
  stopProcess,
  waitForPort,
} from "./process.js";

export interface NatsServerOptions {
  /** Enable JetStream (file store in the server's temp dir). Default true. */
  jetstream?: boolean;
  /** Fixed client port; default a free one. */
  port?: number;
  /** Keep the data dir after stop (for inspection). Default false; true when `dataDir` is given. */
  keepDataDir?: boolean;
  /** Use this data dir (created if missing) instead of a fresh temp dir; JetStream state in it is reused. */
  dataDir?: string;
}

/** A real nats-server process on a loopback port, with its own data dir. */
export class NatsServer {
  private proc: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly monitorPort: number,
    readonly dataDir: string,
    private readonly bin: string,
    private readonly opts: Required<Omit<NatsServerOptions, "dataDir">>,
  ) {}

  /** `nats://127.0.0.1:<port>` */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const bin = findBinary("nats-server", "nats-server");
    const opts: Required<Omit<NatsServerOptions, "dataDir">> = {
      jetstream: options.jetstream ?? true,
      port: options.port ?? (await freePort()),
      keepDataDir: options.keepDataDir ?? options.dataDir !== undefined,
    };
    const dataDir = options.dataDir ?? makeTempDir("nats");
    mkdirSync(dataDir, { recursive: true });
    const server = new NatsServer(opts.port, await freePort(), dataDir, bin, opts);
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const conf = join(this.dataDir, "nats.conf");
    const lines = [
      `listen: 127.0.0.1:${this.port}`,
      `http: 127.0.0.1:${this.monitorPort}`,
      `server_name: tandem_test_${this.port}`,
    ];
    if (this.opts.jetstream) {
      lines.push(`jetstream { store_dir: "${join(this.dataDir, "js")}" }`);
    }
    writeFileSync(conf, `${lines.join("\n")}\n`);
    this.proc = spawnServer(this.bin, ["-c", conf], this.dataDir);
    await waitForPort(this.proc, this.port, "nats-server");
    if (this.opts.jetstream) await this.waitHealthy();
  }

  /** JetStream is ready only once /healthz says so; the client port opens a little earlier. */
  private async waitHealthy(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.monitorPort}/healthz?js-enabled-only=true`);
        last = await res.text();
        if (res.ok) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `nats-server JetStream not healthy within ${timeoutMs} ms: ${last}\n${this.proc?.output()}`,
    );
  }

  /** Stops the process and starts it again on the same port and data dir (JetStream state survives). */
  async restart(opts: { kill?: boolean } = {}): Promise<void> {
    if (this.proc) await (opts.kill ? killProcess(this.proc) : stopProcess(this.proc));
    await this.launch();
  }

  /** Stops the server by pid and removes its data dir. */
  async stop(): Promise<void> {
    if (this.proc) await stopProcess(this.proc);
    this.proc = undefined;
    if (!this.opts.keepDataDir) removeDir(this.dataDir);
  }

  output(): string {
    return this.proc?.output() ?? "";
  }
}
