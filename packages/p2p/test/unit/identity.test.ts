import { createPrivateKey, createPublicKey } from "node:crypto";
import { generateKeyPair, privateKeyToProtobuf } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { describe, expect, it } from "vitest";
import {
  decodePeerKey,
  generatePeerKey,
  normalizePeerId,
  peerIdOfKey,
  peerKeyFromSeed,
} from "../../src/index.js";

/** The raw Ed25519 public key of a 32-byte seed, computed by OpenSSL (PKCS#8 import), independently of libp2p. */
function opensslPublicKey(seed: Uint8Array): Uint8Array {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
    format: "der",
    type: "spki",
  });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

describe("peer keys", () => {
  it("generates Ed25519 keys whose serialization round-trips to the same peer id", async () => {
    const key = await generatePeerKey();
    expect(key.length).toBe(68); // protobuf: type + 64-byte (seed ‖ public key)
    const id = peerIdOfKey(key);
    expect(id).toMatch(/^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/);
    expect(peerIdOfKey(new Uint8Array(key))).toBe(id);
    expect(peerIdOfKey(await generatePeerKey())).not.toBe(id);
  });

  it("derives the key from a seed deterministically, matching OpenSSL's Ed25519 public key", async () => {
    const seed = new Uint8Array(32).map((_, i) => i * 7 + 1);
    const a = await peerKeyFromSeed(seed);
    expect(await peerKeyFromSeed(seed)).toEqual(a);
    const id = peerIdFromString(peerIdOfKey(a));
    expect(id.type).toBe("Ed25519");
    expect(id.publicKey?.raw).toEqual(opensslPublicKey(seed));
    expect(decodePeerKey(a).raw.subarray(0, 32)).toEqual(seed);
  });

  it("rejects bytes that are not an Ed25519 libp2p key", async () => {
    const secp = privateKeyToProtobuf(await generateKeyPair("secp256k1"));
    for (const bad of [
      new Uint8Array(0),
      new Uint8Array(68),
      secp,
      (await generatePeerKey()).subarray(0, 40),
    ]) {
      expect(() => decodePeerKey(bad)).toThrow(expect.objectContaining({ code: "P2P_INVALID_KEY" }));
    }
    expect(() => decodePeerKey("key" as unknown as Uint8Array)).toThrow(
      expect.objectContaining({ code: "P2P_INVALID_KEY" }),
    );
    await expect(peerKeyFromSeed(new Uint8Array(31))).rejects.toMatchObject({ code: "P2P_INVALID_KEY" });
  });

  it("normalizes peer ids and rejects garbage", async () => {
    const id = peerIdOfKey(await generatePeerKey());
    expect(normalizePeerId(id)).toBe(id);
    expect(() => normalizePeerId("12D3KooWnope")).toThrow(
      expect.objectContaining({ code: "P2P_INVALID_ARGUMENT" }),
    );
  });
});
