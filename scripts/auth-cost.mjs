#!/usr/bin/env node
/**
 * The cost of auth (issue 13's figures):
 * 1. µs per token verification (what each upgrade pays before its WebSocket exists), HS256 with a
 *    shared secret and ES256 with a P-256 public key, `jose` as the hub uses it.
 * 2. The cost of a revocation with 1,000 connected peers: a hub model with 1,000 authenticated
 *    network channels, each subscribed to 10 of 1,000 documents; the application pushes new
 *    claims for one `sub`, and the program handles `permissions-changed` (drops the subscription
 *    the peer lost). Also a re-check of every principal (`permissions-changed` without names).
 *
 * Not a test: no thresholds. Run after `npm run build`:
 *   node scripts/auth-cost.mjs [verifications] [revocations]
 */
import { generateKeyPairSync } from "node:crypto";
import { performance } from "node:perf_hooks";
import { SignJWT } from "jose";
import { init, update } from "../dist/src/program/index.js";
import { createAccessStore } from "../dist/streams/auth/access-store.js";
import { accessPermissions } from "../dist/streams/auth/permissions.js";
import { createTokenVerifier } from "../dist/streams/auth/verify-token.js";

const VERIFICATIONS = Number(process.argv[2] ?? 5000);
const REVOCATIONS = Number(process.argv[3] ?? 200);
const PEERS = 1000;
const DOCS = 1000;
const PER_PEER = 10;

const claims = { read: ["team-7/*"], write: ["team-7/notes"] };

const timeVerify = async (label, verify, token) => {
  for (let i = 0; i < 200; i++) await verify(token); // warm-up
  const start = performance.now();
  for (let i = 0; i < VERIFICATIONS; i++) {
    const result = await verify(token);
    if (!result.ok) throw new Error(`${label}: ${result.reason}`);
  }
  const us = ((performance.now() - start) * 1000) / VERIFICATIONS;
  console.log(`${label}: ${us.toFixed(1)} µs per verification (${VERIFICATIONS} runs)`);
};

const secret = "a-secret-of-enough-length-for-hs256";
const hs = await new SignJWT(claims)
  .setProtectedHeader({ alg: "HS256" })
  .setSubject("alice")
  .setExpirationTime("1h")
  .sign(new TextEncoder().encode(secret));
await timeVerify("HS256", createTokenVerifier({ secret }), hs);

const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
const es = await new SignJWT(claims)
  .setProtectedHeader({ alg: "ES256" })
  .setSubject("alice")
  .setExpirationTime("1h")
  .sign(privateKey);
const pem = publicKey.export({ type: "spki", format: "pem" });
await timeVerify("ES256", createTokenVerifier({ publicKey: pem }), es);

// --- revocation at 1,000 peers -------------------------------------------------------------
const store = createAccessStore();
const permissions = accessPermissions(store, "requested");
const docId = (d) => `team-7/doc-${d}`;
const full = { read: ["team-7/*"], write: [], create: false, delete: false };
for (let p = 1; p <= PEERS; p++) store.connected(`user-${p}`, full);

let model = init({ identity: { peerId: "1", name: "hub", type: "service" } });
const step = (input) => {
  model = update(model, input, permissions)[0];
};
for (let d = 0; d < DOCS; d++) step({ type: "doc-ensure", docId: docId(d) });
for (let p = 1; p <= PEERS; p++) {
  step({
    type: "channel-added",
    channelId: p,
    kind: "network",
    adapterType: "websocket-server",
    principal: `user-${p}`,
  });
  step({
    type: "message-received",
    channelId: p,
    message: {
      type: "channel/establish-request",
      identity: { peerId: String(1000 + p), type: "user" },
    },
  });
  for (let k = 0; k < PER_PEER; k++) {
    step({
      type: "message-received",
      channelId: p,
      message: {
        type: "channel/sync-request",
        docId: docId((p * 7 + k * 101) % DOCS),
        requesterDocVersion: {},
        bidirectional: false,
      },
    });
  }
}

const base = model;
const revoked = { ...full, read: ["team-7/doc-1*"] };
let dropped = 0;
let start = performance.now();
for (let i = 0; i < REVOCATIONS; i++) {
  const sub = `user-${1 + (i % PEERS)}`;
  store.set(sub, revoked);
  const [next, commands] = update(
    base,
    { type: "permissions-changed", principals: [sub] },
    permissions,
  );
  dropped += commands.length;
  store.clear(sub);
  if (next === undefined) throw new Error("no model");
}
let us = ((performance.now() - start) * 1000) / REVOCATIONS;
console.log(
  `revocation of one sub, ${PEERS} peers × ${PER_PEER} subscriptions, ${DOCS} docs: ` +
    `${us.toFixed(1)} µs per permissions-changed (${REVOCATIONS} runs, ${dropped} access-changed events)`,
);

for (let p = 1; p <= PEERS; p++) store.set(`user-${p}`, revoked);
const ROUNDS = Math.max(5, Math.floor(REVOCATIONS / 20));
start = performance.now();
for (let i = 0; i < ROUNDS; i++) update(base, { type: "permissions-changed" }, permissions);
us = ((performance.now() - start) * 1000) / ROUNDS;
console.log(
  `re-check of every principal (all ${PEERS} revoked at once): ${(us / 1000).toFixed(2)} ms per permissions-changed (${ROUNDS} runs)`,
);
