/**
 * Spec §7 end to end, in virtual time: each test runs real repos on the in-process network
 * (1 ms per frame) and asserts every frame on every channel, in order, with its virtual time,
 * and the ready states as they change. Read them as the flow diagrams of the spec.
 */
import { runFlow, snapshotOf } from "./harness.js";

describe("spec §7 flows in virtual time", () => {
  it("7.1 handshake when both sides already have the document: four requests, four answers, all up-to-date", () => {
    runFlow("mesh", ({ repo, log, flush }) => {
      repo("S", "2").import("d", snapshotOf("same", 9n));
      flush();
      repo("C", "1").import("d", snapshotOf("same", 9n));
      flush();
      expect(log).toEqual([
        "1 C→S establish-request(1)",
        "2 S→C establish-response(2)",
        "2 S→C sync-request(d, 9:4, bidi)",
        "3 C→S sync-request(d, 9:4, bidi)",
        "3 C→S [sync-response(d, up-to-date 9:4), sync-request(d, 9:4, once)]",
        "4 S→C [sync-response(d, up-to-date 9:4), sync-request(d, 9:4, once)]",
        "4 S→C sync-response(d, up-to-date 9:4)",
        "5 C→S sync-response(d, up-to-date 9:4)",
      ]);
    });
  });

  it("7.2 a client with an empty document joins a server that has data, and is ready once the snapshot is in", () => {
    runFlow("mesh", ({ repo, log, flush, watchReady }) => {
      repo("S", "2").import("d", snapshotOf("server data", 9n));
      flush();
      const c = repo("C", "1");
      c.doc("d");
      watchReady("C", c, "d");
      flush();
      expect(log).toEqual([
        "0 ready C d: 1:pending",
        "1 C→S establish-request(1)",
        "2 S→C establish-response(2)",
        "2 S→C sync-request(d, 9:11, bidi)",
        "2 ready C d: 1:pending 2:pending",
        "3 C→S sync-request(d, ∅, bidi)",
        "3 C→S [sync-response(d, up-to-date ∅), sync-request(d, ∅, once)]",
        "4 S→C [sync-response(d, snapshot 9:11), sync-request(d, 9:11, once)]",
        "4 ready C d: 1:synced 2:synced",
        "4 S→C sync-response(d, snapshot 9:11)",
        "5 C→S sync-response(d, up-to-date 9:11)",
      ]);
      expect(c.doc("d").getText("text").toString()).toBe("server data");
    });
  });

  it("7.3 a new document created and edited on a connected client: snapshot first, then deltas", () => {
    runFlow("mesh", ({ repo, log, flush, watchReady }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      flush();
      log.length = 0;
      const x = c.doc("x");
      watchReady("C", c, "x");
      flush();
      x.getText("text").insert(0, "a");
      x.commit();
      flush();
      x.getText("text").insert(0, "b");
      x.commit();
      flush();
      expect(log).toEqual([
        "2 ready C x: 1:pending",
        "3 C→S sync-request(x, ∅, bidi)",
        "4 S→C [sync-response(x, snapshot ∅), sync-request(x, ∅, once)]",
        "4 ready C x: 1:pending 2:synced",
        "5 C→S sync-response(x, snapshot ∅)",
        "5 ready C x: 1:synced 2:synced",
        "6 C→S update(x, snapshot 1:1)",
        "7 C→S update(x, update 1:2)",
      ]);
      expect(s.doc("x").getText("text").toString()).toBe("ba");
    });
  });

  it("7.4 + 7.9 hub and spoke live edit: relayed once, never echoed to the writer", () => {
    runFlow({ star: "H" }, ({ repo, log, flush }) => {
      repo("H", "9");
      const a = repo("A", "1");
      const b = repo("B", "2");
      a.doc("d");
      b.doc("d");
      flush();
      log.length = 0;
      const d = a.doc("d");
      d.getText("text").insert(0, "live");
      d.commit();
      flush();
      expect(log).toEqual(["7 A→H update(d, snapshot 1:4)", "8 H→B update(d, snapshot 1:4)"]);
      d.getText("text").insert(4, "!");
      d.commit();
      flush();
      expect(log.slice(2)).toEqual(["9 A→H update(d, update 1:5)", "10 H→B update(d, update 1:5)"]);
      expect(b.doc("d").getText("text").toString()).toBe("live!");
    });
  });

  it("7.7 reconnection with offline edits: only the changed doc is requested, with our version (D-7)", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      // The spec's handshake (the responder offers every doc): the resume extension is off.
      const s = repo("S", "2", { resume: false });
      const c = repo("C", "1", { resume: false });
      const d = c.doc("d");
      d.getText("text").insert(0, "v1");
      d.commit();
      s.doc("other");
      flush();
      net.disconnect("C", "S");
      flush();
      log.length = 0;
      d.getText("text").insert(2, " offline");
      d.commit();
      flush();
      net.reconnect("C", "S");
      flush();
      expect(log).toEqual([
        "6 C→S establish-request(1)",
        "7 S→C establish-response(2)",
        "7 S→C [sync-request(other, ∅, bidi), sync-request(d, 1:2, bidi)]",
        "8 C→S sync-request(d, 1:10, bidi)",
        "8 C→S [sync-response(other, snapshot ∅), sync-request(other, ∅, once), sync-response(d, update 1:10), sync-request(d, 1:10, once)]",
        "9 S→C [sync-response(d, up-to-date 1:2), sync-request(d, 1:2, once)]",
        "9 S→C [sync-response(other, snapshot ∅), sync-response(d, up-to-date 1:10)]",
        "10 C→S sync-response(d, update 1:10)",
      ]);
      expect(s.doc("d").getText("text").toString()).toBe("v1 offline");
    });
  });

  it("7.8 deletion asks every subscribed peer; the default deletion permission keeps the doc there", () => {
    runFlow("mesh", ({ repo, log, flush }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      const d = c.doc("d");
      d.getText("text").insert(0, "bye");
      d.commit();
      flush();
      log.length = 0;
      void c.delete("d");
      flush();
      expect(log).toEqual(["6 C→S delete-request(d)", "7 S→C delete-response(d, ignored)"]);
      expect(c.has("d")).toBe(false);
      expect(s.has("d")).toBe(true);
    });
  });

  it("7.7 reconnecting to a peer that lost a doc meanwhile: the doc we skipped is requested once its offers show it missing", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      const d = c.doc("d");
      d.getText("text").insert(0, "keep me");
      d.commit();
      flush();
      net.disconnect("C", "S");
      flush();
      void s.delete("d");
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      // C proposes a resume (RESUME.md); S, which no longer holds d, refuses it: the records
      // disagree, so the spec's reconnection runs and d comes back.
      expect(log).toEqual([
        "6 C→S establish-request(1, resume?)",
        "7 S→C establish-response(2)",
        "7 S→C []",
        "8 C→S sync-request(d, 1:7, bidi)",
        "9 S→C [sync-response(d, up-to-date ∅), sync-request(d, ∅, once)]",
        "10 C→S sync-response(d, snapshot 1:7)",
      ]);
      expect(s.doc("d").getText("text").toString()).toBe("keep me");
    });
  });
});
