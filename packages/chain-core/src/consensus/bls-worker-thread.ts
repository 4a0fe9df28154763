/**
 * Worker thread of {@link BlsWorkerVoteVerifier}: `{ id, signature, message, publicKeys }` in (one key:
 * a single-signature check; several: a same-message aggregate check), `{ id, ok }` out, through the
 * same {@link BlsVoteVerifier} as the node's thread.
 */
import { parentPort } from "node:worker_threads";
import { BlsVoteVerifier } from "./signer.js";

const verifier = await BlsVoteVerifier.create();

parentPort?.on(
  "message",
  (msg: { id: number; signature: Uint8Array; message: Uint8Array; publicKeys: Uint8Array[] }) => {
    let ok = false;
    try {
      ok =
        msg.publicKeys.length === 1
          ? verifier.verify(msg.signature, msg.message, msg.publicKeys[0] as Uint8Array)
          : verifier.verifyAggregate(msg.signature, msg.message, msg.publicKeys);
    } catch {
      ok = false;
    }
    parentPort?.postMessage({ id: msg.id, ok });
  },
);
