/** A NATS connection for the RPC commands, with a coded error when the server cannot be reached. */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CliError, CliErrorCode, invalidArgument } from "./errors.js";

export type Connect = (url: string) => Promise<NatsConnection>;

export function parseNatsUrl(value: unknown): string[] {
  const servers = (typeof value === "string" ? value : "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (servers.length === 0 || !servers.every((s) => /^(nats|tls|ws|wss):\/\/\S+$/.test(s))) {
    throw invalidArgument(`--nats ${JSON.stringify(value)} is not a NATS url such as nats://127.0.0.1:4222`, {
      option: "--nats",
    });
  }
  return servers;
}

export const defaultConnect: Connect = async (url) => {
  const servers = parseNatsUrl(url);
  try {
    return await connect({ servers, name: "tandem-cli", timeout: 5000, maxReconnectAttempts: 2 });
  } catch (e) {
    throw new CliError(
      CliErrorCode.NATS_CONNECT_FAILED,
      `cannot connect to NATS at ${servers.join(", ")}: ${(e as Error).message}`,
      { servers },
      { cause: e },
    );
  }
};

/** Runs `fn` on a fresh connection and closes it afterwards (drain errors ignored). */
export async function withNats<T>(
  url: string,
  connectFn: Connect,
  fn: (nc: NatsConnection) => Promise<T>,
): Promise<T> {
  parseNatsUrl(url);
  const nc = await connectFn(url);
  try {
    return await fn(nc);
  } finally {
    await nc.close().catch(() => {});
  }
}
