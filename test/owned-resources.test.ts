/** The leak-check helper itself: it must see what is armed, and only that. */
import { interval, timer } from "rxjs";
import { CountingScheduler } from "./owned-resources.js";

describe("CountingScheduler", () => {
  it("counts a timer until it runs or is cancelled", async () => {
    const scheduler = new CountingScheduler();
    const ran: number[] = [];
    const once = timer(5, scheduler).subscribe(() => ran.push(1));
    const cancelled = timer(60_000, scheduler).subscribe();
    expect(scheduler.pending()).toBe(2);
    cancelled.unsubscribe();
    expect(scheduler.pending()).toBe(1);
    while (ran.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(scheduler.pending()).toBe(0);
    once.unsubscribe();
    expect(scheduler.scheduled).toBe(2);
  });

  it("counts a re-arming interval until it is unsubscribed", async () => {
    const scheduler = new CountingScheduler();
    let ticks = 0;
    const sub = interval(2, scheduler).subscribe(() => ticks++);
    while (ticks < 3) await new Promise((r) => setTimeout(r, 5));
    expect(scheduler.pending()).toBe(1);
    sub.unsubscribe();
    expect(scheduler.pending()).toBe(0);
  });
});
