/**
 * The resume extension (docs/RESUME.md) in the pure program: who accepts, who refuses, and what
 * is offered or requested then. The peer's side is played by hand; its digest is computed with
 * the same function over records that agree with ours (what an honest peer would send).
 */
import {
  type Command,
  getChannel,
  getPeer,
  getPeerDoc,
  init,
  type Model,
  type PeerState,
  readyStates,
  recordDigest,
  setPeer,
  withoutResume,
} from "../../src/program/index.js";
import type {
  ChannelMsg,
  EstablishRequestMsg,
  ResumeRequest,
} from "../../src/protocol/messages.js";
import {
  alice,
  channelAdded,
  channelRemoved,
  docDelete,
  establishChannel,
  fold,
  given,
  localChange,
  permissions,
  received,
  self,
  syncRequest,
  syncResponse,
  upToDate,
  withDoc,
} from "./helpers.js";

const OURS = "our-session";
const THEIRS = "alice-session";
const V = { a: { "100": 3 }, b: { "100": 5 }, c: { "100": 7 } } as const;

/** A node with a session holding a, b and c. */
const node = (): Model => {
  let model = init({ identity: self, session: OURS });
  for (const [docId, version] of Object.entries(V)) model = withDoc(model, docId, version);
  return model;
};

const sent = (commands: readonly Command[]): ChannelMsg[] =>
  commands.flatMap((c) =>
    c.type === "send" || c.type === "send-establishment" ? [c.message] : [],
  );

const offers = (commands: readonly Command[]): string[] =>
  sent(commands).flatMap((m) => (m.type === "channel/sync-request" ? [m.docId] : []));

const alicePeer = (model: Model): PeerState => {
  const peer = getPeer(model, alice.peerId);
  if (peer === undefined) throw new Error("alice unknown");
  return peer;
};

const request = (resume?: ResumeRequest): EstablishRequestMsg =>
  resume === undefined
    ? { type: "channel/establish-request", identity: alice }
    : { type: "channel/establish-request", identity: alice, resume };

/**
 * We are the responder: alice connected on channel 1 with her session, told us she holds each
 * doc at our version, and went away.
 */
const responderAfterSync = (): Model => {
  const answers = Object.entries(V).map(([docId, v]) =>
    received(1, syncResponse(docId, upToDate(v))),
  );
  return given(node(), [
    channelAdded(1),
    received(1, request({ session: THEIRS })),
    ...answers,
    channelRemoved(1),
  ]);
};

/** Alice's resume request to us, with the digest of records that agree with ours. */
const resumeFrom = (model: Model, session = THEIRS): EstablishRequestMsg =>
  request({ session, known: [{ session: OURS, digest: recordDigest(model, alicePeer(model)) }] });

describe("resume, responder side (RESUME.md §5 step 2–3)", () => {
  it("a loro-extended peer (no `resume` in its request) gets the spec's handshake and no extension", () => {
    const [, commands] = fold(node(), [channelAdded(1), received(1, request())]);
    expect(sent(commands)[0]).toEqual({ type: "channel/establish-response", identity: self });
    expect(offers(commands)).toEqual(["a", "b", "c"]);
  });

  it("accepted: only the doc changed while apart is offered, the others count as synced now", () => {
    const apart = given(responderAfterSync(), [localChange("b", { "100": 6 })]);
    // Alice's records of us agree with ours as they were when she left.
    const proposal = resumeFrom(responderAfterSync());
    const [model, commands] = fold(apart, [channelAdded(2), received(2, proposal)]);
    expect(sent(commands)[0]).toEqual({
      type: "channel/establish-response",
      identity: self,
      resume: { session: OURS, accepted: true },
    });
    expect(offers(commands)).toEqual(["b"]);
    // No empty batch: under a resume, not offered means unchanged.
    expect(sent(commands)).toHaveLength(2);
    const status = (docId: string) =>
      readyStates(model, docId).find((s) => s.identity.peerId === alice.peerId)?.status;
    expect([status("a"), status("b"), status("c")]).toEqual(["synced", "pending", "synced"]);
  });

  it("refused when the peer restarted with a fresh session: every doc is offered", () => {
    const before = responderAfterSync();
    const [model, commands] = fold(before, [
      channelAdded(2),
      received(2, resumeFrom(before, "alice-restarted")),
    ]);
    expect(sent(commands)[0]).toMatchObject({ resume: { session: OURS, accepted: false } });
    expect(offers(commands)).toEqual(["a", "b", "c"]);
    // The new session is what a later resume must present.
    expect(alicePeer(model).resume).toEqual({ session: "alice-restarted" });
  });

  it("refused after records of the peer were dropped (eviction calls withoutResume)", () => {
    const before = responderAfterSync();
    const proposal = resumeFrom(before);
    const evicted = setPeer(before, withoutResume(alicePeer(before)));
    const [, commands] = fold(evicted, [channelAdded(2), received(2, proposal)]);
    expect(sent(commands)[0]).toMatchObject({ resume: { accepted: false } });
    expect(offers(commands)).toEqual(["a", "b", "c"]);
  });

  it("refused after the peer told us it deleted a doc (forgetPeerDoc drops its record)", () => {
    const before = responderAfterSync();
    const forgot = given(before, [
      channelAdded(2),
      received(2, request({ session: THEIRS })),
      received(2, { type: "channel/delete-request", docId: "c" }),
      channelRemoved(2),
    ]);
    expect(alicePeer(forgot).resume).toBeUndefined();
    const [, commands] = fold(forgot, [channelAdded(3), received(3, resumeFrom(forgot))]);
    expect(sent(commands)[0]).toMatchObject({ resume: { accepted: false } });
  });

  it("refused when access to a doc was revoked while apart (enforceVisibility drops the record)", () => {
    const exchanges = Object.entries(V).flatMap(([docId, v]) => [
      received(1, syncRequest(docId, v, false)),
      received(1, syncResponse(docId, upToDate(v))),
    ]);
    const before = given(node(), [
      channelAdded(1),
      received(1, request({ session: THEIRS })),
      ...exchanges,
      channelRemoved(1),
    ]);
    const strict = permissions({ enforceVisibility: true, visibility: (doc) => doc.id !== "a" });
    const [model, commands] = fold(
      before,
      [channelAdded(2), received(2, resumeFrom(before))],
      strict,
    );
    expect(sent(commands).find((m) => m.type === "channel/establish-response")).toMatchObject({
      resume: { accepted: false },
    });
    expect(offers(commands)).toEqual(["b", "c"]);
    expect(getPeerDoc(alicePeer(model), "a")?.status).toBe("unknown");
  });

  it("refused when a change we sent may not have arrived: the records no longer agree", () => {
    const before = responderAfterSync();
    // Alice never got the update we recorded as sent (it was in flight when the link dropped):
    // her records still say a is at the old version, ours say the new one.
    const sentUpdate = given(before, [
      channelAdded(2),
      received(2, request({ session: THEIRS })),
      received(2, {
        type: "channel/sync-request",
        docId: "a",
        requesterDocVersion: V.a,
        bidirectional: false,
      }),
      localChange("a", { "100": 4 }),
      channelRemoved(2),
    ]);
    expect(getPeerDoc(alicePeer(sentUpdate), "a")?.version).toEqual({ "100": 4 });
    const [, commands] = fold(sentUpdate, [channelAdded(3), received(3, resumeFrom(before))]);
    expect(sent(commands)[0]).toMatchObject({ resume: { accepted: false } });
    expect(offers(commands)).toEqual(["a", "b", "c"]);
  });

  it("a doc deleted here while apart: the resume is refused, so the full handshake runs", () => {
    const before = responderAfterSync();
    const [, commands] = fold(before, [
      docDelete("c"),
      channelAdded(2),
      received(2, resumeFrom(before)),
    ]);
    expect(sent(commands).find((m) => m.type === "channel/establish-response")).toMatchObject({
      resume: { accepted: false },
    });
    // Alice then requests c (her verification of skipped docs) and it comes back, as without
    // the extension.
    expect(offers(commands)).toEqual(["a", "b"]);
  });

  it("storage channels never carry the extension", () => {
    const [, commands] = fold(node(), [channelAdded(1, "storage"), establishChannel(1)]);
    expect(sent(commands)[0]).toEqual({ type: "channel/establish-request", identity: self });
  });
});

/** We are the initiator: we met alice (her session known), synced a, b, c, and she went away. */
const initiatorAfterSync = (): Model => {
  const answers = Object.entries(V).map(([docId, v]) =>
    received(1, syncResponse(docId, upToDate(v))),
  );
  return given(node(), [
    channelAdded(1),
    establishChannel(1),
    received(1, {
      type: "channel/establish-response",
      identity: alice,
      resume: { session: THEIRS, accepted: false },
    }),
    ...answers,
    channelRemoved(1),
  ]);
};

const accepted: ChannelMsg = {
  type: "channel/establish-response",
  identity: alice,
  resume: { session: THEIRS, accepted: true },
};

describe("resume, initiator side (RESUME.md §5 steps 1, 4, 5)", () => {
  it("the first establish-request announces the session only", () => {
    const [, commands] = fold(node(), [channelAdded(1), establishChannel(1)]);
    expect(sent(commands)[0]).toEqual({
      type: "channel/establish-request",
      identity: self,
      resume: { session: OURS },
    });
  });

  it("proposes to a known peer, and when accepted requests only what changed here", () => {
    const before = initiatorAfterSync();
    const [proposed, first] = fold(before, [
      localChange("a", { "100": 4 }),
      channelAdded(2),
      establishChannel(2),
    ]);
    expect(sent(first)[0]).toEqual({
      type: "channel/establish-request",
      identity: self,
      resume: {
        session: OURS,
        known: [{ session: THEIRS, digest: recordDigest(before, alicePeer(before)) }],
      },
    });
    const [model, commands] = fold(proposed, [received(2, accepted)]);
    expect(offers(commands)).toEqual(["a"]);
    expect(getChannel(model, 2)?.verify).toBeUndefined();
    // b and c went unmentioned, and nothing is requested when her (empty) first frame arrives.
    const [, later] = fold(model, [received(2, { type: "channel/batch", messages: [] })]);
    expect(offers(later)).toEqual([]);
  });

  it("refused: the spec's reconnection (A6 plus verification of the skipped docs)", () => {
    const [proposed] = fold(initiatorAfterSync(), [channelAdded(2), establishChannel(2)]);
    const [model, commands] = fold(proposed, [
      received(2, { ...accepted, resume: { session: THEIRS, accepted: false } }),
    ]);
    expect(offers(commands)).toEqual([]);
    expect(getChannel(model, 2)?.verify).toEqual(["a", "b", "c"]);
  });

  it("accepted after our own records were dropped: we ask again for a full handshake", () => {
    const [proposed] = fold(initiatorAfterSync(), [channelAdded(2), establishChannel(2)]);
    const evicted = setPeer(proposed, withoutResume(alicePeer(proposed)));
    const [, commands] = fold(evicted, [received(2, accepted)]);
    expect(sent(commands)).toEqual([
      { type: "channel/establish-request", identity: self, resume: { session: OURS } },
    ]);
  });

  it("a doc deleted here while apart: our digest no longer matches hers, so she refuses", () => {
    const before = initiatorAfterSync();
    const [, commands] = fold(before, [docDelete("b"), channelAdded(2), establishChannel(2)]);
    const request = sent(commands).find((m) => m.type === "channel/establish-request");
    const digest = request?.type === "channel/establish-request" ? request.resume?.known : [];
    expect(digest?.[0]?.digest).not.toEqual(recordDigest(before, alicePeer(before)));
  });
});
