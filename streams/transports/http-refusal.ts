/** Refusing a WebSocket upgrade with a plain HTTP response, before any WebSocket exists. */
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

export const refuseUpgrade = (socket: Duplex, status: number, reason?: string): void => {
  if (socket.destroyed) return;
  const text = STATUS_CODES[status] ?? "Refused";
  const body = reason ?? text;
  const response =
    `HTTP/1.1 ${status} ${text}\r\n` +
    "Connection: close\r\n" +
    "Content-Type: text/plain; charset=utf-8\r\n" +
    `Content-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
  socket.once("finish", () => socket.destroy());
  socket.end(response);
};
