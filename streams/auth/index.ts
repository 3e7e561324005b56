/** Token auth for a hub (Node): verification, access from claims, the live access store. */
export { type AccessStore, createAccessStore } from "./access-store.js";
export {
  type Access,
  accessFromClaims,
  canRead,
  canWrite,
  matchesPattern,
  NO_ACCESS,
} from "./claims.js";
export { DEFAULT_MAX_DOCS_PER_CONNECTION, docsPerConnection } from "./docs-limit.js";
export { createHubAuth, type HubAuth } from "./hub-auth.js";
export { accessPermissions } from "./permissions.js";
export { tokenOfRequest } from "./request-token.js";
export {
  AuthConfigError,
  type AuthOptions,
  createTokenVerifier,
  type Session,
  type TokenVerifier,
  type Verification,
} from "./verify-token.js";
