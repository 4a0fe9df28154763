/**
 * `tandem status`: one row per chain (name, height, head, mode, peers, mempool) from each chain's
 * `getStatus` over NATS RPC; `--watch` redraws every interval until Ctrl-C.
 */
import { ChainRpcClient, type StatusResult } from "@tandem/chain-runtime";
import { CliError, errorCode } from "../errors.js";
import { type Connect, defaultConnect, withNats } from "../nats.js";
import { formatTable, type Output, printJson } from "../output.js";
import { listOption, parseChainIdOption, parseIntOption } from "../parse.js";

export interface StatusOptions {
  nats?: string;
  chain?: string[];
  watch?: boolean;
  interval?: string | number;
  timeout?: string | number;
  json?: boolean;
}

export type ChainStatusRow =
  | { chainId: string; ok: true; status: StatusResult }
  | { chainId: string; ok: false; error: { code: string; message: string } };

export interface StatusDeps {
  /** Stops `--watch`. */
  signal?: AbortSignal;
  connect?: Connect;
  /** Clear the terminal before each refresh (a TTY). */
  clearScreen?: boolean;
}

async function queryAll(clients: ReadonlyArray<[string, ChainRpcClient]>): Promise<ChainStatusRow[]> {
  return Promise.all(
    clients.map(async ([chainId, c]): Promise<ChainStatusRow> => {
      try {
        return { chainId, ok: true, status: await c.getStatus() };
      } catch (e) {
        return {
          chainId,
          ok: false,
          error: { code: errorCode(e) ?? "INTERNAL", message: e instanceof Error ? e.message : String(e) },
        };
      }
    }),
  );
}

export function statusTable(rows: readonly ChainStatusRow[]): string[] {
  return formatTable([
    ["CHAIN", "NAME", "HEIGHT", "HEAD", "MODE", "PEERS", "MEMPOOL"],
    ...rows.map((r) =>
      r.ok
        ? [
            r.chainId,
            r.status.name,
            String(r.status.height),
            r.status.headHash.slice(0, 12),
            r.status.validator ? `${r.status.mode} (validator)` : r.status.mode,
            String(r.status.peers),
            String(r.status.mempool.size),
          ]
        : [r.chainId, "-", "-", "-", `error [${r.error.code}]`, "-", "-"],
    ),
  ]);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted) return done();
    const t = setTimeout(finish, ms);
    signal?.addEventListener("abort", finish, { once: true });
    function finish() {
      clearTimeout(t);
      signal?.removeEventListener("abort", finish);
      done();
    }
  });
}

export async function status(
  opts: StatusOptions,
  o: Output,
  deps: StatusDeps = {},
): Promise<ChainStatusRow[]> {
  const chains = listOption(opts.chain).map((c) => parseChainIdOption(c, "--chain"));
  if (chains.length === 0)
    throw new CliError("INVALID_ARGUMENT", "at least one --chain <chainId> is required");
  const timeoutMs = parseIntOption(opts.timeout ?? 3000, "--timeout", { min: 1, max: 600_000 });
  const intervalMs = parseIntOption(opts.interval ?? 1000, "--interval", { min: 100, max: 3_600_000 });
  const url = opts.nats ?? "nats://127.0.0.1:4222";
  return withNats(url, deps.connect ?? defaultConnect, async (nc) => {
    const clients = chains.map(
      (c) => [c, new ChainRpcClient(nc, c, { timeoutMs })] as [string, ChainRpcClient],
    );
    if (opts.watch !== true) {
      const rows = await queryAll(clients);
      if (opts.json === true) printJson(o, rows);
      else for (const line of statusTable(rows)) o.out(line);
      const failed = rows.filter((r) => !r.ok);
      const first = failed[0];
      if (first !== undefined && !first.ok) {
        throw new CliError(
          first.error.code,
          `${failed.length} of ${rows.length} chain(s) did not answer; ${first.chainId}: ${first.error.message}`,
          { chains: failed.map((r) => r.chainId) },
        );
      }
      return rows;
    }
    const stopped = (): boolean => deps.signal?.aborted === true;
    let rows: ChainStatusRow[] = [];
    while (!stopped()) {
      rows = await queryAll(clients);
      if (stopped()) break;
      if (opts.json === true) o.out(JSON.stringify({ time: new Date().toISOString(), chains: rows }));
      else {
        if (deps.clearScreen === true) process.stdout.write("\x1b[2J\x1b[H");
        o.out(`tandem status — ${new Date().toISOString()} — ${url} (Ctrl-C to stop)`);
        for (const line of statusTable(rows)) o.out(line);
        if (deps.clearScreen !== true) o.out("");
      }
      await sleep(intervalMs, deps.signal);
    }
    return rows;
  });
}
