/**
 * Runs the middleware chain on one message (spec §10.2): in registration order, skipping a
 * middleware whose required context is missing, stopping at the first rejection. A throwing or
 * rejecting middleware rejects (fail closed). The result is synchronous while every check is,
 * so a chain of synchronous checks adds no turn of the event loop.
 */
import {
  isPromiseLike,
  type Middleware,
  type MiddlewareContext,
  type MiddlewareResult,
  type Verdict,
} from "./middleware.js";

const ALLOW: Verdict = { allow: true };

const failed = (middleware: Middleware): Verdict => ({
  allow: false,
  middleware: middleware.name,
  reason: `middleware error: ${middleware.name}`,
});

const verdictOf = (middleware: Middleware, result: MiddlewareResult): Verdict => {
  if (result === true) return ALLOW;
  if (result === false) return { allow: false, middleware: middleware.name, reason: "rejected" };
  if (typeof result === "object" && result !== null) {
    if (result.allow === true) return ALLOW;
    if (result.allow === false) {
      return { allow: false, middleware: middleware.name, reason: result.reason ?? "rejected" };
    }
  }
  return failed(middleware);
};

const applies = (middleware: Middleware, context: MiddlewareContext): boolean =>
  (middleware.requires ?? []).every((field) => context[field] !== undefined);

export const runChain = (
  chain: readonly Middleware[],
  context: MiddlewareContext,
  from = 0,
): Verdict | Promise<Verdict> => {
  for (let i = from; i < chain.length; i++) {
    const middleware = chain[i]!;
    if (!applies(middleware, context)) continue;
    let result: MiddlewareResult | PromiseLike<MiddlewareResult>;
    try {
      result = middleware.check(context);
    } catch {
      return failed(middleware);
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (settled) => {
          const verdict = verdictOf(middleware, settled);
          return verdict.allow ? runChain(chain, context, i + 1) : verdict;
        },
        () => failed(middleware),
      );
    }
    const verdict = verdictOf(middleware, result);
    if (!verdict.allow) return verdict;
  }
  return ALLOW;
};
