/**
 * An in-process testnet of real {@link ChainNode}s over one {@link MemoryNetwork}: deterministic keys
 * (operator Ed25519 accounts, consensus keys: real BLS12-381 or the cheap test scheme), a genesis with
 * funded accounts, per-node stores (MemoryKvStore on a MemoryDisk that survives crashes, or LMDB in a
 * temp directory), crash and restart of single nodes, and signed transfers with tracked nonces.
 * For tests and the bench; not for production.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bls, concatBytes, ed25519, equalBytes, sha256, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  encodeTx,
  type SignedTx,
  signTx,
  type TransferPayload,
  type TxDraft,
  type Validator,
} from "@tandem/ledger";
import { BlsWorkerVoteVerifier } from "../../consensus/bls-worker.js";
import type { Clock } from "../../consensus/interface.js";
import {
  BlsVoteSigner,
  BlsVoteVerifier,
  type VoteSigner,
  type VoteVerifier,
} from "../../consensus/signer.js";
import type { Failpoints } from "../../failpoints.js";
import type { Logger } from "../../logger.js";
import { MemoryNetwork, type MemoryNetworkOptions } from "../../network/memory-network.js";
import { ChainNode } from "../../node/chain-node.js";
import type { ChainNodeOptions } from "../../node/options.js";
import type { Genesis } from "../../state/interface.js";
import type { KvStore } from "../../store/interface.js";
import { LmdbKvStore } from "../../store/lmdb.js";
import { MemoryDisk, MemoryKvStore } from "../../store/memory.js";
import { TestVoteSigner, testVoteVerifier } from "../test-signer.js";

export interface TestKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

/** A deterministic Ed25519 account key from a label. */
export function testKey(label: string): TestKey {
  const { secretKey, publicKey } = ed25519.keygen(sha256(utf8ToBytes(`tandem/test-key/${label}`)));
  return { secretKey, publicKey, address: accountAddress("ed25519", publicKey) };
}

/** The BLS12-381 consensus secret key of validator `i` of a BLS testnet (deterministic). */
export function testBlsSecretKey(chainId: string, i: number): Uint8Array {
  return bls.keygen(sha256(concatBytes(utf8ToBytes(`${chainId}/bls/`), utf8ToBytes(String(i))))).secretKey;
}

/** The operator (Ed25519 account) key of testnet member `i`. */
export function testOperatorKey(chainId: string, i: number): TestKey {
  return testKey(`${chainId}/operator/${i}`);
}

export interface TestnetOptions {
  chainId?: string;
  /** Genesis validators (default 4). */
  validators?: number;
  /** Full nodes without a validator key (default 0); they get the next member indices. */
  followers?: number;
  /** Power per validator (default 10 each). */
  powers?: readonly bigint[];
  /** Funded accounts (default 8). */
  accounts?: number;
  /** Balance of each funded account (default 10^15). */
  balance?: bigint;
  /** Consensus keys: real BLS12-381 or the cheap deterministic test scheme (default "test"). */
  scheme?: "bls" | "test";
  store?: "memory" | "lmdb";
  /** Parent directory of LMDB stores (default the OS temp dir). */
  dir?: string;
  /** Options of every node (the genesis is the testnet's). */
  node?: Omit<ChainNodeOptions, "genesis">;
  network?: MemoryNetworkOptions;
  clock?: Clock;
  logger?: (member: number) => Logger;
  /** Give validators their operator key (so they submit evidence; default true). */
  operatorKeys?: boolean;
  /** Genesis time in ms (default 0). */
  genesisTime?: number;
  /** With the BLS scheme: verify votes on this many worker threads (default 0: on the node's thread). */
  blsWorkers?: number;
}

export interface TestnetMember {
  readonly index: number;
  readonly id: string;
  /** Operator account (the validator's ledger address is its address). */
  readonly operator: TestKey;
  /** Consensus key (undefined for followers). */
  readonly signer: VoteSigner | undefined;
  readonly disk: MemoryDisk;
  readonly path: string | undefined;
  store: KvStore | undefined;
  node: ChainNode | undefined;
  /** The error the node last stopped on (a failpoint crash in tests). */
  fatal: unknown;
  starts: number;
}

/** Test network defaults: short timeouts so rounds move fast on wall time. */
export const testnetNodeOptions: Omit<ChainNodeOptions, "genesis"> = {
  consensus: {
    timeoutProposeMs: 600,
    timeoutProposeDeltaMs: 200,
    timeoutPrevoteMs: 200,
    timeoutPrevoteDeltaMs: 100,
    timeoutPrecommitMs: 200,
    timeoutPrecommitDeltaMs: 100,
  },
  gossipIntervalMs: 150,
  block: { emptyBlockWaitMs: 100 },
  mempool: { verifyWorkers: 0 },
  sync: { peerBackoffMs: 2000 },
};

export class Testnet {
  readonly members: TestnetMember[] = [];
  readonly accounts: TestKey[] = [];
  readonly network: MemoryNetwork;
  readonly genesis: Genesis;
  readonly denom: string;
  readonly chainId: string;
  readonly verifier: VoteVerifier;
  private readonly nonces = new Map<string, number>();
  private readonly root: string | undefined;

  private constructor(
    readonly opts: TestnetOptions,
    verifier: VoteVerifier,
    signers: Array<VoteSigner | undefined>,
  ) {
    this.chainId = opts.chainId ?? "tandem:testnet";
    this.denom = `${this.chainId}/native:credit`;
    this.verifier = verifier;
    this.network = new MemoryNetwork({
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
      ...opts.network,
    });
    this.root =
      opts.store === "lmdb" ? mkdtempSync(join(opts.dir ?? tmpdir(), "tandem-testnet-")) : undefined;
    const validators: Validator[] = [];
    signers.forEach((signer, i) => {
      const operator = testOperatorKey(this.chainId, i);
      this.members.push({
        index: i,
        id: `node${i}`,
        operator,
        signer,
        disk: new MemoryDisk(),
        path: this.root === undefined ? undefined : join(this.root, `node${i}`),
        store: undefined,
        node: undefined,
        fatal: undefined,
        starts: 0,
      });
      if (signer !== undefined) {
        validators.push({
          address: operator.address,
          publicKey: signer.publicKey,
          power: opts.powers?.[i] ?? 10n,
        });
      }
    });
    for (let i = 0; i < (opts.accounts ?? 8); i++)
      this.accounts.push(testKey(`${this.chainId}/account/${i}`));
    const balance = opts.balance ?? 10n ** 15n;
    this.genesis = {
      chainId: this.chainId,
      time: opts.genesisTime ?? 0,
      validators,
      denoms: [this.denom],
      balances: this.accounts.map((a) => ({ address: a.address, denom: this.denom, amount: balance })),
    };
  }

  static async create(opts: TestnetOptions = {}): Promise<Testnet> {
    const n = opts.validators ?? 4;
    const followers = opts.followers ?? 0;
    const chainId = opts.chainId ?? "tandem:testnet";
    const signers: Array<VoteSigner | undefined> = [];
    let verifier: VoteVerifier = testVoteVerifier;
    if (opts.scheme === "bls") {
      verifier =
        (opts.blsWorkers ?? 0) > 0
          ? await BlsWorkerVoteVerifier.create({ threads: opts.blsWorkers })
          : await BlsVoteVerifier.create();
      for (let i = 0; i < n; i++) {
        signers.push(await BlsVoteSigner.create(testBlsSecretKey(chainId, i)));
      }
    } else {
      for (let i = 0; i < n; i++) signers.push(new TestVoteSigner(`${chainId}/validator/${i}`));
    }
    for (let i = 0; i < followers; i++) signers.push(undefined);
    return new Testnet(opts, verifier, signers);
  }

  member(i: number): TestnetMember {
    const m = this.members[i];
    if (m === undefined) throw new RangeError(`no member ${i}`);
    return m;
  }

  /** The running node of member `i` (throws if it is not running). */
  node(i: number): ChainNode {
    const n = this.member(i).node;
    if (n === undefined) throw new Error(`node ${i} is not running`);
    return n;
  }

  /** Running nodes. */
  get running(): ChainNode[] {
    return this.members.flatMap((m) => (m.node === undefined || m.node.mode === "crashed" ? [] : [m.node]));
  }

  private async openStore(m: TestnetMember): Promise<KvStore> {
    if (m.path === undefined) return MemoryKvStore.open(m.disk);
    return LmdbKvStore.open({ path: m.path });
  }

  /** Starts (or restarts) member `i`'s node over its store. */
  async start(
    i: number,
    extra: { failpoints?: Failpoints; node?: Omit<ChainNodeOptions, "genesis"> } = {},
  ): Promise<ChainNode> {
    const m = this.member(i);
    if (m.node !== undefined && m.node.mode !== "crashed") throw new Error(`node ${i} is running`);
    if (m.node !== undefined) await this.crash(i);
    m.fatal = undefined;
    const store = await this.openStore(m);
    m.store = store;
    m.starts++;
    const base = this.opts.node ?? testnetNodeOptions;
    const node = await ChainNode.init(
      { ...base, ...extra.node, genesis: this.genesis },
      {
        store,
        network: this.network.join(m.id),
        verifier: this.verifier,
        ...(this.opts.clock === undefined ? {} : { clock: this.opts.clock }),
        ...(this.opts.logger === undefined ? {} : { logger: this.opts.logger(i) }),
        ...(m.signer === undefined ? {} : { signer: m.signer }),
        ...(extra.failpoints === undefined ? {} : { failpoints: extra.failpoints }),
        ...(m.signer !== undefined && this.opts.operatorKeys !== false
          ? { operatorKey: m.operator.secretKey }
          : {}),
        onFatal: (e) => {
          m.fatal = e;
          // A crash is a killed process: it leaves the network and loses what it had not flushed.
          this.network.leave(m.id);
          if (store instanceof MemoryKvStore) store.crash();
        },
      },
    );
    m.node = node;
    return node;
  }

  async startAll(): Promise<void> {
    for (const m of this.members) await this.start(m.index);
  }

  /** Kills member `i` (kill -9): pending writes are lost, the store is reopened by the next start. */
  async crash(i: number): Promise<void> {
    const m = this.member(i);
    this.network.leave(m.id);
    if (m.store instanceof MemoryKvStore) m.store.crash();
    await m.node?.close().catch(() => {});
    if (m.store !== undefined && !(m.store instanceof MemoryKvStore)) await m.store.close().catch(() => {});
    m.node = undefined;
    m.store = undefined;
  }

  /** Stops member `i` cleanly. */
  async stop(i: number): Promise<void> {
    const m = this.member(i);
    await m.node?.close();
    this.network.leave(m.id);
    await m.store?.close();
    m.node = undefined;
    m.store = undefined;
  }

  async close(): Promise<void> {
    for (const m of this.members) await this.stop(m.index).catch(() => {});
    if (this.verifier instanceof BlsWorkerVoteVerifier) await this.verifier.close();
    if (this.root !== undefined) rmSync(this.root, { recursive: true, force: true });
  }

  /** The next nonce this testnet will use for `account` (tracked locally). */
  nextNonce(account: TestKey): number {
    return this.nonces.get(Buffer.from(account.address).toString("hex")) ?? 0;
  }

  /** A signed transfer of `amount` from `from` to `to` with the next tracked nonce. */
  transfer(
    from: TestKey,
    to: Uint8Array,
    amount: bigint,
    opts: { nonce?: number; memo?: string } = {},
  ): Uint8Array {
    const id = Buffer.from(from.address).toString("hex");
    const nonce = opts.nonce ?? this.nonces.get(id) ?? 0;
    if (opts.nonce === undefined) this.nonces.set(id, nonce + 1);
    return this.signed(from, {
      chainId: this.chainId,
      kind: "transfer",
      nonce,
      expiryHeight: 0,
      payload: { to, amount, denom: this.denom, memo: opts.memo ?? "" } satisfies TransferPayload,
    });
  }

  /** Signs and encodes any tx draft with `key`. */
  signed<P>(key: TestKey, draft: TxDraft<P>): Uint8Array {
    const tx: SignedTx<P> = signTx(draft, key.secretKey, "ed25519");
    return encodeTx(tx);
  }

  /** Resolves once every listed running node (default all running) stored `height`. */
  async waitForHeight(height: number, opts: { nodes?: number[]; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
    for (;;) {
      const nodes = (opts.nodes ?? this.members.map((m) => m.index))
        .map((i) => this.member(i))
        .filter((m) => m.node !== undefined && m.node.mode !== "crashed")
        .map((m) => m.node as ChainNode);
      if (nodes.length > 0 && nodes.every((n) => n.height >= height)) return;
      if (Date.now() > deadline) {
        const hs = this.members.map((m) => `${m.id}:${m.node?.height ?? "-"}/${m.node?.mode ?? "down"}`);
        throw new Error(`timed out waiting for height ${height} (${hs.join(" ")})`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Checks agreement over the running nodes: for every height stored by two nodes, equal block hashes
   * and equal state roots. Returns the heights compared.
   */
  assertAgreement(): number {
    const nodes = this.running;
    const top = Math.min(...nodes.map((n) => n.height));
    for (let h = 1; h <= top; h++) {
      const ref = nodes[0]?.getCommit(h)?.blockHash;
      const refRoot = nodes[0]?.stateMachine.heightRecord(h)?.stateRoot;
      for (const n of nodes) {
        const hash = n.getCommit(h)?.blockHash;
        const root = n.stateMachine.heightRecord(h)?.stateRoot;
        if (ref === undefined || hash === undefined || !equalBytes(ref, hash)) {
          throw new Error(`fork: ${n.peerId} has another block at height ${h}`);
        }
        if (refRoot === undefined || root === undefined || !equalBytes(refRoot, root)) {
          throw new Error(`state divergence: ${n.peerId} has another state root at height ${h}`);
        }
      }
    }
    return top;
  }
}
