import {
  generateKeyPair,
  generateKeyPairFromSeed,
  privateKeyFromProtobuf,
  privateKeyToProtobuf,
} from "@libp2p/crypto/keys";
import type { Ed25519PrivateKey } from "@libp2p/interface";
import { peerIdFromPrivateKey, peerIdFromString } from "@libp2p/peer-id";
import { P2PError } from "./errors.js";

/**
 * Node identity. The operator's key file holds an Ed25519 libp2p private key in libp2p's protobuf
 * encoding (the same bytes `ipfs`/`libp2p` tools write); it defines the node's peer id, which is
 * what chain allowlists list. Keep the file secret: anyone holding it can impersonate the node.
 */

/** A new random Ed25519 key, serialized for the key file (libp2p protobuf encoding, 68 bytes). */
export async function generatePeerKey(): Promise<Uint8Array> {
  return privateKeyToProtobuf(await generateKeyPair("Ed25519"));
}

/** The Ed25519 key whose 32-byte seed is `seed`, serialized for the key file (deterministic). */
export async function peerKeyFromSeed(seed: Uint8Array): Promise<Uint8Array> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) {
    throw new P2PError("P2P_INVALID_KEY", "an Ed25519 seed is 32 bytes", {
      length: seed instanceof Uint8Array ? seed.length : null,
    });
  }
  return privateKeyToProtobuf(await generateKeyPairFromSeed("Ed25519", seed));
}

/** Decodes a key file's bytes; throws P2P_INVALID_KEY unless they hold an Ed25519 private key. */
export function decodePeerKey(bytes: Uint8Array): Ed25519PrivateKey {
  if (!(bytes instanceof Uint8Array)) throw new P2PError("P2P_INVALID_KEY", "a peer key is a Uint8Array");
  let key: ReturnType<typeof privateKeyFromProtobuf>;
  try {
    key = privateKeyFromProtobuf(bytes);
  } catch (cause) {
    throw new P2PError(
      "P2P_INVALID_KEY",
      "not a libp2p protobuf private key",
      { length: bytes.length },
      { cause },
    );
  }
  if (key.type !== "Ed25519") {
    throw new P2PError("P2P_INVALID_KEY", "peer key must be Ed25519", { type: key.type });
  }
  return key;
}

/** The peer id (`12D3KooW…`) a key file defines. */
export function peerIdOfKey(bytes: Uint8Array): string {
  return peerIdFromPrivateKey(decodePeerKey(bytes)).toString();
}

/** Canonical string form of a peer id; throws P2P_INVALID_ARGUMENT if it does not parse. */
export function normalizePeerId(id: string): string {
  try {
    return peerIdFromString(id).toString();
  } catch (cause) {
    throw new P2PError(
      "P2P_INVALID_ARGUMENT",
      "invalid peer id",
      { peer: String(id).slice(0, 100) },
      { cause },
    );
  }
}
