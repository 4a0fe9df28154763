/**
 * The chain demo the devnet runs until the chain node services exist: a 4-validator chain builds a
 * block of signed transfers, commits it with one BLS aggregate signature, publishes the header and
 * commit to JetStream (message id = chain/height), and a relay job in bullmq verifies the commit as a
 * light client would before "anchoring" it. Proofs of a tx (RFC 6962) and of a balance (sparse Merkle)
 * are checked as a thin device would. Every piece is the real one: node:crypto/mcl-wasm signatures,
 * nats-server JetStream, redis-server + bullmq.
 */
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers as natsHeaders } from "@nats-io/transport-node";
import { bls, bytesToHex, ed25519, initBls, utf8ToBytes } from "@tandem/crypto";
import {
  accountAddress,
  type BlockHeader,
  type Commit,
  checkCommit,
  createValidatorSet,
  decodeCommit,
  decodeHeader,
  decodeTx,
  encodeCommit,
  encodeHeader,
  encodeTx,
  formatTandemAccountId,
  hashSuite,
  headerHash,
  merkleProof,
  merkleRoot,
  type SignedTx,
  SparseMerkleTree,
  signerBitmap,
  signTx,
  smtKey,
  TRANSFER_KIND,
  type TransferPayload,
  txHash,
  txSenderAddress,
  type ValidatorSet,
  validatorSetHash,
  verifyMerkleProof,
  verifySmtProof,
  voteSignBytes,
} from "@tandem/ledger";
import { Queue, Worker } from "bullmq";

export interface DemoOptions {
  natsUrl: string;
  redisHost: string;
  redisPort: number;
  log: (...args: unknown[]) => void;
}

const CHAIN_ID = "tandem:acme";
const STREAM = "TANDEM_ACME_HEADERS";
const SUBJECT = "tandem.acme.headers";
const QUEUE = "tandem-anchor";

interface ValidatorKey {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** Deterministic demo keys, so the devnet's validator set is the same across runs. */
function validatorKeys(n: number): ValidatorKey[] {
  return Array.from({ length: n }, (_, i) =>
    bls.keygen(utf8ToBytes(`tandem devnet validator ${i} key material`)),
  );
}

function buildValidatorSet(keys: ValidatorKey[]): ValidatorSet {
  const hash = hashSuite("sha256");
  return createValidatorSet(
    keys.map((k) => ({ address: hash(k.publicKey).slice(0, 20), publicKey: k.publicKey, power: 10n })),
  );
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  const { log } = opts;
  const hash = hashSuite("sha256");
  await initBls();

  // --- accounts and signed transfers (keys stay with the devices; the chain sees signatures) ---
  const alice = ed25519.keygen(hash(utf8ToBytes("alice")));
  const bob = ed25519.keygen(hash(utf8ToBytes("bob")));
  const bobAddress = accountAddress("ed25519", bob.publicKey, hash);
  const txs: SignedTx<TransferPayload>[] = [];
  for (let nonce = 0; nonce < 8; nonce++) {
    txs.push(
      signTx<TransferPayload>(
        {
          chainId: CHAIN_ID,
          kind: TRANSFER_KIND.kind,
          nonce,
          expiryHeight: 1_000_000,
          payload: { to: bobAddress, amount: BigInt(nonce + 1), denom: "tandem:acme/slip44:1", memo: "" },
        },
        alice.secretKey,
        "ed25519",
      ),
    );
  }
  const encoded = txs.map((t) => encodeTx(t));
  for (const bytes of encoded) decodeTx(bytes); // canonical round trip, throws a coded error otherwise
  const aliceAddress = txSenderAddress(txs[0] as SignedTx);
  log(`\nsigned ${txs.length} transfers from ${formatTandemAccountId(CHAIN_ID, aliceAddress)}`);

  // --- state: balances in a sparse Merkle tree ---
  const state = new SparseMerkleTree({ hash });
  const sent = txs.reduce((s, t) => s + t.payload.amount, 0n);
  const balanceKey = (addr: Uint8Array) => smtKey(new Uint8Array([...utf8ToBytes("acct/"), ...addr]), hash);
  const stateRoot = state.update([
    [balanceKey(aliceAddress), utf8ToBytes(String(1000n - sent))],
    [balanceKey(bobAddress), utf8ToBytes(String(sent))],
  ]);

  // --- the block header, committed by 4 BLS validators with one aggregate signature ---
  const keys = validatorKeys(4);
  const validators = buildValidatorSet(keys);
  const jsm = await connectJetStream(opts.natsUrl);
  const height = (await jsm.lastHeight()) + 1;
  const header: BlockHeader = {
    chainId: CHAIN_ID,
    height,
    time: Date.now(),
    previousHash: jsm.lastHash ?? new Uint8Array(32),
    lastCommitHash: new Uint8Array(32),
    txRoot: merkleRoot(encoded, hash),
    resultsRoot: new Uint8Array(32),
    stateRoot,
    validatorsHash: validatorSetHash(validators, hash),
    nextValidatorsHash: validatorSetHash(validators, hash),
    proposer: validators.validators[0]!.address,
  };
  const blockHash = headerHash(header, hash);
  const precommit = { type: "precommit" as const, height, round: 0, blockHash };
  const msg = voteSignBytes(CHAIN_ID, precommit, hash);
  const signerIdx = [0, 1, 2]; // 3 of 4: > 2/3 of the power
  const byKey = new Map(keys.map((k) => [bytesToHex(k.publicKey), k]));
  const sigs = signerIdx.map((i) => {
    const v = validators.validators[i]!;
    return bls.sign(msg, byKey.get(bytesToHex(v.publicKey))!.secretKey);
  });
  const commit: Commit = {
    height,
    round: 0,
    blockHash,
    signers: signerBitmap(validators.validators.length, signerIdx),
    signature: bls.aggregateSignatures(sigs),
  };
  log(`block ${height} ${bytesToHex(blockHash).slice(0, 16)}… committed by 3/4 validators (BLS aggregate)`);

  // --- proofs a thin device checks ---
  const txProof = merkleProof(encoded, 3, hash);
  const txOk = verifyMerkleProof(header.txRoot, encoded[3]!, txProof, hash);
  const balProof = state.prove(balanceKey(bobAddress));
  const balOk = verifySmtProof(
    header.stateRoot,
    balanceKey(bobAddress),
    utf8ToBytes(String(sent)),
    balProof,
    hash,
  );
  const absent = state.prove(balanceKey(hash(utf8ToBytes("nobody")).slice(0, 20)));
  const absentOk = verifySmtProof(
    header.stateRoot,
    balanceKey(hash(utf8ToBytes("nobody")).slice(0, 20)),
    null,
    absent,
    hash,
  );
  log(
    `tx ${bytesToHex(txHash(txs[3] as SignedTx)).slice(0, 16)}… inclusion proof: ${txOk ? "valid" : "INVALID"}`,
  );
  log(
    `bob's balance ${sent} state proof: ${balOk ? "valid" : "INVALID"}; non-membership proof: ${absentOk ? "valid" : "INVALID"}`,
  );
  if (!txOk || !balOk || !absentOk) throw new Error("demo proofs did not verify");

  // --- publish to JetStream; a bullmq relay job verifies the commit before anchoring ---
  await jsm.publish(height, encodeHeader(header), encodeCommit(commit));
  const connection = { host: opts.redisHost, port: opts.redisPort, maxRetriesPerRequest: null };
  const queue = new Queue(QUEUE, { connection });
  const anchored = new Promise<string>((resolve, reject) => {
    const worker = new Worker(
      QUEUE,
      async (job) => {
        const h = decodeHeader(Buffer.from(job.data.header, "hex"));
        const c = decodeCommit(Buffer.from(job.data.commit, "hex"), {
          validatorCount: validators.validators.length,
        });
        const check = checkCommit(c, validators, {
          chainId: h.chainId,
          blockHash: headerHash(h, hash),
          height: h.height,
          hash,
        });
        if (!check.ok) throw new Error(`commit refused: ${check.reason}`);
        return { height: h.height, signedPower: String(check.signedPower) };
      },
      { connection },
    );
    worker.on("completed", (job) => {
      void worker
        .close()
        .then(() => resolve(`${job.returnvalue.height} (signed power ${job.returnvalue.signedPower}/40)`));
    });
    worker.on("failed", (_job, err) => {
      void worker.close().then(() => reject(err));
    });
  });
  const next = await jsm.nextUnacked();
  await queue.add("anchor", next.data, { jobId: `acme-${next.height}`, removeOnComplete: 100 });
  const result = await anchored;
  await next.ack();
  await queue.close();
  await jsm.close();
  log(`relay job verified the commit as a light client and anchored height ${result}`);
}

/** The demo chain's JetStream stream: one message per height, msg id = chain/height (deduplicated). */
async function connectJetStream(url: string) {
  const nc = await connect({ servers: url, name: "tandem-devnet-demo" });
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(STREAM);
  } catch {
    await jsm.streams.add({ name: STREAM, subjects: [SUBJECT], duplicate_window: 120_000_000_000 });
  }
  try {
    await jsm.consumers.info(STREAM, "devnet-relay");
  } catch {
    await jsm.consumers.add(STREAM, { durable_name: "devnet-relay", ack_policy: AckPolicy.Explicit });
  }
  const js = jetstream(nc);
  let lastHash: Uint8Array | undefined;
  return {
    get lastHash() {
      return lastHash;
    },
    async lastHeight(): Promise<number> {
      const info = await jsm.streams.info(STREAM);
      if (info.state.messages === 0) return 0;
      const last = await jsm.streams.getMessage(STREAM, { last_by_subj: SUBJECT });
      if (last === null) return 0;
      const { header } = JSON.parse(new TextDecoder().decode(last.data)) as { header: string };
      const h = decodeHeader(Buffer.from(header, "hex"));
      lastHash = headerHash(h, hashSuite("sha256"));
      return h.height;
    },
    async publish(height: number, header: Uint8Array, commit: Uint8Array): Promise<void> {
      const hdrs = natsHeaders();
      hdrs.set("Tandem-Chain", CHAIN_ID);
      const body = JSON.stringify({ header: bytesToHex(header), commit: bytesToHex(commit) });
      const ack = await js.publish(SUBJECT, new TextEncoder().encode(body), {
        msgID: `${CHAIN_ID}/${height}`,
        headers: hdrs,
      });
      if (ack.duplicate) throw new Error(`height ${height} was already published`);
    },
    async nextUnacked() {
      const consumer = await js.consumers.get(STREAM, "devnet-relay");
      const m = await consumer.next({ expires: 5_000 });
      if (m === null) throw new Error("no header arrived from JetStream");
      const data = JSON.parse(new TextDecoder().decode(m.data)) as { header: string; commit: string };
      const h = decodeHeader(Buffer.from(data.header, "hex"));
      return { height: h.height, data, ack: () => m.ackAck() };
    },
    async close() {
      await nc.drain();
    },
  };
}
