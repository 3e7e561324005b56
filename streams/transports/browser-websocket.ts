/**
 * The part of the browser WebSocket API the client uses, so that it runs in a page with the
 * platform's `WebSocket` and in Node with the `ws` package's class, which mirrors it.
 *
 * Handlers take `never`: both the DOM's and `ws`'s handler types must be assignable here, and
 * their event classes differ; we read events through the narrow shapes below instead.
 */
export interface BrowserWebSocket {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => BrowserWebSocket;

export interface MessageEventLike {
  readonly data: unknown;
}

export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/** `WebSocket.OPEN` in both APIs. */
export const OPEN = 1;
