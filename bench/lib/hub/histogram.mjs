// Latency histogram with 1 % buckets (log scale), mergeable across processes: W9 and W10 collect
// millions of samples in several generator processes; only the bucket counts travel.
const BASE = Math.log(1.01);
const FLOOR = 0.001; // ms; anything below is counted in the first bucket

export class Histogram {
  constructor() {
    this.buckets = new Map();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  add(ms) {
    const v = Math.max(ms, FLOOR);
    const i = Math.floor(Math.log(v / FLOOR) / BASE);
    this.buckets.set(i, (this.buckets.get(i) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  toJSON() {
    return {
      buckets: [...this.buckets],
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
    };
  }

  static merge(parts) {
    const h = new Histogram();
    for (const p of parts) {
      for (const [i, n] of p.buckets) h.buckets.set(i, (h.buckets.get(i) ?? 0) + n);
      h.count += p.count;
      h.sum += p.sum;
      h.min = Math.min(h.min, p.min);
      h.max = Math.max(h.max, p.max);
    }
    return h;
  }

  /** Nearest-rank percentile, to the bucket (±0.5 %); exact at p = 100. */
  percentile(p) {
    if (this.count === 0) return undefined;
    if (p >= 100) return this.max;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const i of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(i);
      if (seen >= rank) {
        const mid = FLOOR * Math.exp((i + 0.5) * BASE);
        return Math.min(Math.max(mid, this.min), this.max);
      }
    }
    return this.max;
  }

  summary() {
    return {
      n: this.count,
      mean: this.count ? this.sum / this.count : undefined,
      p50: this.percentile(50),
      p99: this.percentile(99),
      max: this.count ? this.max : undefined,
    };
  }
}
