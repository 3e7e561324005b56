/**
 * The resume extension (docs/RESUME.md) as flows in virtual time: what goes over the wire when
 * two loro-rx repos reconnect, accepted and refused.
 */
import { runFlow } from "./harness.js";

const text = (doc: { getText(name: string): { toString(): string } }): string =>
  doc.getText("text").toString();

describe("resume flows (RESUME.md §5)", () => {
  it("accepted: only the doc the server changed while apart travels", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      for (const id of ["a", "b", "c"]) {
        const d = s.doc(id);
        d.getText("text").insert(0, id);
        d.commit();
        c.doc(id);
      }
      flush();
      net.disconnect("C", "S");
      flush();
      const b = s.doc("b");
      b.getText("text").insert(1, " changed");
      b.commit();
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(log.map((l) => l.replace(/^\d+ /, ""))).toEqual([
        "C→S establish-request(1, resume?)",
        "S→C establish-response(2, resumed)",
        "S→C sync-request(b, 2:9, bidi)",
        "C→S [sync-response(b, up-to-date 2:1), sync-request(b, 2:1, once)]",
        "S→C sync-response(b, update 2:9)",
      ]);
      expect(text(c.doc("b"))).toBe("b changed");
      expect(c.engine.readyStates("a").map((r) => r.status)).toEqual(["synced", "synced"]);
    });
  });

  it("accepted: a doc the client changed while apart is requested by the client", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      for (const id of ["a", "b"]) {
        const d = c.doc(id);
        d.getText("text").insert(0, id);
        d.commit();
      }
      flush();
      net.disconnect("C", "S");
      flush();
      const a = c.doc("a");
      a.getText("text").insert(1, " offline");
      a.commit();
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(log.map((l) => l.replace(/^\d+ /, ""))).toEqual([
        "C→S establish-request(1, resume?)",
        "S→C establish-response(2, resumed)",
        "C→S sync-request(a, 1:9, bidi)",
        "S→C [sync-response(a, up-to-date 1:1), sync-request(a, 1:1, once)]",
        "C→S sync-response(a, update 1:9)",
      ]);
      expect(text(s.doc("a"))).toBe("a offline");
    });
  });

  it("refused when an update was lost as the link dropped: the full handshake delivers it", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      for (const id of ["a", "b"]) {
        const d = s.doc(id);
        d.getText("text").insert(0, id);
        d.commit();
        c.doc(id);
      }
      flush();
      // S sends an update for a that never arrives; S records C as holding it.
      net.setLinkFaults("S", "C", { drop: 1 }, { oneWay: true });
      const a = s.doc("a");
      a.getText("text").insert(1, " lost");
      a.commit();
      flush();
      net.disconnect("C", "S");
      net.setLinkFaults("S", "C", { drop: 0 }, { oneWay: true });
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(log[0]).toMatch(/establish-request\(1, resume\?\)$/);
      expect(log[1]).toMatch(/establish-response\(2\)$/);
      expect(text(c.doc("a"))).toBe("a lost");
    });
  });

  it("refused when the client restarted: a fresh repo with the same peer id gets every doc", () => {
    runFlow({ star: "S" }, ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      for (const id of ["a", "b"]) {
        const d = s.doc(id);
        d.getText("text").insert(0, id);
        d.commit();
        c.doc(id);
      }
      flush();
      void c.close();
      flush();
      log.length = 0;
      const again = repo("D", "1");
      flush();
      expect(log.map((l) => l.replace(/^\d+ /, "")).slice(0, 3)).toEqual([
        "D→S establish-request(1)",
        "S→D establish-response(2)",
        "S→D [sync-request(a, 2:1, bidi), sync-request(b, 2:1, bidi)]",
      ]);
      expect(text(again.doc("b"))).toBe("b");
      void net;
    });
  });

  it("a doc the client deleted while apart: the resume is refused and the server's copy returns", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      for (const id of ["a", "b"]) {
        const d = s.doc(id);
        d.getText("text").insert(0, id);
        d.commit();
        c.doc(id);
      }
      flush();
      net.disconnect("C", "S");
      flush();
      void c.delete("b");
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(log[1]).toMatch(/establish-response\(2\)$/);
      expect(c.has("b")).toBe(true);
      expect(text(c.doc("b"))).toBe("b");
    });
  });
});
