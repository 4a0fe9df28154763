/**
 * A node's own copy of an RPC method's subject, `tandem.<chain>.rpc.<method>.<node>`. The chain-wide
 * subject is served by a queue group (one node answers each request); this one by the named node only,
 * for status tables and checks that compare nodes.
 */
import { type RpcMethodName, rpcSubject } from "./rpc/index.js";

export function nodeRpcSubject(chainId: string, method: RpcMethodName, nodeName: string): string {
  return `${rpcSubject(chainId, method)}.${nodeName}`;
}
