import { mkdirSync } from "node:fs";
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

export interface RedisServerOptions {
  /** Fixed port; default a free one. */
  port?: number;
  /** Append-only file with fsync every second (survives a restart). Default false: nothing on disk. */
  persistent?: boolean;
  /** Use this working dir (created if missing, kept after stop) instead of a fresh temp dir. */
  dataDir?: string;
}

/** A real redis-server process on a loopback port, with its own working dir. */
export class RedisServer {
  private proc: ManagedProcess | undefined;

  private constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly bin: string,
    private readonly persistent: boolean,
    private readonly ownsDataDir: boolean,
  ) {}

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get host(): string {
    return "127.0.0.1";
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const bin = findBinary("redis-server", "redis-server");
    const port = options.port ?? (await freePort());
    const dataDir = options.dataDir ?? makeTempDir("redis");
    mkdirSync(dataDir, { recursive: true });
    const server = new RedisServer(
      port,
      dataDir,
      bin,
      options.persistent ?? false,
      options.dataDir === undefined,
    );
    await server.launch();
    return server;
  }

  private async launch(): Promise<void> {
    const args = [
      "--bind",
      "127.0.0.1",
      "--port",
      String(this.port),
      "--dir",
      this.dataDir,
      "--save",
      "",
      "--appendonly",
      this.persistent ? "yes" : "no",
      "--daemonize",
      "no",
      // bullmq requires that Redis never evicts its keys
      "--maxmemory-policy",
      "noeviction",
    ];
    this.proc = spawnServer(this.bin, args, this.dataDir);
    await waitForPort(this.proc, this.port, "redis-server");
  }

  async restart(opts: { kill?: boolean } = {}): Promise<void> {
    if (this.proc) await (opts.kill ? killProcess(this.proc) : stopProcess(this.proc));
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.proc) await stopProcess(this.proc);
    this.proc = undefined;
    if (this.ownsDataDir) removeDir(this.dataDir);
  }

  output(): string {
    return this.proc?.output() ?? "";
  }
}
