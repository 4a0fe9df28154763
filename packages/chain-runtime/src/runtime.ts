/**
 * One chain node as a running service, without any framework: read the key and genesis files, lock the
 * data dir (`node.pid`) and open LMDB in it, start libp2p (allowlist = the genesis validators' peer ids +
 * the config's, seeds, mDNS on the home profile), put the chain-core node on it through the libp2p
 * adapter, and run. The Nest apps host one of these; tests and tools can run it bare.
 */
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  BlsVoteSigner,
  BlsWorkerVoteVerifier,
  ChainNode,
  type ChainNodeOptions,
  LmdbKvStore,
  type Logger,
  silentLogger,
} from "@tandem/chain-core";
import type { HashFn } from "@tandem/crypto";
import { hashSuite, isLedgerError, parseChainId } from "@tandem/ledger";
import { P2PNode } from "@tandem/p2p";
import type { NodeConfig } from "./config.js";
import { profileDefaults } from "./config.js";
import { RuntimeError, RuntimeErrorCode } from "./errors.js";
import { type ChainGenesis, readGenesisFile } from "./genesis.js";
import { type NodeKey, readNodeKeyFile } from "./keys.js";
import { Libp2pPeerNetwork } from "./network/index.js";

export interface NodeRuntimeOptions {
  logger?: Logger;
  /** Called once if the node stops on its own (a crash or unexpected error). */
  onFatal?: (error: unknown) => void;
}

/** The chain-core options of a profile, with the config's tuning on top. */
export function chainNodeOptions(config: NodeConfig, chain: ChainGenesis): ChainNodeOptions {
  const d = profileDefaults[config.profile];
  const t = config.tuning;
  return {
    genesis: chain.genesis,
    hashSuite: chain.hashSuite,
    consensus: {
      timeoutProposeMs: t.timeoutProposeMs ?? d.timeoutProposeMs,
      timeoutPrevoteMs: t.timeoutPrevoteMs ?? d.timeoutPrevoteMs,
      timeoutPrecommitMs: t.timeoutPrecommitMs ?? d.timeoutPrecommitMs,
    },
    block: {
      emptyBlockWaitMs: t.emptyBlockWaitMs ?? d.emptyBlockWaitMs,
      ...(t.maxBlockTxs === undefined ? {} : { maxTxs: t.maxBlockTxs }),
    },
    mempool: {
      ...(t.mempoolMaxTxs === undefined ? {} : { maxTxs: t.mempoolMaxTxs }),
      ...(t.verifyWorkers === undefined ? {} : { verifyWorkers: t.verifyWorkers }),
    },
  };
}

/** Data dirs locked by runtimes of this process: the pid in a lock file cannot tell them apart. */
const heldDataDirs = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's process.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes `<dataDir>/node.pid` for this runtime, so two nodes never run on one LMDB env with one key (they
 * would both vote: equivocation). A lock whose process is gone (kill -9, a crash) is taken over. Returns
 * the release.
 */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const path = join(dir, "node.pid");
  const inUse = (pid: number) =>
    new RuntimeError(
      RuntimeErrorCode.CONFIG_INVALID,
      `data dir ${dir} is in use by another node (pid ${pid}); stop that node, or remove ${path} if none runs`,
      { issues: [{ path: "dataDir", message: `in use by pid ${pid} (${path})` }] },
    );
  if (heldDataDirs.has(dir)) throw inUse(process.pid);
  const mine = `${process.pid}\n`;
  // Written aside and hard-linked into place: the lock never exists without its pid.
  const tmp = join(dir, `node.pid.${process.pid}.${Date.now()}.tmp`);
  await writeFile(tmp, mine, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const pid = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
        // This process's own pid, not held here: a restart that got the same pid (pid 1 in a container).
        const stale = !Number.isInteger(pid) || pid <= 0 || (pid !== process.pid && !pidAlive(pid));
        if (!stale || attempt >= 2) throw inUse(pid);
        await rm(path, { force: true });
      }
    }
  } finally {
    await rm(tmp, { force: true });
  }
  heldDataDirs.add(dir);
  return async () => {
    heldDataDirs.delete(dir);
    const text = await readFile(path, "utf8").catch(() => "");
    if (text === mine) await rm(path, { force: true });
  };
}

/** Whether this node signs votes: its key is a genesis validator's and the config does not opt out. */
function votes(config: NodeConfig, chain: ChainGenesis, key: NodeKey): boolean {
  return config.validator !== false && chain.validatorPeerIds.includes(key.p2p.peerId);
}

export class NodeRuntime {
  private stopped = false;

  private constructor(
    readonly config: NodeConfig,
    readonly key: NodeKey,
    readonly chain: ChainGenesis,
    readonly hash: HashFn,
    readonly p2p: P2PNode,
    readonly network: Libp2pPeerNetwork,
    readonly store: LmdbKvStore,
    private readonly verifier: BlsWorkerVoteVerifier,
    readonly node: ChainNode,
    readonly name: string,
    private readonly log: Logger,
    private readonly unlock: () => Promise<void>,
  ) {}

  /** Boots the node: files → LMDB → libp2p → chain node (sync, then consensus). */
  static async start(config: NodeConfig, opts: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
    const log = opts.logger ?? silentLogger;
    const key = await readNodeKeyFile(config.keyFile);
    const chain = await readGenesisFile(config.genesisFile);
    const hash = hashSuite(chain.hashSuite);
    const isValidator = votes(config, chain, key);
    const name = config.name ?? key.p2p.peerId.slice(-8);
    await mkdir(join(config.dataDir, "chain"), { recursive: true, mode: 0o700 });
    const unlock = await lockDataDir(config.dataDir);
    let store: LmdbKvStore;
    try {
      store = await LmdbKvStore.open({ path: join(config.dataDir, "chain") });
    } catch (e) {
      await unlock();
      throw e;
    }
    // Run in order on a failed start: the lock goes last, after the store is closed.
    const cleanup: Array<() => Promise<void>> = [() => store.close(), unlock];
    try {
      const d = profileDefaults[config.profile];
      const allowlist =
        config.p2p.open === true
          ? undefined
          : new Set(
              [...chain.validatorPeerIds, ...(config.p2p.allowlist ?? [])].filter(
                (p) => p !== key.p2p.peerId,
              ),
            );
      const p2p = await P2PNode.create({
        privateKey: key.p2p.privateKey,
        listen: config.p2p.listen ?? d.listen,
        ...(config.p2p.announce === undefined ? {} : { announce: config.p2p.announce }),
        bootstrap: config.p2p.bootstrap ?? [],
        ...(allowlist === undefined ? {} : { allowlist }),
        mdns:
          (config.p2p.mdns ?? d.mdns)
            ? { serviceTag: `tandem-${parseChainId(chain.genesis.chainId).reference}` }
            : false,
        // Validators of one chain redial each other after restarts; loopback devnets dial often.
        inboundConnectionThreshold: 100,
        dialIntervalMs: 1000,
        maxDialBackoffMs: 5000,
        gossipHeartbeatMs: 500,
        ...(config.p2p.maxMessageBytes === undefined ? {} : { maxMessageBytes: config.p2p.maxMessageBytes }),
        logger: log,
      });
      await p2p.start();
      cleanup.unshift(() => p2p.close());
      const network = await Libp2pPeerNetwork.create(p2p, {
        chainId: chain.genesis.chainId,
        ...(config.p2p.maxMessageBytes === undefined ? {} : { maxMessageBytes: config.p2p.maxMessageBytes }),
        logger: log,
      });
      cleanup.unshift(() => network.close());
      // Vote pairings run on a worker thread, off the thread that runs consensus, gossip and RPC.
      const verifier = await BlsWorkerVoteVerifier.create({ threads: 1 });
      cleanup.unshift(() => verifier.close());
      const node = await ChainNode.init(chainNodeOptions(config, chain), {
        store,
        network,
        logger: log,
        verifier,
        ...(isValidator ? { signer: await BlsVoteSigner.create(key.bls.secretKey) } : {}),
        operatorKey: key.operator.secretKey,
        onFatal: (e) => opts.onFatal?.(e),
      }).catch((e: unknown) => {
        // The runtime's code, naming both files: the operator mixed up a data dir and a genesis.
        if (!isLedgerError(e, "NODE_GENESIS_MISMATCH")) throw e;
        throw new RuntimeError(
          RuntimeErrorCode.GENESIS_MISMATCH,
          `data dir ${config.dataDir} holds another chain than ${config.genesisFile} (${chain.genesis.chainId}): ${e.message}`,
          { dataDir: config.dataDir, genesisFile: config.genesisFile, storeChainId: e.meta.chainId },
          { cause: e },
        );
      });
      log.info("chain node running", {
        chainId: chain.genesis.chainId,
        name,
        peerId: key.p2p.peerId,
        validator: isValidator,
        height: node.height,
        listen: p2p.multiaddrs,
      });
      return new NodeRuntime(
        config,
        key,
        chain,
        hash,
        p2p,
        network,
        store,
        verifier,
        node,
        name,
        log,
        unlock,
      );
    } catch (e) {
      for (const c of cleanup) await c().catch(() => {});
      throw e;
    }
  }

  get chainId(): string {
    return this.chain.genesis.chainId;
  }

  get isValidator(): boolean {
    return votes(this.config, this.chain, this.key);
  }

  /** Stops the node, the network and the store, in that order, then unlocks the data dir. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.node.close().catch((e) => this.log.warn("chain node close failed", { error: String(e) }));
    await this.network.close().catch(() => {});
    await this.p2p.close().catch(() => {});
    await this.verifier.close().catch(() => {});
    await this.store.close().catch(() => {});
    await this.unlock().catch(() => {});
    this.log.info("chain node stopped", { chainId: this.chainId, name: this.name });
  }
}
