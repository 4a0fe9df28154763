/**
 * Asking one node of a chain (its own `tandem.<chain>.rpc.<method>.<node>` subject) rather than
 * whichever node of the queue group answers: status tables and tests that compare nodes.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { ChainRpcClient, type RpcMethodName, type RpcRequest, type RpcResult } from "@tandem/chain-runtime";

export function nodeCall<M extends RpcMethodName>(
  nc: NatsConnection,
  chainId: string,
  node: string,
  method: M,
  params: Record<string, unknown> = {},
  timeoutMs = 5000,
): Promise<RpcResult<M>> {
  return new ChainRpcClient(nc, chainId, { node, timeoutMs }).call(method, params as RpcRequest<M>);
}
