/**
 * The chain's NATS RPC, declared once: for each method its name, request schema, description and
 * handler. A subject per method (`tandem.<ref>.rpc.<method>`); requests and replies are JSON (bytes as
 * lower-case hex, amounts and powers as decimal strings). Everything here is transport-free: the NATS
 * side (the Nest microservice, or a plain subscription in tests) decodes the request with
 * {@link decodeRpcRequest}, calls {@link handleRpc} and sends back the envelope it returns.
 */
import type { ChainNode, Logger } from "@tandem/chain-core";
import { hexToBytes } from "@tandem/crypto";
import {
  type AccountId,
  assertTandemChainId,
  formatTandemAccountId,
  type HashFn,
  isDenom,
  isLedgerError,
  MAX_TX_BYTES,
  parseChainId,
  parseTandemAccountId,
  validatorSetHash,
} from "@tandem/ledger";
import { z } from "zod";
import { RpcError, RpcErrorCode, rpcError } from "./errors.js";
import {
  type BlockJson,
  blockToJson,
  type CommitJson,
  commitToJson,
  type HeaderJson,
  type Hex,
  headerToJson,
  hex,
  jsonSafe,
  type MerkleProofJson,
  merkleProofToJson,
  type StateProofJson,
  stateProofToJson,
  type TxResultJson,
  txResultToJson,
  type ValidatorJson,
  validatorSetToJson,
} from "./json.js";

/** What the handlers run against; the runtime builds one per node. */
export interface RpcContext {
  node: ChainNode;
  chainId: string;
  hash: HashFn;
  /** The node's name (status). */
  name: string;
  /** The node's profile ("enterprise" | "home"). */
  profile: string;
  /** Connected peers on the chain's network. */
  peers(): number;
  natsConnected?(): boolean;
  /** Denoms getAccount reports when the request names none (the genesis denoms). */
  denoms?: readonly string[];
  /** The node runs with a vote signer (status while it is not in consensus and cannot tell). */
  validator?: boolean;
  /** Txs committed since genesis, if the runtime counts them. */
  txsCommitted?(): number;
  /** Where RPC_INTERNAL failures are logged (default: nowhere). */
  logger?: Logger;
}

/** Most txs in one submitTx batch. */
export const RPC_MAX_BATCH = 512;
/** Most denoms one getAccount asks for. */
export const RPC_MAX_DENOMS = 32;

// ---- request schemas --------------------------------------------------------------------------------

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

const hexBytes = (maxBytes: number) =>
  z
    .string()
    .max(maxBytes * 2, `at most ${maxBytes} bytes of hex`)
    .regex(HEX_RE, "even-length hex")
    .transform((s) => hexToBytes(s));

const hash32 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "32 bytes of hex")
  .transform((s) => hexToBytes(s));

const height = z.int().min(0);

/** A 20-byte address in hex or a CAIP-10 `tandem:` account id. */
const accountRef = z.string().transform((s, ctx): AccountId & { bytes: Uint8Array } => {
  if (/^[0-9a-fA-F]{40}$/.test(s)) return { chainId: "", address: s.toLowerCase(), bytes: hexToBytes(s) };
  try {
    const a = parseTandemAccountId(s);
    return { chainId: a.chainId, address: hex(a.address), bytes: a.address };
  } catch {
    ctx.addIssue({ code: "custom", message: "not a 20-byte hex address or a CAIP-10 tandem account id" });
    return z.NEVER;
  }
});

const submitTxRequest = z
  .strictObject({
    tx: hexBytes(MAX_TX_BYTES).optional(),
    txs: z.array(hexBytes(MAX_TX_BYTES)).min(1).max(RPC_MAX_BATCH).optional(),
  })
  .refine((r) => (r.tx === undefined) !== (r.txs === undefined), "exactly one of tx and txs");

const getStatusRequest = z.strictObject({});

const getBlockRequest = z
  .strictObject({
    height: height.min(1).optional(),
    hash: hash32.optional(),
    /** Include the raw txs (hex). */
    txs: z.boolean().optional(),
  })
  .refine((r) => r.height === undefined || r.hash === undefined, "at most one of height and hash");

const getTxRequest = z.strictObject({ hash: hash32, proof: z.boolean().optional() });

const getAccountRequest = z.strictObject({
  account: accountRef,
  height: height.optional(),
  proof: z.boolean().optional(),
  denoms: z.array(z.string().refine(isDenom, "a denomination")).max(RPC_MAX_DENOMS).optional(),
});

const getValidatorsRequest = z.strictObject({ height: height.min(1).optional() });

// ---- results ------------------------------------------------------------------------------------

export interface SubmitTxResult {
  hash: Hex;
  accepted: true;
  /** "pending" (executable now) or "queued" (waits for an earlier nonce). */
  status: string;
}

export type SubmitOutcomeJson =
  | { ok: true; hash: Hex; status: string }
  | { ok: false; code: string; message: string; hash?: Hex };

export interface SubmitTxsResult {
  accepted: number;
  rejected: number;
  results: SubmitOutcomeJson[];
}

export interface StatusResult {
  chainId: string;
  name: string;
  profile: string;
  height: number;
  headHash: Hex;
  /** Time of the head block, ms since the Unix epoch (the genesis time at height 0). */
  headTime: number;
  stateRoot: Hex;
  mode: string;
  /** The height consensus is deciding (absent outside consensus). */
  consensusHeight?: number;
  peers: number;
  validator: boolean;
  mempool: { size: number; pending: number };
  blocksCommitted: number;
  txsCommitted?: number;
  natsConnected?: boolean;
}

export type BlockResult = BlockJson & { txs?: Hex[] };

export interface TxProofJson {
  /** Inclusion of `tx` in `header.txRoot`. */
  tx: MerkleProofJson;
  /** Inclusion of the canonical {code, data} result in `header.resultsRoot`. */
  result: MerkleProofJson;
  header: HeaderJson;
  commit: CommitJson;
}

export interface TxResult {
  hash: Hex;
  height: number;
  index: number;
  blockHash: Hex;
  /** Canonical tx bytes. */
  tx: Hex;
  result: TxResultJson;
  proof?: TxProofJson;
}

export interface AccountResult {
  /** CAIP-10 account id. */
  account: string;
  address: Hex;
  height: number;
  /** The account's next nonce. */
  nonce: number;
  balances: Array<{ denom: string; amount: string }>;
  proof?: {
    height: number;
    stateRoot: Hex;
    /** Proof of `acct/<address>` (absent for an unused account). */
    account: StateProofJson;
    /** Proofs of `bal/<address><denom>`, in the order of `balances`. */
    balances: StateProofJson[];
  };
}

export interface ValidatorsResult {
  /** The height these validators sign. */
  height: number;
  validators: ValidatorJson[];
  totalPower: string;
  validatorsHash: Hex;
}

// ---- the table ----------------------------------------------------------------------------------

export interface RpcMethod<S extends z.ZodType = z.ZodType, R = unknown> {
  readonly name: string;
  readonly description: string;
  readonly request: S;
  readonly handler: (ctx: RpcContext, req: z.output<S>) => R | Promise<R>;
}

const method = <S extends z.ZodType, R>(m: RpcMethod<S, R>): RpcMethod<S, R> => m;

function blockAt(ctx: RpcContext, h: number): BlockJson {
  const ev = ctx.node.blockEvent(h);
  if (ev === undefined)
    throw rpcError(RpcErrorCode.BLOCK_NOT_FOUND, "no block at that height", { height: h });
  return blockToJson(ev);
}

export const RPC_METHODS = {
  submitTx: method({
    name: "submitTx",
    description:
      "Submits a signed tx ({tx: hex}) to the mempool; replies {hash, accepted, status} or the mempool's coded " +
      `error. {txs: hex[]} (up to ${RPC_MAX_BATCH}) submits a batch and replies with one outcome per tx.`,
    request: submitTxRequest,
    handler: async (ctx, req): Promise<SubmitTxResult | SubmitTxsResult> => {
      if (req.tx !== undefined) {
        const r = await ctx.node.submitTx(req.tx);
        return { hash: r.hashHex, accepted: true, status: r.status };
      }
      const outs = await ctx.node.submitTxs(req.txs ?? []);
      let accepted = 0;
      const results = outs.map((o): SubmitOutcomeJson => {
        if (o.ok) {
          accepted++;
          return { ok: true, hash: o.hashHex, status: o.status };
        }
        return {
          ok: false,
          code: o.code,
          message: o.message,
          ...(o.hashHex === undefined ? {} : { hash: o.hashHex }),
        };
      });
      return { accepted, rejected: outs.length - accepted, results };
    },
  }),

  getStatus: method({
    name: "getStatus",
    description: "The node's chain, head (height, hash, time, state root), mode, peers and mempool.",
    request: getStatusRequest,
    handler: (ctx): StatusResult => {
      const n = ctx.node;
      const engine = n.consensusEngine;
      const txs = ctx.txsCommitted?.();
      const nats = ctx.natsConnected?.();
      return {
        chainId: ctx.chainId,
        name: ctx.name,
        profile: ctx.profile,
        height: n.height,
        headHash: hex(n.headHash),
        headTime: n.head.time,
        stateRoot: hex(n.stateRoot),
        mode: n.mode,
        ...(engine === undefined ? {} : { consensusHeight: engine.height }),
        peers: ctx.peers(),
        // In consensus the engine knows whether this key is in the set; otherwise the runtime's word.
        validator: engine === undefined ? (ctx.validator ?? false) : engine.consensus.ownIndex >= 0,
        mempool: { size: n.mempool.size, pending: n.mempool.pendingCount },
        blocksCommitted: n.stats.blocksCommitted,
        ...(txs === undefined ? {} : { txsCommitted: txs }),
        ...(nats === undefined ? {} : { natsConnected: nats }),
      };
    },
  }),

  getBlock: method({
    name: "getBlock",
    description:
      "A committed block by {height} or {hash} (default: the head): header, commit, tx hashes, results " +
      "and block events; {txs: true} adds the raw txs. BLOCK_NOT_FOUND otherwise.",
    request: getBlockRequest,
    handler: (ctx, req): BlockResult => {
      let h = req.height ?? ctx.node.height;
      if (req.hash !== undefined) {
        const found = ctx.node.blockStore.heightOf(req.hash);
        if (found === undefined)
          throw rpcError(RpcErrorCode.BLOCK_NOT_FOUND, "no block with that hash", { hash: hex(req.hash) });
        h = found;
      }
      if (h < 1) throw rpcError(RpcErrorCode.BLOCK_NOT_FOUND, "no block committed yet", { height: h });
      const block = blockAt(ctx, h);
      if (req.txs !== true) return block;
      return { ...block, txs: (ctx.node.getBlock(h)?.txs ?? []).map(hex) };
    },
  }),

  getTx: method({
    name: "getTx",
    description:
      "A committed tx by hash: height, index, block hash, result and the tx; {proof: true} adds its " +
      "inclusion proofs against the header's tx and results roots, the header and the commit. TX_NOT_FOUND otherwise.",
    request: getTxRequest,
    handler: (ctx, req): TxResult => {
      const t = ctx.node.getTx(req.hash);
      if (t === undefined)
        throw rpcError(RpcErrorCode.TX_NOT_FOUND, "no committed tx with that hash", { hash: hex(req.hash) });
      const out: TxResult = {
        hash: hex(t.hash),
        height: t.height,
        index: t.index,
        blockHash: hex(t.blockHash),
        tx: hex(t.tx),
        result: txResultToJson(t.result),
      };
      if (req.proof !== true) return out;
      const commit = ctx.node.getCommit(t.height);
      if (commit === undefined)
        throw rpcError(RpcErrorCode.BLOCK_NOT_FOUND, "the tx's commit is not stored", { height: t.height });
      out.proof = {
        tx: merkleProofToJson(t.proof),
        result: merkleProofToJson(t.resultProof),
        header: headerToJson(t.header),
        commit: commitToJson(commit),
      };
      return out;
    },
  }),

  getAccount: method({
    name: "getAccount",
    description:
      "An account (20-byte hex address or CAIP-10 id of this chain) at {height} (default: the head): next " +
      "nonce and balances of {denoms} (default: the chain's); {proof: true} adds the state proofs and root.",
    request: getAccountRequest,
    handler: (ctx, req): AccountResult => {
      const a = req.account;
      if (a.chainId !== "" && a.chainId !== ctx.chainId) {
        throw rpcError(RpcErrorCode.WRONG_CHAIN, `an account of ${a.chainId}, not of ${ctx.chainId}`, {
          chainId: a.chainId,
          expected: ctx.chainId,
        });
      }
      // One height for every read, so the nonce and balances are of the same state root.
      const at = req.height ?? ctx.node.height;
      const acct = ctx.node.getAccount(a.bytes, at);
      const denoms = req.denoms ?? ctx.denoms ?? [];
      const bals = denoms.map((d) => ctx.node.getBalance(a.bytes, d, at));
      const out: AccountResult = {
        account: formatTandemAccountId(ctx.chainId, a.bytes),
        address: a.address,
        height: acct.height,
        nonce: acct.nonce,
        balances: bals.map((b) => ({ denom: b.denom, amount: b.amount.toString() })),
      };
      if (req.proof === true) {
        out.proof = {
          height: acct.height,
          stateRoot: hex(acct.stateRoot),
          account: stateProofToJson(acct.proof),
          balances: bals.map((b) => stateProofToJson(b.proof)),
        };
      }
      return out;
    },
  }),

  getValidators: method({
    name: "getValidators",
    description:
      "The validator set that signs {height} (default: the next height): address, BLS key and power of " +
      "each, total power and the validators hash (the header's validatorsHash).",
    request: getValidatorsRequest,
    handler: (ctx, req): ValidatorsResult => {
      const h = req.height ?? ctx.node.height + 1;
      // The state at h − 1 holds the set of height h.
      const set = ctx.node.stateMachine.validatorSet(h - 1);
      return { height: h, ...validatorSetToJson(set), validatorsHash: hex(validatorSetHash(set, ctx.hash)) };
    },
  }),
} as const;

export type RpcMethods = typeof RPC_METHODS;
export type RpcMethodName = keyof RpcMethods;
/** What a client sends for `M` (before the schema's transforms). */
export type RpcRequest<M extends RpcMethodName> = z.input<RpcMethods[M]["request"]>;
/** What `M` replies with. */
export type RpcResult<M extends RpcMethodName> = Awaited<ReturnType<RpcMethods[M]["handler"]>>;

export const RPC_METHOD_NAMES = Object.keys(RPC_METHODS) as RpcMethodName[];

export function isRpcMethodName(name: unknown): name is RpcMethodName {
  return typeof name === "string" && Object.hasOwn(RPC_METHODS, name);
}

// ---- subjects -------------------------------------------------------------------------------------

/** The chain's subject token: the CAIP-2 reference (`tandem:acme` → `acme`); CAIP_INVALID otherwise. */
export function chainSubjectToken(chainId: string): string {
  return parseChainId(assertTandemChainId(chainId)).reference;
}

/** `tandem.<ref>.rpc.<method>` */
export function rpcSubject(chainId: string, method: RpcMethodName): string {
  return `tandem.${chainSubjectToken(chainId)}.rpc.${method}`;
}

/**
 * A node's own copy of a method's subject, `tandem.<chain>.rpc.<method>.<node>`. The chain-wide subject
 * is served by a queue group (one node answers each request); this one by the named node only, for
 * status tables and checks that compare nodes.
 */
export function nodeRpcSubject(chainId: string, method: RpcMethodName, nodeName: string): string {
  return `${rpcSubject(chainId, method)}.${nodeName}`;
}

/** Every method's subject. */
export function rpcSubjects(chainId: string): Record<RpcMethodName, string> {
  const out = {} as Record<RpcMethodName, string>;
  for (const m of RPC_METHOD_NAMES) out[m] = rpcSubject(chainId, m);
  return out;
}

// ---- the envelope -------------------------------------------------------------------------------

export interface RpcErrorJson {
  code: string;
  message: string;
  [meta: string]: unknown;
}

export type RpcReply<R = unknown> = { ok: true; result: R } | { ok: false; error: RpcErrorJson };

function isCodedError(e: unknown): e is Error & { code: string; toJSON(): Record<string, unknown> } {
  // Duck-typed as well, so a LedgerError from another copy of the package still keeps its code.
  if (isLedgerError(e)) return true;
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === "string" &&
    typeof (e as { toJSON?: unknown }).toJSON === "function" &&
    "meta" in e
  );
}

/**
 * The error envelope of any thrown value: a coded error keeps its code, message and meta (made
 * JSON-safe); anything else is RPC_INTERNAL with a generic message (the cause goes to `logger`).
 */
export function rpcErrorReply(
  e: unknown,
  logger?: Logger,
  context: Record<string, unknown> = {},
): RpcReply<never> {
  if (isCodedError(e)) {
    let body: Record<string, unknown> = {};
    try {
      body = (jsonSafe(e.toJSON()) as Record<string, unknown>) ?? {};
    } catch {
      body = {};
    }
    return { ok: false, error: { ...body, code: e.code, message: String(e.message) } };
  }
  try {
    logger?.error("rpc handler failed", {
      ...context,
      error: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
  } catch {
    // A failing logger must not turn a reply into a crash.
  }
  return { ok: false, error: { code: RpcErrorCode.INTERNAL, message: "internal error" } };
}

function badRequest(issues: z.ZodError["issues"]): RpcReply<never> {
  const list = issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
  const first = list[0];
  const where = first === undefined ? "" : `: ${first.path === "" ? "(root)" : first.path}: ${first.message}`;
  return {
    ok: false,
    error: { code: RpcErrorCode.BAD_REQUEST, message: `bad request${where}`, issues: list },
  };
}

/**
 * Runs one request: validates `raw` (the parsed JSON; undefined or null count as `{}`) against the
 * method's schema and calls its handler. Never throws; every failure is an error envelope.
 */
export async function handleRpc(ctx: RpcContext, method: string, raw: unknown): Promise<RpcReply> {
  try {
    if (!isRpcMethodName(method)) {
      return {
        ok: false,
        error: {
          code: RpcErrorCode.UNKNOWN_METHOD,
          message: `unknown method ${String(method).slice(0, 64)}`,
        },
      };
    }
    const m = RPC_METHODS[method] as unknown as RpcMethod;
    const parsed = m.request.safeParse(raw ?? {});
    if (!parsed.success) return badRequest(parsed.error.issues);
    return { ok: true, result: await m.handler(ctx, parsed.data) };
  } catch (e) {
    return rpcErrorReply(e, ctx.logger, { method });
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/**
 * Parses request bytes as JSON (empty bytes: `undefined`, i.e. no parameters). Throws RPC_BAD_REQUEST
 * for bytes that are not UTF-8 JSON.
 */
export function decodeRpcRequest(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    throw new RpcError(RpcErrorCode.BAD_REQUEST, "the request is not JSON", {
      issues: [{ path: "", message: "not UTF-8 JSON" }],
    });
  }
}

/** The reply's bytes. */
export function encodeRpcReply(reply: RpcReply): Uint8Array {
  try {
    return encoder.encode(JSON.stringify(reply));
  } catch {
    // A result that does not serialise is a bug of the handler, not of the request.
    return encoder.encode(JSON.stringify(rpcErrorReply(new Error("reply did not serialise"))));
  }
}

/** Bytes in, bytes out: decode, handle, encode (for a plain NATS responder). Never throws. */
export async function handleRpcBytes(
  ctx: RpcContext,
  method: string,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  let raw: unknown;
  try {
    raw = decodeRpcRequest(bytes);
  } catch (e) {
    return encodeRpcReply(rpcErrorReply(e));
  }
  return encodeRpcReply(await handleRpc(ctx, method, raw));
}
