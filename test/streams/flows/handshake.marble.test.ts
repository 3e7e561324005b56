import { map } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { type ChannelMsg, createRepo } from "../../../streams/index.js";
import { createInProcessNetwork } from "../../../streams/testing/index.js";
import { describeMessage, snapshotOf } from "./harness.js";

describe("the handshake as a marble diagram", () => {
  it("7.1 both sides hold d: every frame on the wire, 10 ms per hop", () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ expectObservable, flush }) => {
      const net = createInProcessNetwork({ scheduler, latency: 10 });
      const frames$ = net.traffic$.pipe(
        map((e) => `${e.from}→${e.to} ${describeMessage(e.message as ChannelMsg)}`),
      );
      const options = { heartbeatMs: 0, scheduler };
      const server = createRepo({
        ...options,
        identity: { peerId: "2" },
        transports: [net.peer("S")],
      });
      server.import("d", snapshotOf("same", 9n));
      const client = createRepo({
        ...options,
        identity: { peerId: "1" },
        transports: [net.peer("C")],
      });
      client.import("d", snapshotOf("same", 9n));

      expectObservable(frames$, "^ 60ms !").toBe("10ms a 9ms (bc) 6ms (de) 6ms (fg) 6ms h", {
        a: "C→S establish-request(1)",
        b: "S→C establish-response(2)",
        c: "S→C sync-request(d, 9:4, bidi)",
        d: "C→S sync-request(d, 9:4, bidi)",
        e: "C→S [sync-response(d, up-to-date 9:4), sync-request(d, 9:4, once)]",
        f: "S→C [sync-response(d, up-to-date 9:4), sync-request(d, 9:4, once)]",
        g: "S→C sync-response(d, up-to-date 9:4)",
        h: "C→S sync-response(d, up-to-date 9:4)",
      });
      flush();
      expect(client.engine.readyStates("d").map((s) => s.status)).toEqual(["synced", "synced"]);
      void client.close();
      void server.close();
      net.close();
    });
  });
});
