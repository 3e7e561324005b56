import { LoroDoc } from "loro-crdt";
import { decodeChannelMsg } from "../../src/protocol/codecs.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import {
  decodeFrameV2,
  encodeTransportParts,
  encodeTransportPayloads,
  FragmentReassembler,
} from "../../src/protocol/wire/index.js";
import { joinParts } from "../../src/protocol/wire/transport-payload.js";
import { createSnapshotCache } from "../../streams/effects/snapshot-cache.js";
import { docVersion } from "../../streams/loro-version.js";

const docOf = (peer: `${number}`, text: string): LoroDoc => {
  const doc = new LoroDoc();
  doc.setPeerId(peer);
  doc.getText("t").insert(0, text);
  doc.commit();
  return doc;
};

const exportsOf = (doc: LoroDoc): { count: number } => {
  const counter = { count: 0 };
  const original = doc.export.bind(doc);
  doc.export = ((mode: Parameters<LoroDoc["export"]>[0]) => {
    counter.count++;
    return original(mode);
  }) as LoroDoc["export"];
  return counter;
};

describe("snapshot cache (a join storm exports once)", () => {
  it("answers requests for the same version with the same snapshot, exported once", () => {
    const cache = createSnapshotCache();
    const doc = docOf("1", "hello");
    const exports = exportsOf(doc);
    const first = cache.snapshot("d", doc, docVersion(doc));
    const second = cache.snapshot("d", doc, docVersion(doc));
    expect(second).toBe(first);
    expect(exports.count).toBe(1);
    const copy = new LoroDoc();
    copy.import(first.data);
    expect(copy.getText("t").toString()).toBe("hello");
    cache.dispose();
  });

  it("never answers with old bytes: an edit, or another LoroDoc under the same id, exports afresh", () => {
    const cache = createSnapshotCache();
    const doc = docOf("1", "hello");
    const before = cache.snapshot("d", doc, docVersion(doc));
    doc.getText("t").insert(5, " world");
    doc.commit();
    const after = cache.snapshot("d", doc, docVersion(doc));
    expect(after).not.toBe(before);
    const copy = new LoroDoc();
    copy.import(after.data);
    expect(copy.getText("t").toString()).toBe("hello world");
    // Evicted and reloaded: a new object at the same version is exported again.
    const reloaded = LoroDoc.fromSnapshot(after.data);
    expect(cache.snapshot("d", reloaded, docVersion(reloaded))).not.toBe(after);
    cache.dispose();
  });

  it("holds at most maxBytes: the least recently used snapshot goes first, one too large is not kept", () => {
    const [a, b, c] = [
      docOf("1", "a".repeat(1_000)),
      docOf("2", "b".repeat(1_000)),
      docOf("3", "c".repeat(1_000)),
    ];
    const size = a.export({ mode: "snapshot" }).length;
    const cache = createSnapshotCache({ maxBytes: 2 * size + size / 2 });
    const counts = [exportsOf(a), exportsOf(b), exportsOf(c)];
    cache.snapshot("a", a, docVersion(a));
    cache.snapshot("b", b, docVersion(b));
    cache.snapshot("a", a, docVersion(a)); // a is now the most recently used
    cache.snapshot("c", c, docVersion(c)); // b goes
    expect(cache.size).toBe(2);
    cache.snapshot("a", a, docVersion(a));
    cache.snapshot("b", b, docVersion(b));
    expect(counts.map((x) => x.count)).toEqual([1, 2, 1]);
    // Larger than the bound: answered, not kept, and nothing else goes for it.
    let seed = 7;
    const noise = Array.from({ length: 20_000 }, () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return String.fromCharCode(33 + (seed % 90));
    }).join("");
    const big = docOf("4", noise);
    expect(big.export({ mode: "snapshot" }).length).toBeGreaterThan(3 * size);
    const bigExports = exportsOf(big);
    cache.snapshot("big", big, docVersion(big));
    cache.snapshot("big", big, docVersion(big));
    expect(bigExports.count).toBe(2);
    expect(cache.size).toBe(2);
    cache.dispose();
  });

  it("dispose drops every entry", () => {
    const cache = createSnapshotCache();
    const doc = docOf("1", "hello");
    cache.snapshot("d", doc, docVersion(doc));
    cache.dispose();
    expect(cache.size).toBe(0);
  });
});

describe("fragmented frames encoded once per message, as views", () => {
  const data = new Uint8Array(300_000).map((_, i) => i % 251);
  const message: ChannelMsg = {
    type: "channel/sync-response",
    docId: "d",
    transmission: { type: "snapshot", data, version: { "1": 3 } },
  };

  it("a message sent on several channels is written as the same parts, which view the data and rebuild it", () => {
    let ids = 0;
    const options = { threshold: 100_000, batchId: () => new Uint8Array(8).fill(++ids) };
    const first = encodeTransportParts(message, options);
    const second = encodeTransportParts(message, options);
    if (first._tag === "Left" || second._tag === "Left") throw new Error("encode failed");
    expect(first.right.length).toBe(5); // header + 4 data fragments
    expect(second.right).toBe(first.right);
    expect(ids).toBe(1);
    // The document's bytes are not copied: the data parts are views of its buffer.
    const viewsOfData = first.right.flat().filter((part) => part.buffer === data.buffer);
    expect(viewsOfData.reduce((n, part) => n + part.length, 0)).toBe(data.length);
    // Joined (as a WebSocket receiver joins continuation frames), each connection rebuilds it.
    for (const payloads of [first.right, second.right]) {
      const reassembler = new FragmentReassembler();
      const frames = payloads.flatMap((parts) => reassembler.receive(joinParts(parts), 0));
      reassembler.dispose();
      expect(frames).toHaveLength(1);
      const frame = frames[0];
      if (frame === undefined || frame._tag === "Left") throw new Error("reassembly failed");
      const decoded = decodeFrameV2(frame.right);
      if (decoded._tag === "Left") throw new Error("decode failed");
      const checked = decodeChannelMsg(decoded.right[0]);
      if (checked._tag === "Left") throw new Error("invalid message");
      const received = checked.right;
      if (received.type !== "channel/sync-response") throw new Error("not a sync-response");
      const { transmission } = received;
      expect(transmission.type).toBe("snapshot");
      const bytes = transmission.type === "snapshot" ? transmission.data : new Uint8Array();
      expect(Buffer.from(bytes).equals(Buffer.from(data))).toBe(true);
    }
    // Another threshold is another split; single-buffer payloads are the parts joined.
    const other = encodeTransportPayloads(message, { ...options, threshold: 50_000 });
    if (other._tag === "Left") throw new Error("encode failed");
    expect(other.right.length).toBe(8);
  });
});
