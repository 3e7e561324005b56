export type {
  Middleware,
  MiddlewareContext,
  MiddlewareRequirement,
  MiddlewareResult,
  Verdict,
} from "./middleware.js";
export {
  createMiddlewareGate,
  HOLD_LIMIT_NAME,
  type MessageRejected,
  type MiddlewareGate,
  type MiddlewareGateOptions,
} from "./middleware-gate.js";
export {
  messageTypeRateLimiter,
  type RateLimiterMiddleware,
  type RateLimiterOptions,
  rateLimiter,
} from "./rate-limiter.js";
export { runChain } from "./run-chain.js";
