/**
 * The hub serves a directory of static files (the demo, `dist/demo`) next to its HTTP routes:
 * `GET /` is `index.html`, `GET /<file>` a file at the top of the directory. The file list is read
 * once at start, so a request can only ever name one of those files (no paths, no `..`); anything
 * else falls through to the hub's own routes.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** `next` with the files of `dir` in front of it; `dir` undefined or unreadable: just `next`. */
export const withStaticFiles = (dir: string | undefined, next: Handler): Handler => {
  if (dir === undefined) return next;
  let names: Set<string>;
  try {
    names = new Set(
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && TYPES[extname(e.name)] !== undefined)
        .map((e) => e.name),
    );
  } catch {
    return next;
  }
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const name = path === "/" ? "index.html" : path.slice(1);
    if ((req.method !== "GET" && req.method !== "HEAD") || !names.has(name)) {
      next(req, res);
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch {
      next(req, res);
      return;
    }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(name)] ?? "application/octet-stream",
      "Content-Length": body.byteLength,
      "Cache-Control": "no-cache",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  };
};
