/**
 * GoTrue's per-address request limits: a token bucket per client address that holds
 * the configured number of requests and refills at that number per period, so a burst
 * of `limit` requests passes and the rest wait for the refill — "30 sign-ins per
 * 5 minutes" as `[auth.rate_limit]` in supabase/config.toml says it.
 */

export interface RateRule {
  /** Requests per period. */
  limit: number;
  periodMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are dropped, and the hard cap after that. */
const SWEEP_AT = 10_000;
const HARD_CAP = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly rule: RateRule,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request from `key`; false when its bucket is empty. */
  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key);
    const tokens = bucket ? this.refilled(bucket, now) : this.rule.limit;
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return false;
    }
    // Re-inserted so the map stays ordered by last use, oldest first.
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    if (this.buckets.size > SWEEP_AT) this.sweep(now);
    return true;
  }

  private refilled(bucket: Bucket, now: number): number {
    const elapsed = Math.max(0, now - bucket.at);
    return Math.min(this.rule.limit, bucket.tokens + (elapsed * this.rule.limit) / this.rule.periodMs);
  }

  /** A full bucket is the same as none; past the cap the least recently used go. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.refilled(bucket, now) >= this.rule.limit) this.buckets.delete(key);
    }
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= HARD_CAP) break;
      this.buckets.delete(key);
    }
  }
}
