/**
 * Asking one node of a chain (its own `tandem.<chain>.rpc.<method>.<node>` subject) rather than
 * whichever node of the queue group answers: status tables and tests that compare nodes.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { nodeRpcSubject, RpcError, type RpcMethodName, type RpcResult } from "@tandem/chain-runtime";

export async function nodeCall<M extends RpcMethodName>(
  nc: NatsConnection,
  chainId: string,
  node: string,
  method: M,
  params: Record<string, unknown> = {},
  timeoutMs = 5000,
): Promise<RpcResult<M>> {
  const msg = await nc.request(nodeRpcSubject(chainId, method, node), JSON.stringify(params), {
    timeout: timeoutMs,
  });
  const env = msg.json() as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
  if (!env.ok) {
    const e = env.error ?? { code: "RPC_INTERNAL", message: "reply without an error" };
    throw new RpcError(e.code, e.message, e as unknown as Record<string, unknown>);
  }
  return env.result as RpcResult<M>;
}
