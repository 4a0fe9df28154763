/**
 * A typed client of the chain's NATS RPC over a plain NatsConnection, and the checks a light client
 * runs on the proofs it gets back. An error reply becomes a thrown {@link RpcError} with the reply's
 * code; transport failures become RPC_TIMEOUT, RPC_NO_RESPONDERS or RPC_CONNECTION.
 */

import { errors, type NatsConnection } from "@nats-io/transport-node";
import { accountKey, balanceKey, verifyStateProof } from "@tandem/chain-core";
import { bytesToHex, equalBytes, type HashFn, sha256 } from "@tandem/crypto";
import { encodeTxResult, headerHash, txHash, verifyMerkleProof } from "@tandem/ledger";
import { RpcError, RpcErrorCode } from "./errors.js";
import {
  bytesFromJson,
  commitFromJson,
  headerFromJson,
  merkleProofFromJson,
  stateProofFromJson,
} from "./json.js";
import {
  type AccountResult,
  type BlockResult,
  nodeRpcSubject,
  type RpcMethodName,
  type RpcRequest,
  type RpcResult,
  rpcSubject,
  type StatusResult,
  type SubmitTxResult,
  type SubmitTxsResult,
  type TxResult,
  type ValidatorsResult,
} from "./methods.js";

export interface ChainRpcClientOptions {
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  /** Ask this node only (its `….<method>.<node>` subject) instead of whichever node answers. */
  node?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const asHex = (v: string | Uint8Array): string => (typeof v === "string" ? v : bytesToHex(v));

export class ChainRpcClient {
  readonly timeoutMs: number;
  readonly node: string | undefined;

  constructor(
    private readonly nc: NatsConnection,
    readonly chainId: string,
    opts: ChainRpcClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.node = opts.node;
    // Fails fast on a chain id that has no subject.
    rpcSubject(chainId, "getStatus");
  }

  /** Sends one request and unwraps the envelope. */
  async call<M extends RpcMethodName>(method: M, request: RpcRequest<M>): Promise<RpcResult<M>> {
    const subject =
      this.node === undefined
        ? rpcSubject(this.chainId, method)
        : nodeRpcSubject(this.chainId, method, this.node);
    let data: Uint8Array;
    try {
      const msg = await this.nc.request(subject, encoder.encode(JSON.stringify(request)), {
        timeout: this.timeoutMs,
      });
      data = msg.data;
    } catch (e) {
      throw transportError(e, subject, this.timeoutMs);
    }
    let reply: unknown;
    try {
      reply = JSON.parse(decoder.decode(data));
    } catch (e) {
      throw new RpcError(RpcErrorCode.BAD_REPLY, "the reply is not JSON", { method }, { cause: e });
    }
    if (typeof reply !== "object" || reply === null) throw badEnvelope(method);
    const r = reply as { ok?: unknown; result?: unknown; error?: unknown };
    if (r.ok === true && "result" in r) return r.result as RpcResult<M>;
    if (r.ok === false && typeof r.error === "object" && r.error !== null) {
      const { code, message, ...meta } = r.error as Record<string, unknown>;
      if (typeof code === "string")
        throw new RpcError(code, typeof message === "string" ? message : code, meta);
    }
    throw badEnvelope(method);
  }

  /** Submits one signed tx; throws the mempool's coded error when it is refused. */
  submitTx(tx: Uint8Array): Promise<SubmitTxResult> {
    return this.call("submitTx", { tx: bytesToHex(tx) }) as Promise<SubmitTxResult>;
  }

  /** Submits a batch; one outcome per tx (refusals are outcomes, not throws). */
  submitTxs(txs: readonly Uint8Array[]): Promise<SubmitTxsResult> {
    return this.call("submitTx", { txs: txs.map((t) => bytesToHex(t)) }) as Promise<SubmitTxsResult>;
  }

  getStatus(): Promise<StatusResult> {
    return this.call("getStatus", {});
  }

  /** A block by height or hash (default: the head). */
  getBlock(
    at: { height?: number; hash?: string | Uint8Array } = {},
    opts: { txs?: boolean } = {},
  ): Promise<BlockResult> {
    return this.call("getBlock", {
      ...(at.height === undefined ? {} : { height: at.height }),
      ...(at.hash === undefined ? {} : { hash: asHex(at.hash) }),
      ...(opts.txs === undefined ? {} : { txs: opts.txs }),
    });
  }

  getTx(hash: string | Uint8Array, opts: { proof?: boolean } = {}): Promise<TxResult> {
    return this.call("getTx", {
      hash: asHex(hash),
      ...(opts.proof === undefined ? {} : { proof: opts.proof }),
    });
  }

  /** An account by CAIP-10 id, hex address or address bytes. */
  getAccount(
    account: string | Uint8Array,
    opts: { height?: number; proof?: boolean; denoms?: readonly string[] } = {},
  ): Promise<AccountResult> {
    return this.call("getAccount", {
      account: asHex(account),
      ...(opts.height === undefined ? {} : { height: opts.height }),
      ...(opts.proof === undefined ? {} : { proof: opts.proof }),
      ...(opts.denoms === undefined ? {} : { denoms: [...opts.denoms] }),
    });
  }

  getValidators(opts: { height?: number } = {}): Promise<ValidatorsResult> {
    return this.call("getValidators", opts.height === undefined ? {} : { height: opts.height });
  }
}

function badEnvelope(method: string): RpcError {
  return new RpcError(RpcErrorCode.BAD_REPLY, "the reply is not an RPC envelope", { method });
}

function transportError(e: unknown, subject: string, timeoutMs: number): RpcError {
  if (e instanceof errors.TimeoutError)
    return new RpcError(
      RpcErrorCode.TIMEOUT,
      `no reply on ${subject} within ${timeoutMs} ms`,
      { subject },
      { cause: e },
    );
  if (
    e instanceof errors.NoRespondersError ||
    (e instanceof errors.RequestError && e.isNoResponders()) ||
    (e instanceof Error && e.cause instanceof errors.NoRespondersError)
  )
    return new RpcError(RpcErrorCode.NO_RESPONDERS, `nobody serves ${subject}`, { subject }, { cause: e });
  return new RpcError(
    RpcErrorCode.CONNECTION,
    `request on ${subject} failed: ${e instanceof Error ? e.message : String(e)}`,
    { subject },
    { cause: e },
  );
}

// ---- proof checks ---------------------------------------------------------------------------------

/**
 * True when a getTx reply with `proof` proves that the tx with `hash` is in the block the reply names:
 * the tx hashes to `hash`, its inclusion proof leads to the header's tx root, its result's proof to the
 * results root, and the header hashes to the block hash the commit signs. The commit's signatures are
 * not checked here (that needs the validator set: a light client checks it with getValidators).
 */
export function verifyTxInclusion(
  reply: TxResult,
  hash: string | Uint8Array,
  hashFn: HashFn = sha256,
): boolean {
  try {
    const p = reply.proof;
    if (p === undefined) return false;
    const want = bytesFromJson(asHex(hash).toLowerCase(), "hash", 32);
    const tx = bytesFromJson(reply.tx, "tx");
    if (!equalBytes(txHash(tx, { hash: hashFn }), want) || reply.hash !== bytesToHex(want)) return false;
    const header = headerFromJson(p.header);
    const commit = commitFromJson(p.commit);
    const txProof = merkleProofFromJson(p.tx);
    const resultProof = merkleProofFromJson(p.result);
    if (header.height !== reply.height || commit.height !== reply.height) return false;
    if (txProof.leafIndex !== reply.index || resultProof.leafIndex !== reply.index) return false;
    const blockHash = headerHash(header, hashFn);
    if (!equalBytes(blockHash, commit.blockHash) || bytesToHex(blockHash) !== reply.blockHash) return false;
    if (!verifyMerkleProof(header.txRoot, tx, txProof, hashFn)) return false;
    const leaf = encodeTxResult({
      code: reply.result.code,
      data: bytesFromJson(reply.result.data, "result.data"),
    });
    return verifyMerkleProof(header.resultsRoot, leaf, resultProof, hashFn);
  } catch {
    return false;
  }
}

function uintBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = v;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/**
 * True when a getAccount reply with `proof` proves its nonce and every balance against its state root:
 * each proof is for the right key (`acct/<address>`, `bal/<address><denom>`), holds the reported value
 * (absent for zero) and verifies against `proof.stateRoot`.
 */
export function verifyAccountProof(reply: AccountResult, hashFn: HashFn = sha256): boolean {
  try {
    const p = reply.proof;
    if (p === undefined || p.balances.length !== reply.balances.length) return false;
    const root = bytesFromJson(p.stateRoot, "stateRoot", 32);
    const address = bytesFromJson(reply.address, "address", 20);
    const check = (json: unknown, key: Uint8Array, value: Uint8Array | null): boolean => {
      const sp = stateProofFromJson(json);
      if (!equalBytes(sp.root, root) || !equalBytes(sp.key, key)) return false;
      if (value === null ? sp.value !== null : sp.value === null || !equalBytes(sp.value, value))
        return false;
      return verifyStateProof(root, key, sp.value, sp.proof, hashFn);
    };
    const nonce = reply.nonce === 0 ? null : uintBytes(BigInt(reply.nonce), 8);
    if (!check(p.account, accountKey(address), nonce)) return false;
    return reply.balances.every((b, i) => {
      const amount = BigInt(b.amount);
      return check(p.balances[i], balanceKey(address, b.denom), amount === 0n ? null : uintBytes(amount, 16));
    });
  } catch {
    return false;
  }
}
