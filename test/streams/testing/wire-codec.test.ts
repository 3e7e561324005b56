import { createRepo } from "../../../streams/index.js";
import {
  createInProcessNetwork,
  type FrameCodec,
  jsonCodec,
  wireCodec,
} from "../../../streams/testing/index.js";
import { eventually, text } from "../helpers.js";

const codecs: [string, FrameCodec][] = [
  ["binary v2 (6.x)", wireCodec(2)],
  ["binary v1 (5.4.2)", wireCodec(1)],
  ["JSON", jsonCodec()],
];

describe.each(codecs)(
  "repos over the in-process network through the real %s encoder",
  (_, codec) => {
    it("sync 100 documents and count real bytes", async () => {
      const net = createInProcessNetwork({ codec });
      const server = createRepo({
        identity: { peerId: "1" },
        transports: [net.peer("s")],
        heartbeatMs: 0,
      });
      for (let i = 0; i < 100; i++) {
        const doc = server.doc(`doc-${i}`);
        doc.getText("text").insert(0, `document ${i}`);
        doc.commit();
      }
      const client = createRepo({
        identity: { peerId: "2" },
        transports: [net.peer("c")],
        heartbeatMs: 0,
      });
      await eventually("all 100 arrived", () =>
        Array.from({ length: 100 }, (_, i) => `doc-${i}`).every(
          (id) => client.has(id) && text(client.doc(id)) === `document ${id.slice(4)}`,
        ),
      );
      const totals = net.counters();
      expect(totals.bytes).toBeGreaterThan(0);
      expect(totals.dropped).toBe(0);
      await client.close();
      await server.close();
      net.close();
    });
  },
);
