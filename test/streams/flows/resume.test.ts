/**
 * The resume extension (docs/RESUME.md) as flows in virtual time: what goes over the wire when
 * two loro-rx repos reconnect, accepted and refused.
 */
import { runFlow } from "./harness.js";

type Doc = {
  getText(name: string): { toString(): string; insert(at: number, s: string): void };
  commit(): void;
};
type Repo = { doc(id: string): Doc };

const text = (doc: Doc): string => doc.getText("text").toString();

/** Inserts `s` at `at` in the doc's text and commits. */
const write = (doc: Doc, at: number, s: string): void => {
  doc.getText("text").insert(at, s);
  doc.commit();
};

/** Each of `ids` written by `writer` (its text is its id), and opened by `other`. */
const seed = (writer: Repo, ids: readonly string[], other?: Repo): void => {
  for (const id of ids) {
    write(writer.doc(id), 0, id);
    other?.doc(id);
  }
};

/** The log without its timestamps. */
const lines = (log: readonly string[]): string[] => log.map((l) => l.replace(/^\d+ /, ""));

describe("resume flows (RESUME.md §5)", () => {
  it("accepted: only the doc the server changed while apart travels", () => {
    runFlow("mesh", ({ repo, log, flush, net }) => {
      const s = repo("S", "2");
      const c = repo("C", "1");
      seed(s, ["a", "b", "c"], c);
      flush();
      net.disconnect("C", "S");
      flush();
      write(s.doc("b"), 1, " changed");
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(lines(log)).toEqual([
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
      seed(c, ["a", "b"]);
      flush();
      net.disconnect("C", "S");
      flush();
      write(c.doc("a"), 1, " offline");
      flush();
      log.length = 0;
      net.reconnect("C", "S");
      flush();
      expect(lines(log)).toEqual([
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
      seed(s, ["a", "b"], c);
      flush();
      // S sends an update for a that never arrives; S records C as holding it.
      net.setLinkFaults("S", "C", { drop: 1 }, { oneWay: true });
      write(s.doc("a"), 1, " lost");
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
      seed(s, ["a", "b"], c);
      flush();
      void c.close();
      flush();
      log.length = 0;
      const again = repo("D", "1");
      flush();
      expect(lines(log).slice(0, 3)).toEqual([
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
      seed(s, ["a", "b"], c);
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
