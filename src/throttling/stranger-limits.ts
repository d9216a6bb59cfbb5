/**
 * The two per-address request limits of the IdP (request-limits.ts): starting sign-in pages at
 * /auth, and dynamic client registration at /reg (which also bounds guessing at initial access
 * tokens). At /auth only requests that stored an interaction count, and past the limit that
 * interaction is deleted again before the refusal goes out: a silent sign-in with a session costs
 * nothing and is never refused, however busy its address.
 */
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import { describeAppError } from '../http/error-messages.js';
import { providerPath } from '../http/our-paths.js';
import type { Views } from '../http/views.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { Storage } from '../storage/types.js';
import { requestLimit } from './request-limits.js';

const interactionUid = (location: string) => /\/interaction\/([^/?#]+)$/.exec(location)?.[1];

export function createStrangerLimits(deps: { storage: Storage; events: SecurityEvents; views: Views; limits: Config['requestLimits'] }): Middleware[] {
  const { storage, events, views, limits } = deps;
  const signInPages = requestLimit(storage, events, {
    name: 'sign-in-pages',
    points: limits.interactionsPerMinute,
    durationSeconds: 60,
    event: 'authorization.throttled',
    // HEAD too: the provider answers it wherever it answers GET, storing the same interaction.
    applies: (ctx) => providerPath(ctx.path) === '/auth' && (ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'POST'),
    // oidc-provider answers a request that needs a page with a redirect to it.
    counts: (ctx) => interactionUid(ctx.response.get('Location')) !== undefined,
    async undo(ctx) {
      await storage.modelStore('Interaction').destroy(interactionUid(ctx.response.get('Location'))!);
    },
    refuse(ctx) {
      views.render(ctx, 'error', describeAppError('rate_limited', 'Too many sign-in pages were opened from your network.', 429, true), 429);
    },
  });
  const registrations = requestLimit(storage, events, {
    name: 'registrations',
    points: limits.registrationsPerHour,
    durationSeconds: 60 * 60,
    event: 'registration.throttled',
    applies: (ctx) => providerPath(ctx.path) === '/reg' && ctx.method === 'POST',
    counts: () => true,
    refuse(ctx, retryAfterSeconds) {
      ctx.status = 429;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: `Too many registration requests from this address; try again in ${retryAfterSeconds} seconds` };
    },
  });
  return [signInPages, registrations];
}
