/**
 * A Connection a test drives by hand: what it pushes arrives at the engine as frames; what the
 * engine sends is recorded.
 */
import { Observable, Subject } from "rxjs";
import type { ChannelMsg, Connection, Input, Repo } from "../../../streams/index.js";

export const handConnection = () => {
  const incoming = new Subject<unknown>();
  const sent: ChannelMsg[] = [];
  const connection: Connection = {
    kind: "network",
    adapterType: "by-hand",
    initiator: false,
    incoming$: incoming.asObservable(),
    send: (message) => sent.push(message),
    close: () => incoming.complete(),
  };
  return {
    transport: new Observable<Connection>((subscriber) => subscriber.next(connection)),
    sent,
    push: (frame: unknown) => incoming.next(frame),
    close: () => incoming.complete(),
  };
};

export const establish = (peerId = "77") => ({
  type: "channel/establish-request" as const,
  identity: { peerId, name: "remote", type: "user" as const },
});

export const newDoc = (...docIds: string[]) => ({ type: "channel/new-doc" as const, docIds });

/** The messages the program received, as `channel:type(docs)`, batches in brackets. */
export const received = (repo: Repo): string[] => {
  const out: string[] = [];
  const show = (m: ChannelMsg): string =>
    m.type === "channel/batch"
      ? `[${m.messages.map(show).join(", ")}]`
      : m.type === "channel/new-doc"
        ? `new-doc(${m.docIds.join(",")})`
        : m.type.slice(8);
  repo.inputs$.subscribe((input: Input) => {
    if (input.type === "message-received") out.push(`${input.channelId}:${show(input.message)}`);
  });
  return out;
};
