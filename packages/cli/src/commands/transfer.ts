/**
 * `tandem transfer`: reads the sender's next nonce with getAccount, signs a `transfer` tx with the
 * account key file, submits it; with `--wait` polls getTx until the tx is committed, checks its
 * inclusion proof (tx → tx root, result → results root, header → the block hash the commit signs) and
 * prints the height, block hash and result code. Progress goes to stderr.
 */
import { resolve } from "node:path";
import {
  ChainRpcClient,
  RpcErrorCode,
  type StatusResult,
  type TxResult,
  verifyTxInclusion,
} from "@tandem/chain-runtime";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  addressToHex,
  createValidatorSet,
  encodeTx,
  formatTandemAccountId,
  type HashName,
  hashSuite,
  MAX_MEMO_BYTES,
  signTx,
  type TransferPayload,
  TX_RESULT_OK,
  txHash,
  validatorSetHash,
} from "@tandem/ledger";
import { readAccountKeyFile } from "../account-key.js";
import { CliError, CliErrorCode, errorCode, invalidArgument } from "../errors.js";
import { type Connect, defaultConnect, withNats } from "../nats.js";
import { formatFields, type Output, printJson } from "../output.js";
import {
  nativeDenom,
  parseAccount,
  parseAmount,
  parseChainIdOption,
  parseDenomOption,
  parseHashSuite,
  parseIntOption,
} from "../parse.js";

export interface TransferOptions {
  nats?: string;
  chain?: string;
  from?: string;
  to?: string;
  amount?: string;
  denom?: string;
  memo?: string;
  nonce?: string | number;
  expiryHeight?: string | number;
  /** The chain's hash suite; detected from the chain when absent. */
  hashSuite?: string;
  wait?: boolean;
  waitTimeout?: string | number;
  timeout?: string | number;
  json?: boolean;
}

export interface TransferResult {
  hash: string;
  chainId: string;
  from: string;
  to: string;
  amount: string;
  denom: string;
  nonce: number;
  hashSuite: HashName;
  /** The mempool's status ("pending" or "queued"). */
  status: string;
  committed?: { height: number; index: number; blockHash: string; code: string; proofVerified: boolean };
}

export interface TransferDeps {
  connect?: Connect;
  /** Poll interval of --wait (default 250 ms). */
  pollMs?: number;
}

/**
 * The chain's hash suite: what getStatus says if it says, else the one under which the validator set
 * that getValidators returns hashes to the validators hash it reports.
 */
export async function detectHashSuite(
  client: ChainRpcClient,
  st: StatusResult,
): Promise<HashName | undefined> {
  const said = (st as StatusResult & { hashSuite?: unknown }).hashSuite;
  if (said === "sha256" || said === "sm3") return said;
  const v = await client.getValidators();
  try {
    const set = createValidatorSet(
      v.validators.map((x) => ({
        address: hexToBytes(x.address),
        publicKey: hexToBytes(x.blsPublicKey),
        power: BigInt(x.power),
      })),
    );
    for (const name of ["sha256", "sm3"] as const) {
      if (bytesToHex(validatorSetHash(set, hashSuite(name))) === v.validatorsHash) return name;
    }
  } catch {
    // A malformed set: undecided.
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function transfer(
  opts: TransferOptions,
  o: Output,
  deps: TransferDeps = {},
): Promise<TransferResult> {
  // Every option is checked before the key is read or anything is sent.
  const chainId = parseChainIdOption(opts.chain, "--chain");
  if (opts.from === undefined || opts.from === "")
    throw invalidArgument("--from <account-key-file> is required", { option: "--from" });
  const to = parseAccount(opts.to, "--to", chainId);
  const amount = parseAmount(opts.amount);
  const denom = opts.denom === undefined ? nativeDenom(chainId) : parseDenomOption(opts.denom);
  const memo = opts.memo ?? "";
  if (utf8ToBytes(memo).length > MAX_MEMO_BYTES) {
    throw invalidArgument(`--memo is longer than ${MAX_MEMO_BYTES} bytes`, { option: "--memo" });
  }
  const fixedNonce = opts.nonce === undefined ? undefined : parseIntOption(opts.nonce, "--nonce");
  const expiryHeight = parseIntOption(opts.expiryHeight ?? 0, "--expiry-height");
  const givenSuite = opts.hashSuite === undefined ? undefined : parseHashSuite(opts.hashSuite);
  const waitTimeoutMs = parseIntOption(opts.waitTimeout ?? 30_000, "--wait-timeout", {
    min: 1,
    max: 3_600_000,
  });
  const timeoutMs = parseIntOption(opts.timeout ?? 5000, "--timeout", { min: 1, max: 600_000 });
  const key = await readAccountKeyFile(resolve(opts.from));
  const url = opts.nats ?? "nats://127.0.0.1:4222";

  return withNats(url, deps.connect ?? defaultConnect, async (nc) => {
    const client = new ChainRpcClient(nc, chainId, { timeoutMs });
    o.err(`connected to ${url}; asking ${chainId} for its status…`);
    const st = await client.getStatus();
    if (st.chainId !== chainId) {
      throw new CliError(RpcErrorCode.WRONG_CHAIN, `the node on ${chainId}'s subjects serves ${st.chainId}`);
    }
    let suite = givenSuite;
    if (suite === undefined) {
      suite = await detectHashSuite(client, st);
      if (suite === undefined) {
        suite = "sha256";
        o.err("warning: could not tell the chain's hash suite; assuming sha256 (pass --hash-suite)");
      }
    }
    const hash = hashSuite(suite);
    const from = accountAddress("ed25519", key.publicKey, hash);
    let nonce = fixedNonce;
    if (nonce === undefined) {
      const acct = await client.getAccount(from, { denoms: [denom] });
      nonce = acct.nonce;
      const balance = acct.balances.find((b) => b.denom === denom)?.amount ?? "0";
      o.err(
        `sender ${formatTandemAccountId(chainId, from)}: nonce ${nonce}, balance ${balance} ${denom} at height ${acct.height}`,
      );
      if (BigInt(balance) < amount) o.err(`warning: the balance is below the amount; the transfer will fail`);
    }
    const payload: TransferPayload = { to, amount, denom, memo };
    const tx = signTx({ chainId, kind: "transfer", nonce, expiryHeight, payload }, key.secretKey, "ed25519", {
      hash,
    });
    const bytes = encodeTx(tx);
    const hashHex = bytesToHex(txHash(bytes, { hash }));
    o.err(`submitting transfer ${hashHex} (nonce ${nonce})…`);
    const submitted = await client.submitTx(bytes);
    if (submitted.hash !== hashHex) {
      throw new CliError(
        RpcErrorCode.BAD_REPLY,
        `the node reports tx hash ${submitted.hash}, expected ${hashHex}`,
      );
    }
    o.err(`accepted into the mempool (${submitted.status})`);
    const result: TransferResult = {
      hash: hashHex,
      chainId,
      from: addressToHex(from),
      to: addressToHex(to),
      amount: amount.toString(),
      denom,
      nonce,
      hashSuite: suite,
      status: submitted.status,
    };
    if (opts.wait === true) {
      o.err(`waiting for the tx to be committed (up to ${waitTimeoutMs} ms)…`);
      const deadline = Date.now() + waitTimeoutMs;
      let found: TxResult | undefined;
      while (found === undefined) {
        try {
          found = await client.getTx(hashHex, { proof: true });
        } catch (e) {
          if (errorCode(e) !== RpcErrorCode.TX_NOT_FOUND) throw e;
          if (Date.now() >= deadline) {
            throw new CliError(
              CliErrorCode.TX_WAIT_TIMEOUT,
              `tx ${hashHex} was not committed within ${waitTimeoutMs} ms (it may still be; check later)`,
              { hash: hashHex },
            );
          }
          await sleep(deps.pollMs ?? 250);
        }
      }
      const proofVerified = verifyTxInclusion(found, hashHex, hash);
      if (!proofVerified) {
        throw new CliError(
          CliErrorCode.TX_PROOF_INVALID,
          `the inclusion proof of tx ${hashHex} at height ${found.height} does not verify`,
          { hash: hashHex, height: found.height },
        );
      }
      o.err(`committed at height ${found.height}; inclusion proof verified`);
      result.committed = {
        height: found.height,
        index: found.index,
        blockHash: found.blockHash,
        code: found.result.code,
        proofVerified,
      };
    }
    if (opts.json === true) printJson(o, result);
    else {
      for (const line of formatFields([
        ["tx", result.hash],
        ["from", formatTandemAccountId(chainId, from)],
        ["to", formatTandemAccountId(chainId, to)],
        ["amount", `${result.amount} ${denom}`],
        ["nonce", String(nonce)],
        ...(result.committed === undefined
          ? [["status", submitted.status] as const]
          : ([
              ["height", String(result.committed.height)],
              ["block", result.committed.blockHash],
              ["result", result.committed.code],
              ["proof", "verified"],
            ] as const)),
      ]))
        o.out(line);
    }
    if (result.committed !== undefined && result.committed.code !== TX_RESULT_OK) {
      throw new CliError(
        result.committed.code,
        `the transfer was committed at height ${result.committed.height} but failed with ${result.committed.code}`,
        { hash: hashHex, height: result.committed.height },
      );
    }
    return result;
  });
}
