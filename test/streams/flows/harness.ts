/**
 * Flow tests in virtual time: repos on the in-process network, every delivered frame written as
 * one readable line, e.g. `3 C→S [sync-response(d, snapshot 1:2), sync-request(d, 1:2, once)]`.
 * These double as documentation of spec §7.
 */
import { LoroDoc } from "loro-crdt";
import { TestScheduler } from "rxjs/testing";
import { type ChannelMsg, createRepo, type ReadyState, type Repo } from "../../../streams/index.js";
import {
  createInProcessNetwork,
  describeMessage,
  type InProcessNetwork,
} from "../../../streams/testing/index.js";

export { describeMessage } from "../../../streams/testing/index.js";

/** Ready states as `peerId:status` for the peers, own entry first. */
export const describeReady = (states: readonly ReadyState[]): string =>
  states.map((s) => `${s.identity.peerId}:${s.status}`).join(" ");

export interface Flow {
  readonly net: InProcessNetwork;
  readonly scheduler: TestScheduler;
  readonly log: string[];
  /** A repo whose peerId is its name's position + 1 ("C" and "S" in most flows). */
  repo(name: string, peerId: string, options?: { readonly resume?: boolean }): Repo;
  /** Logs the repo's ready states for `docId` on every change, as `t ready C d: 1:synced 2:…`. */
  watchReady(name: string, repo: Repo, docId: string): void;
  /** Runs virtual time until nothing is scheduled. */
  flush(): void;
}

/** Runs `body` in virtual time; the network delivers each frame 1 ms after it is sent. */
export const runFlow = (topology: "mesh" | { star: string }, body: (flow: Flow) => void): void => {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.run(({ flush }) => {
    const net = createInProcessNetwork({ scheduler, latency: 1, topology });
    const log: string[] = [];
    const repos: Repo[] = [];
    net.traffic$.subscribe((e) =>
      log.push(`${e.at} ${e.from}→${e.to} ${describeMessage(e.message as ChannelMsg)}`),
    );
    body({
      net,
      scheduler,
      log,
      repo(name, peerId, options = {}) {
        const repo = createRepo({
          identity: { peerId, name },
          transports: [net.peer(name)],
          heartbeatMs: 0,
          scheduler,
          ...options,
        });
        repos.push(repo);
        return repo;
      },
      watchReady(name, repo, docId) {
        repo
          .readyStates$(docId)
          .subscribe((states) =>
            log.push(`${scheduler.now()} ready ${name} ${docId}: ${describeReady(states)}`),
          );
      },
      flush,
    });
    flush();
    for (const repo of repos) void repo.close();
    net.close();
  });
};

/** A snapshot of a doc with `text` written by Loro peer `peer`. */
export const snapshotOf = (text: string, peer: bigint): Uint8Array => {
  const doc = new LoroDoc();
  doc.setPeerId(peer);
  doc.getText("text").insert(0, text);
  doc.commit();
  return doc.export({ mode: "snapshot" });
};
