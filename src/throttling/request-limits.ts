/**
 * Per-address limits on requests that make the IdP store something for a stranger: starting a
 * sign-in (each /auth without a session stores an Interaction for INTERACTION_TTL_SECONDS: 20,000
 * of them from one script added 228 MB) and registering a client. Counted in the store (every
 * instance agrees) per source address (IPv6 by /64); past the limit the answer is 429 with
 * Retry-After: a page for people at /auth, OAuth-style JSON at /reg.
 */
import type { Context, Middleware, Next } from 'koa';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { SecurityEventType, SecurityEvents } from '../security/security-events.js';
import type { Storage } from '../storage/types.js';
import { sourceKey } from './source-address.js';

export interface RequestLimit {
  name: string;
  /** Requests (of those `counts` says count) per window per address. */
  points: number;
  durationSeconds: number;
  /** Which requests the limit applies to. */
  applies(ctx: Context): boolean;
  /** After the response: did this request cost something (an interaction stored, ...)? If not, it is taken back. */
  counts(ctx: Context): boolean;
  /**
   * Present: the request runs first and is counted only when it cost something; past the limit,
   * `undo` takes back what it stored before the refusal goes out. So a request that costs nothing
   * (a silent sign-in with a session) is never refused, however busy its address. Absent: the
   * request is counted before it runs, and refused before it runs.
   */
  undo?(ctx: Context): Promise<void>;
  refuse(ctx: Context, retryAfterSeconds: number): void;
  event: SecurityEventType;
}

export function requestLimit(storage: Storage, events: SecurityEvents, limit: RequestLimit): Middleware {
  const limiter = storage.rateLimiter({ keyPrefix: `requests:${limit.name}`, points: limit.points, durationSeconds: limit.durationSeconds });
  async function refuse(ctx: Context, refusal: RateLimiterRes) {
    const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    await events.record({ type: limit.event, source: ctx.ip, detail: { limit: limit.name, retry_after_seconds: retryAfterSeconds } });
    ctx.set('Retry-After', String(retryAfterSeconds));
    limit.refuse(ctx, retryAfterSeconds);
  }
  /** Counts one request; the refusal when it is over the limit. */
  const count = (key: string) =>
    limiter.consume(key).then(
      () => undefined,
      (refusal: unknown) => {
        if (refusal instanceof RateLimiterRes) return refusal;
        throw refusal;
      },
    );

  async function limited(ctx: Context, next: Next): Promise<void> {
    const key = sourceKey(ctx.ip);
    if (limit.undo) {
      await next();
      if (!limit.counts(ctx)) return;
      const refusal = await count(key);
      if (!refusal) return;
      await limit.undo(ctx);
      ctx.remove('Set-Cookie');
      ctx.remove('Location');
      return refuse(ctx, refusal);
    }
    // Counted before the work, so a burst of concurrent requests can't all pass one check.
    const refusal = await count(key);
    if (refusal) return refuse(ctx, refusal);
    try {
      await next();
    } finally {
      // Requests that stored nothing are taken back.
      if (!limit.counts(ctx)) await limiter.reward(key);
    }
  }

  // Most requests are not limited: they pass without an async wrapper (issue 10).
  return (ctx, next) => (limit.applies(ctx) ? limited(ctx, next) : next());
}
