/**
 * Child of kill9.test.ts: a single-validator chain on LMDB at argv[2], with the failpoint argv[3]
 * armed to SIGKILL this process. Submits a transfer per block and prints "committed <height> <hash>"
 * once each block is durable.
 */
import { bytesToHex } from "@tandem/crypto";
import { processKillFailpoints } from "../../../src/failpoints.js";
import { ChainNode } from "../../../src/node/index.js";
import { LmdbKvStore } from "../../../src/store/index.js";
import { Testnet, testnetNodeOptions } from "../../../src/testing/index.js";

const [path, spec] = process.argv.slice(2);
if (path === undefined || spec === undefined) throw new Error("usage: kill9-child.ts <path> <failpoint[:n]>");
const net = await Testnet.create({ validators: 1, accounts: 2 });
const m = net.member(0);
const store = await LmdbKvStore.open({ path });
const node = await ChainNode.init(
  { ...testnetNodeOptions, block: { emptyBlockWaitMs: 20 }, genesis: net.genesis },
  {
    store,
    network: net.network.join(m.id),
    verifier: net.verifier,
    ...(m.signer === undefined ? {} : { signer: m.signer }),
    failpoints: processKillFailpoints(spec),
  },
);
const [a, b] = net.accounts as [(typeof net.accounts)[0], (typeof net.accounts)[0]];
let nonce = node.getAccount(a.address).nonce;
node.events.on("block", (e) => {
  process.stdout.write(`committed ${e.height} ${bytesToHex(e.hash)}\n`);
  node.submitTx(net.transfer(a, b.address, 1n, { nonce: nonce++ })).catch(() => {});
});
node.submitTx(net.transfer(a, b.address, 1n, { nonce: nonce++ })).catch(() => {});
setTimeout(() => process.exit(0), 20_000);
