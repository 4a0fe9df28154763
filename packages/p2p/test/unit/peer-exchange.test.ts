import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePeerKey, peerIdOfKey } from "../../src/index.js";
import {
  decodePeerRecords,
  encodePeerRecords,
  MAX_PEX_ADDRS,
  MAX_PEX_PEERS,
  MAX_PEX_RESPONSE_BYTES,
} from "../../src/peer-exchange.js";

const ids = await Promise.all(Array.from({ length: 4 }, async () => peerIdOfKey(await generatePeerKey())));
const id = (i: number) => ids[i % ids.length]!;

describe("peer exchange codec", () => {
  it("round-trips records", () => {
    const recs = [
      { id: id(0), addrs: ["/ip4/127.0.0.1/tcp/4001", "/ip6/::1/tcp/4001"] },
      { id: id(1), addrs: ["/dns4/node-2.acme.example/tcp/26656"] },
    ];
    expect(decodePeerRecords(encodePeerRecords(recs))).toEqual(recs);
    expect(decodePeerRecords(encodePeerRecords([]))).toEqual([]);
  });

  it("round-trips any list of valid records (property)", () => {
    const rec = fc.record({
      id: fc.nat(3).map(id),
      addrs: fc.array(
        fc.tuple(fc.nat(255), fc.nat(65535)).map(([a, p]) => `/ip4/10.0.0.${a}/tcp/${p}`),
        { minLength: 1, maxLength: MAX_PEX_ADDRS },
      ),
    });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 20 }), (recs) => {
        const bytes = encodePeerRecords(recs);
        expect(bytes.length).toBeLessThanOrEqual(MAX_PEX_RESPONSE_BYTES);
        expect(decodePeerRecords(bytes)).toEqual(recs);
      }),
    );
  });

  it("caps what it encodes", () => {
    const many = Array.from({ length: MAX_PEX_PEERS + 5 }, (_, i) => ({
      id: id(i),
      addrs: Array.from({ length: MAX_PEX_ADDRS + 3 }, (_, j) => `/ip4/127.0.0.1/tcp/${1000 + j}`),
    }));
    const out = decodePeerRecords(encodePeerRecords(many));
    expect(out.length).toBe(MAX_PEX_PEERS);
    expect(out.every((r) => r.addrs.length === MAX_PEX_ADDRS)).toBe(true);
  });

  it("drops records whose peer id or addresses do not parse, keeping the rest", () => {
    const bytes = encodePeerRecords([
      { id: "not-a-peer", addrs: ["/ip4/127.0.0.1/tcp/1"] },
      { id: id(0), addrs: ["garbage", "/ip4/127.0.0.1/tcp/2"] },
      { id: id(1), addrs: ["garbage"] },
    ]);
    expect(decodePeerRecords(bytes)).toEqual([{ id: id(0), addrs: ["/ip4/127.0.0.1/tcp/2"] }]);
  });

  it("rejects truncated, trailing, over-long and non-ASCII input", () => {
    const good = encodePeerRecords([{ id: id(0), addrs: ["/ip4/127.0.0.1/tcp/1"] }]);
    const bad = [
      good.subarray(0, good.length - 1),
      new Uint8Array([...good, 0]),
      new Uint8Array([0]),
      new Uint8Array([0, MAX_PEX_PEERS + 1]),
      new Uint8Array([0, 1, 0, 1, 0xc3]),
      new Uint8Array([0, 1, 0x02, 0x01]),
    ];
    for (const b of bad)
      expect(() => decodePeerRecords(b)).toThrow(expect.objectContaining({ code: "P2P_PROTOCOL_ERROR" }));
    // Random bytes never throw anything but a coded error.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodePeerRecords(b);
        } catch (e) {
          expect(e).toMatchObject({ code: "P2P_PROTOCOL_ERROR" });
        }
      }),
    );
  });
});
