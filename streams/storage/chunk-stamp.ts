/**
 * Names for chunks: `<time>-<counter>-<instance>`, e.g. `001732579468123-000000000007-9f3c…`.
 *
 * - `time`: milliseconds from the scheduler, 15 digits, clamped so it never goes backwards within
 *   an instance (a clock step back keeps the order);
 * - `counter`: per instance, 12 digits, never reset, so stamps of one instance strictly increase
 *   and sort in creation order;
 * - `instance`: 16 random hex digits per storage connection, so two processes (or two instances
 *   sharing a backend) never write the same key, unlike the reference's `<ms>-<counter>`
 *   (spec §12.4).
 *
 * Order across instances is by time only, which is enough: loading never depends on order.
 */
import type { SchedulerLike } from "rxjs";

export type StampSource = () => string;

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

export const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");

export const stampSource = (scheduler: SchedulerLike, instance = randomHex(8)): StampSource => {
  let last = 0;
  let counter = 0;
  return () => {
    last = Math.max(last, Math.floor(scheduler.now()));
    return `${pad(last, 15)}-${pad(counter++, 12)}-${instance}`;
  };
};
