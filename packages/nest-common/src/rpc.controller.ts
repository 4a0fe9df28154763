/**
 * The chain's NATS RPC as a Nest microservice controller. The subjects depend on the chain id, known
 * only at boot, so the controller class is built per chain from the one method table
 * (`RPC_METHODS`): one `@MessagePattern(tandem.<chain>.rpc.<method>)` handler per method, each calling
 * the transport-free `handleRpc`, which answers every request with an envelope and never throws.
 */
import { Controller, Inject, type Type } from "@nestjs/common";
import { MessagePattern } from "@nestjs/microservices";
import {
  handleRpc,
  nodeRpcSubject,
  RPC_METHOD_NAMES,
  type RpcContext,
  rpcSubject,
} from "@tandem/chain-runtime";
import { isMalformedRequest } from "./nats-transport.js";
import { RPC_CONTEXT } from "./tokens.js";

export function createRpcController(chainId: string, nodeName: string): Type<unknown> {
  class RpcController {
    constructor(@Inject(RPC_CONTEXT) readonly ctx: RpcContext) {}
  }
  for (const method of RPC_METHOD_NAMES) {
    const handler = async function (this: RpcController, data: unknown): Promise<unknown> {
      if (isMalformedRequest(data)) {
        return { ok: false, error: { code: "RPC_BAD_REQUEST", message: data.__malformed } };
      }
      return handleRpc(this.ctx, method, data);
    };
    Object.defineProperty(RpcController.prototype, method, {
      value: handler,
      writable: true,
      configurable: true,
    });
    const descriptor = Object.getOwnPropertyDescriptor(RpcController.prototype, method) as PropertyDescriptor;
    MessagePattern([rpcSubject(chainId, method), nodeRpcSubject(chainId, method, nodeName)])(
      RpcController.prototype,
      method,
      descriptor,
    );
  }
  Controller()(RpcController);
  return RpcController;
}
