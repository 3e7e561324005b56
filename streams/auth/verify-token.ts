/**
 * JWT verification with `jose`: a shared secret (HS256) or a PEM public key (RS256 for an RSA key,
 * ES256 for a P-256 key). Only that one algorithm is accepted, so a token signed with another
 * (including `none`, or HS256 made with the public key as secret) is refused. Time is the
 * scheduler's, so expiry can be tested in virtual time.
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { jwtVerify } from "jose";
import { asyncScheduler, type SchedulerLike } from "rxjs";
import { type Access, accessFromClaims } from "./claims.js";

export interface AuthOptions {
  /** Shared secret for HS256 tokens. */
  readonly secret?: string;
  /** PEM (SPKI) public key for RS256 (RSA) or ES256 (P-256) tokens. */
  readonly publicKey?: string;
  /** Expected `iss` / `aud`, when given. */
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. Default 0. */
  readonly clockToleranceSec?: number;
}

/** A verified token. */
export interface Session {
  readonly principal: string;
  readonly access: Access;
  /** When the token expires (ms since the epoch, the scheduler's clock), if it does. */
  readonly expiresAt?: number;
}

export type Verification =
  | { readonly ok: true; readonly session: Session }
  | { readonly ok: false; readonly reason: string };

export type TokenVerifier = (token: string) => Promise<Verification>;

export class AuthConfigError extends Error {
  readonly code = "AUTH_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "AuthConfigError";
  }
}

const algorithmOf = (key: KeyObject): string => {
  if (key.asymmetricKeyType === "rsa") return "RS256";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") {
    return "ES256";
  }
  throw new AuthConfigError(
    `unsupported public key (${key.asymmetricKeyType ?? "unknown"}): use an RSA or P-256 key`,
  );
};

/**
 * The Web Crypto key jose verifies with, imported once: handed raw bytes or a KeyObject, jose's
 * Web Crypto build imports the key again on every verification.
 */
const cryptoKeyOf = (key: KeyObject | Uint8Array, algorithm: string): Promise<CryptoKey> => {
  const { subtle } = globalThis.crypto;
  if (key instanceof Uint8Array) {
    return subtle.importKey("raw", new Uint8Array(key), { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
  }
  const spki = new Uint8Array(key.export({ type: "spki", format: "der" }));
  const params =
    algorithm === "ES256"
      ? { name: "ECDSA", namedCurve: "P-256" }
      : { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  return subtle.importKey("spki", spki, params, false, ["verify"]);
};

const keyOf = (options: AuthOptions): { key: KeyObject | Uint8Array; algorithm: string } => {
  if ((options.secret === undefined) === (options.publicKey === undefined)) {
    throw new AuthConfigError("give exactly one of a secret and a public key");
  }
  if (options.secret !== undefined) {
    if (options.secret.length < 16) {
      throw new AuthConfigError("the secret must be at least 16 characters");
    }
    return { key: new TextEncoder().encode(options.secret), algorithm: "HS256" };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(options.publicKey!);
  } catch (e) {
    throw new AuthConfigError(`cannot read the public key: ${String(e)}`);
  }
  return { key, algorithm: algorithmOf(key) };
};

/** Throws {@link AuthConfigError} at once for a key it cannot use. */
export const createTokenVerifier = (
  options: AuthOptions,
  scheduler: SchedulerLike = asyncScheduler,
): TokenVerifier => {
  const { key, algorithm } = keyOf(options);
  let imported: Promise<CryptoKey> | undefined;
  return async (token) => {
    try {
      imported ??= cryptoKeyOf(key, algorithm);
      const { payload } = await jwtVerify(token, await imported, {
        algorithms: [algorithm],
        currentDate: new Date(scheduler.now()),
        clockTolerance: options.clockToleranceSec ?? 0,
        ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
        ...(options.audience === undefined ? {} : { audience: options.audience }),
      });
      if (typeof payload.sub !== "string" || payload.sub === "") {
        return { ok: false, reason: 'the token has no "sub"' };
      }
      const parsed = accessFromClaims(payload);
      if ("error" in parsed) return { ok: false, reason: parsed.error };
      const session: Session = { principal: payload.sub, access: parsed.access };
      return {
        ok: true,
        session:
          payload.exp === undefined ? session : { ...session, expiresAt: payload.exp * 1000 },
      };
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { ok: false, reason: typeof code === "string" ? code : "invalid token" };
    }
  };
};
