/**
 * Convergence under faults: 2–5 repos on a faulty in-process network (drops, duplicates,
 * reordering, partitions, disconnects) make random edits, creations and deletions in virtual
 * time. Then the network heals and every pair reconnects; every repo must hold the same
 * documents with the same content. The protocol has no retransmission (spec §9.3), so recovery
 * comes from the reconnect's handshake, as it would in production.
 *
 * Deletions are local (the default `deletion` permission refuses remote requests), so a deleted
 * doc comes back from peers that kept it. Remote deletion accepted by some peers and not others
 * cannot converge with this protocol: a peer that deleted on someone else's request tells nobody,
 * and the reconnection shortcut (A6) then skips the doc on both sides.
 */
import fc from "fast-check";
import { TestScheduler } from "rxjs/testing";
import { createRepo, type Repo } from "../../streams/index.js";
import { createInProcessNetwork } from "../../streams/testing/index.js";

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const numRuns = Number(process.env.FC_RUNS ?? 200);
console.log(`convergence: FC_SEED=${seed} FC_RUNS=${numRuns}`);

const DOCS = ["a", "b", "c"] as const;

type Op =
  | { kind: "edit"; at: number; repo: number; doc: number; text: string }
  | { kind: "open"; at: number; repo: number; doc: number }
  | { kind: "delete"; at: number; repo: number; doc: number }
  | { kind: "disconnect" | "reconnect" | "partition" | "heal"; at: number; a: number; b: number }
  | { kind: "faults"; at: number; drop: number; duplicate: number; reorder: number };

const opArb = (peers: number): fc.Arbitrary<Op> => {
  const at = fc.integer({ min: 0, max: 60 });
  const repo = fc.integer({ min: 0, max: peers - 1 });
  const doc = fc.integer({ min: 0, max: DOCS.length - 1 });
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant("edit" as const),
        at,
        repo,
        doc,
        text: fc.string({ minLength: 1, maxLength: 4 }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("open" as const), at, repo, doc }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), at, repo, doc }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom(
          "disconnect" as const,
          "reconnect" as const,
          "partition" as const,
          "heal" as const,
        ),
        at,
        a: repo,
        b: repo,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("faults" as const),
        at,
        drop: fc.constantFrom(0, 0.1, 0.3),
        duplicate: fc.constantFrom(0, 0.2),
        reorder: fc.constantFrom(0, 3),
      }),
    },
  );
};

const scenarioArb = fc
  .integer({ min: 2, max: 5 })
  .chain((peers) =>
    fc.record({ peers: fc.constant(peers), ops: fc.array(opArb(peers), { maxLength: 25 }) }),
  );

const contents = (repo: Repo): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const id of DOCS) if (repo.has(id)) out[id] = repo.doc(id).toJSON();
  return out;
};

describe("convergence under faults", () => {
  it("after healing and reconnecting, every repo holds identical documents", () => {
    fc.assert(
      fc.property(scenarioArb, ({ peers, ops }) => {
        const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
        scheduler.run(({ flush }) => {
          const net = createInProcessNetwork({ scheduler, latency: 1, seed: ops.length + peers });
          const names = Array.from({ length: peers }, (_, i) => `p${i}`);
          const repos = names.map((name, i) =>
            createRepo({
              identity: { peerId: String(i + 1), name },
              transports: [net.peer(name)],
              heartbeatMs: 0,
              scheduler,
            }),
          );
          const pair = (a: number, b: number) => [names[a]!, names[b]!] as const;

          for (const op of ops) {
            scheduler.schedule(() => {
              switch (op.kind) {
                case "edit": {
                  const doc = repos[op.repo]!.doc(DOCS[op.doc]!);
                  const text = doc.getText("text");
                  text.insert(text.length, op.text);
                  doc.commit();
                  return;
                }
                case "open":
                  repos[op.repo]!.doc(DOCS[op.doc]!);
                  return;
                case "delete":
                  void repos[op.repo]!.delete(DOCS[op.doc]!);
                  return;
                case "faults":
                  net.setFaults({ drop: op.drop, duplicate: op.duplicate, reorder: op.reorder });
                  return;
                default: {
                  if (op.a === op.b) return;
                  const [a, b] = pair(op.a, op.b);
                  if (op.kind === "disconnect") net.disconnect(a, b);
                  else if (op.kind === "reconnect") net.reconnect(a, b);
                  else if (op.kind === "partition") net.partition(a, b);
                  else net.heal(a, b);
                }
              }
            }, op.at);
          }
          flush();
          // Heal everything and let every pair run a fresh handshake.
          net.setFaults({});
          net.heal();
          for (let a = 0; a < peers; a++) {
            for (let b = a + 1; b < peers; b++) net.reconnect(...pair(a, b));
          }
          flush();
          const expected = contents(repos[0]!);
          for (const repo of repos) expect(contents(repo)).toEqual(expected);
          for (const repo of repos) void repo.close();
          net.close();
        });
      }),
      { seed, numRuns },
    );
  });
});
