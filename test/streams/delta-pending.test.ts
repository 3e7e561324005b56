/**
 * Regression: a hub forwards the bytes it imported as the delta between its versions before and
 * after the import. When an earlier import left ops pending (their dependencies came later) and
 * this import applied them too, the version moved by more than the bytes carry: a client sent
 * only those bytes was recorded as up to date while lacking the pending ops. Found by the
 * three-hub cluster test, where bus entries can arrive before what they depend on.
 */
import { LoroDoc } from "loro-crdt";
import { createRepo } from "../../streams/index.js";
import { docVersion } from "../../streams/loro-version.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";
import { eventually } from "./helpers.js";
import { handConnection } from "./middleware/helpers.js";

/** A peer the test drives by hand (frames pushed in, what the engine sends recorded). */
const source = handConnection;

const run = async (unrelatedInBetween: boolean) => {
  const net = createInProcessNetwork();
  const src = source();
  const hub = createRepo({
    identity: { peerId: "1", name: "hub", type: "service" },
    transports: [src.transport, net.peer("hub")],
    heartbeatMs: 0,
  });
  const client = createRepo({ identity: { peerId: "2" }, transports: [net.peer("client")] });
  const copy = client.doc("d");
  await client.whenSynced("d");
  src.push({ type: "channel/establish-request", identity: { peerId: "9", type: "user" } });

  const writer = new LoroDoc();
  writer.setPeerId(9n);
  const other = new LoroDoc();
  other.setPeerId(8n);
  const update = (key: string, by = writer) => {
    const from = by.oplogVersion();
    by.getMap("m").set(key, key);
    by.commit();
    return {
      type: "channel/update" as const,
      docId: "d",
      transmission: {
        type: "update" as const,
        data: by.export({ mode: "update", from }),
        version: docVersion(by),
      },
    };
  };
  src.push(update("a"));
  await eventually("the client has a", () => copy.getMap("m").get("a") === "a");
  const b = update("b");
  const c = update("c");
  src.push(c); // depends on b: Loro keeps it pending
  const expected: Record<string, string> = { a: "a", b: "b", c: "c" };
  if (unrelatedInBetween) {
    // An import with nothing pending of its own, while c still is (Loro reports per import).
    src.push(update("x", other));
    expected.x = "x";
    await eventually("the client has x", () => copy.getMap("m").get("x") === "x");
  }
  src.push(b); // releases c
  await eventually("the client has b and c", () => copy.getMap("m").get("c") === "c");
  expect(copy.getMap("m").toJSON()).toEqual(expected);
  await client.close();
  await hub.close();
  net.close();
};

it("a client of a hub gets ops the hub held pending, not only the bytes that released them", () =>
  run(false));

it("…also when an import with nothing pending of its own came in between", () => run(true));
