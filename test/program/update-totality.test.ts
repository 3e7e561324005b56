/**
 * `update` is total: for any sequence of valid inputs — messages on unknown or closed channels or
 * before establishment, duplicated and out-of-order responses, batches (nested too), deletes,
 * feedback for unknown docs, permissions that deny or throw — it never throws, never mutates the
 * model it is given, and keeps the model's invariants after every step.
 *
 * Replay a failure with `FC_SEED=<seed> npx jest test/program/update-totality`.
 */
import fc from "fast-check";
import { emptyPMap, getChannel, update } from "../../src/program/index.js";
import { buildPermissions, permissionPlanArb, scenarioArb } from "./arbitraries.js";
import { alice, fold, node } from "./helpers.js";
import { violations } from "./invariants.js";

const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`FC_SEED=${seed}`);
const numRuns = Number(process.env.FC_RUNS ?? 1000);

const deepFreeze = (value: unknown): void => {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
};

describe("update is total", () => {
  it("never throws, never mutates its input, and keeps the model's invariants after every step", () => {
    fc.assert(
      fc.property(scenarioArb(permissionPlanArb), (steps) => {
        let model = node();
        let json = JSON.stringify(model);
        for (const [input, plan] of steps) {
          deepFreeze(model);
          const [next, commands] = update(model, input, buildPermissions(plan));
          // The input model is untouched (it is frozen too: a write would have thrown).
          expect(JSON.stringify(model)).toBe(json);
          const problems = violations(next, commands, Object.isFrozen);
          if (problems.length > 0) expect(problems).toEqual([]);
          const nextJson = JSON.stringify(next);
          // 6.21 / 15.1.11: a message on an unknown channel changes nothing but reports itself.
          if (
            input.type === "message-received" &&
            getChannel(model, input.channelId) === undefined
          ) {
            expect(nextJson).toBe(json);
            expect(commands.map((c) => c.type)).toEqual(["emit"]);
          }
          model = next;
          json = nextJson;
        }
        // `violations` checked plain data at every step; here the round trips themselves.
        expect(JSON.parse(json)).toEqual(model);
        expect(structuredClone(model)).toEqual(model);
      }),
      { seed, numRuns },
    );
  });

  it("the invariant checker itself catches broken models (a check of the check)", () => {
    const [model] = fold(node(), [
      { type: "channel-added", channelId: 1, kind: "network", adapterType: "t" },
      {
        type: "message-received",
        channelId: 1,
        message: { type: "channel/establish-request", identity: alice },
      },
      {
        type: "message-received",
        channelId: 1,
        message: {
          type: "channel/sync-request",
          docId: "d",
          requesterDocVersion: {},
          bidirectional: false,
        },
      },
    ]);
    expect(violations(model, [])).toEqual([]);
    expect(violations({ ...model, subscribers: emptyPMap() }, [])).toEqual([
      "subscribers index  ≠ subscriptions 1|d",
    ]);
    expect(violations({ ...model, channels: emptyPMap() }, [])).toEqual([
      "peer 1 lists channel 1, which is not established to it",
    ]);
    expect(
      violations(model, [{ type: "send-doc-update", channelId: 7, docId: "d", from: null }]),
    ).toEqual(["send-doc-update to channel 7, which is not established"]);
  });
});
