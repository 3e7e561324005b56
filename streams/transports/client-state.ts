/** Connection states of the WebSocket client (spec §13.4). Local API only. */
export type ClientState = "disconnected" | "connecting" | "connected" | "ready" | "reconnecting";

const NEXT: Readonly<Record<ClientState, readonly ClientState[]>> = {
  disconnected: ["connecting"],
  connecting: ["connected", "disconnected", "reconnecting"],
  connected: ["ready", "disconnected", "reconnecting"],
  ready: ["disconnected", "reconnecting"],
  reconnecting: ["connecting", "disconnected"],
};

export const isValidTransition = (from: ClientState, to: ClientState): boolean =>
  NEXT[from].includes(to);
