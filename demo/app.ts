/**
 * The demo served by `loro-rx serve` at http://127.0.0.1:8787/: a shared todo list.
 *
 * One document ("todos") holds a movable list of `{ id, text, done }`. Every tab keeps a copy in
 * IndexedDB (edits survive a reload, even offline), talks to the hub over a WebSocket, and to the
 * other tabs of this browser over a BroadcastChannel (so tabs stay in sync with the hub down).
 * Presence says who is here; the badges show the connection and the changes the hub has not
 * acknowledged yet. Query parameters (for tests): `hub=ws://…` (default: this page's host),
 * `tabs=off` (no BroadcastChannel), `name=…` (what others see).
 */
import {
  broadcastChannelTransport,
  createRepo,
  indexedDbStorageTransport,
  unsyncedChanges,
  webSocketClient,
} from "loro-rx";

interface Todo {
  readonly id: string;
  readonly text: string;
  readonly done: boolean;
}
interface Visitor {
  readonly name: string;
  readonly color: string;
}

const params = new URLSearchParams(location.search);
const hubUrl = params.get("hub") ?? `ws://${location.host}`;
const me: Visitor = {
  name: params.get("name") ?? `guest-${Math.floor(Math.random() * 1000)}`,
  color: `hsl(${Math.floor(Math.random() * 360)} 60% 45%)`,
};

const client = webSocketClient({ url: hubUrl });
const repo = createRepo({
  transports: [
    client,
    indexedDbStorageTransport({ name: "loro-rx-demo" }),
    ...(params.get("tabs") === "off" ? [] : [broadcastChannelTransport({ name: "loro-rx-demo" })]),
  ],
});
const doc = repo.doc("todos");
const todos = doc.getMovableList("todos");
const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E;

// Editing: every change is one commit, which syncs it to the tabs, the hub and IndexedDB.
const at = (id: string): number => (todos.toArray() as Todo[]).findIndex((t) => t.id === id);
const actions = {
  add(text: string) {
    todos.push({ id: crypto.randomUUID(), text, done: false });
    doc.commit();
  },
  toggle(id: string) {
    const i = at(id);
    const todo = todos.get(i) as Todo;
    todos.set(i, { ...todo, done: !todo.done });
    doc.commit();
  },
  move(id: string, by: number) {
    const i = at(id);
    const to = i + by;
    if (i < 0 || to < 0 || to >= todos.length) return;
    todos.move(i, to);
    doc.commit();
  },
  remove(id: string) {
    todos.delete(at(id), 1);
    doc.commit();
  },
};

$("add").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $<HTMLInputElement>("new");
  if (input.value.trim() !== "") actions.add(input.value.trim());
  input.value = "";
});

const button = (label: string, title: string, onClick: () => void): HTMLButtonElement => {
  const b = document.createElement("button");
  b.textContent = label;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
};

// Rendering: redraw the list on every change, local or remote (it is small).
const render = (): void => {
  const items = (todos.toArray() as Todo[]).map((todo) => {
    const li = document.createElement("li");
    li.className = todo.done ? "done" : "";
    li.dataset.id = todo.id;
    const tick = document.createElement("input");
    tick.type = "checkbox";
    tick.checked = todo.done;
    tick.addEventListener("change", () => actions.toggle(todo.id));
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = todo.text;
    li.append(
      tick,
      text,
      button("↑", "move up", () => actions.move(todo.id, -1)),
      button("↓", "move down", () => actions.move(todo.id, 1)),
      button("✕", "delete", () => actions.remove(todo.id)),
    );
    return li;
  });
  $("todos").replaceChildren(...items);
};
doc.subscribe(render);
render();

// Who is here: our presence value, and everyone else's.
const who = repo.presence<Visitor>("todos", "who");
who.set(me);
who.peers$.subscribe((peers) => {
  const chips = [me, ...peers.values()].map((v, i) => {
    const chip = document.createElement("span");
    chip.style.background = v.color;
    chip.textContent = i === 0 ? `${v.name} (you)` : v.name;
    return chip;
  });
  $("who").replaceChildren(...chips);
});

// Storage trouble (private mode, quota, a blocked upgrade): say so, keep syncing over the network.
repo.events$.subscribe((event) => {
  if (event.type === "transport-problem" && /IndexedDB/.test(event.problem.message)) {
    $("storage").hidden = false;
    $("storage").title = event.problem.message;
  }
});

// Connection indicator.
client.state$.subscribe((state) => {
  $("connection").textContent = state === "ready" ? "online" : state;
  $("connection").dataset.state = state;
});

// Pending changes: saved on this device, not yet acknowledged by the hub.
const unsynced = unsyncedChanges(repo, { hubUrl: hubUrl.replace(/^ws/, "http") });
unsynced.all$.subscribe(({ changes, bytes }) => {
  $("pending").textContent =
    changes === 0
      ? "synced"
      : `${changes} change${changes === 1 ? "" : "s"} (${bytes} B) not synced yet`;
  $("pending").dataset.pending = String(changes > 0);
});
addEventListener("beforeunload", (event) => {
  if (unsynced.current().changes > 0) event.preventDefault();
});
