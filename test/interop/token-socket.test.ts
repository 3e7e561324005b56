/**
 * A @loro-extended/repo 5.4.2 peer reaches a hub with auth over a real socket, its token in the
 * `?token=` query parameter, speaking version-1 framing as a 5.4.2 client does. No 5.4.2
 * WebSocket adapter is in the registry set we install, so the reference Repo's channel messages
 * are framed by our version-1 client transport (the wire format a 5.4.2 client sends); the
 * protocol side — handshake, requests, updates — is the reference's own.
 */
import { Shape, Repo as TheirRepo } from "@loro-extended/repo";
import type { Subscription } from "rxjs";
import { decodeInbound } from "../../src/protocol/index.js";
import type { ChannelMsg } from "../../src/protocol/messages.js";
import { webSocketClient } from "../../streams/node.js";
import type { Connection } from "../../streams/transport.js";
import { authHub, client, hubText, mint, text, write } from "../streams/auth/helpers.js";
import { eventually } from "../streams/hub/hub-process.js";
import { LoroRxLinkAdapter } from "./loro-extended-link.js";

const Schema = Shape.doc({ t: Shape.text() });

/** Joins the reference Repo's channel (via the link) to a socket's Connection. */
const bridge = (link: LoroRxLinkAdapter, url: string): Subscription => {
  let socket: Connection | undefined;
  const waiting: unknown[] = [];
  const running = link.transport.subscribe((theirs) => {
    running.add(
      theirs.incoming$.subscribe((message) => {
        if (socket === undefined) waiting.push(message);
        else socket.send(message as ChannelMsg);
      }),
    );
    running.add(
      webSocketClient({ url, wireVersion: 1, keepalive: false, reconnect: false }).subscribe(
        (connection) => {
          socket = connection;
          for (const message of waiting.splice(0)) connection.send(message as ChannelMsg);
          running.add(
            connection.incoming$.subscribe((frame) => {
              for (const message of decodeInbound(frame).messages) theirs.send(message);
            }),
          );
        },
      ),
    );
  });
  return running;
};

it("a loro-extended 5.4.2 client connecting with ?token= syncs both ways, within its claims", async () => {
  const { hub, stop } = await authHub();
  const token = await mint({ sub: "reference-user", write: ["shared"] });
  const link = new LoroRxLinkAdapter(true);
  const wire = bridge(link, `${hub.url}/?token=${encodeURIComponent(token)}`);
  const theirs = new TheirRepo({
    identity: { peerId: "4242" as `${number}`, name: "reference", type: "user" },
    adapters: [link],
  });
  theirs.synchronizer.stopHeartbeat();
  const ours = client(hub.url, await mint({ sub: "rx-user", write: ["shared", "private"] }));
  try {
    const handle = theirs.get("shared", Schema);
    handle.loroDoc.getText("t").insert(0, "from 5.4.2 ");
    handle.loroDoc.commit();
    await eventually("the hub holds the reference's edit", () =>
      hubText(hub, "shared").includes("from 5.4.2"),
    );
    const doc = ours.doc("shared");
    await eventually("a loro-rx client gets it", () => text(doc).includes("from 5.4.2"));
    write(doc, "and back");
    await eventually("the reference gets the loro-rx edit", () =>
      handle.loroDoc.getText("t").toString().includes("and back"),
    );
    // A doc outside its claims: its edit is refused, and loro-rx's copy is never offered to it.
    write(ours.doc("private"), "hidden");
    await ours.whenSynced("private");
    const other = theirs.get("private", Schema);
    other.loroDoc.getText("t").insert(0, "intrusion");
    other.loroDoc.commit();
    write(ours.doc("shared"), "!");
    await eventually("a later edit still arrives", () =>
      handle.loroDoc.getText("t").toString().endsWith("!"),
    );
    expect(hubText(hub, "private")).toBe("hidden");
    expect(other.loroDoc.getText("t").toString()).toBe("intrusion");
  } finally {
    theirs.synchronizer.stopHeartbeat();
    theirs.reset();
    wire.unsubscribe();
    await ours.close();
    await stop();
  }
});
