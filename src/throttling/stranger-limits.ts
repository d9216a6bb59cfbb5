/**
 * The per-address request limits of the IdP (request-limits.ts): starting sign-in pages at /auth,
 * pushing authorization requests at /request, sign-out pages at /session/end, and dynamic client
 * registration at /reg (which also bounds
 * guessing at initial access tokens). At /auth only requests that stored an interaction count, at
 * /session/end only those that stored a session nobody is signed in on (oidc-provider keeps one
 * for the sign-out form, with the RP's `state` in it), and past the limit what the request stored
 * is deleted again before the refusal goes out: a silent sign-in with a session, or a signed-in
 * person signing out, costs nothing and is never refused, however busy its address.
 */
import type { Context, Middleware } from 'koa';
import type { Config } from '../config.js';
import { describeAppError } from '../http/error-messages.js';
import { providerPath } from '../http/our-paths.js';
import type { Views } from '../http/views.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { Storage } from '../storage/types.js';
import { requestLimit } from './request-limits.js';

const passOn: Middleware = (_ctx, next) => next();

const interactionUid = (location: string) => /\/interaction\/([^/?#]+)$/.exec(location)?.[1];

/**
 * The session this request stored when nobody is signed in on it. Not only a new one: a cookie
 * naming a session that is gone (expired, or deleted) gets a session that is not marked new and
 * is stored all the same, under a fresh id each time (oidc-provider's Session.get), so replaying
 * one stale cookie would otherwise never count (found by a review).
 */
function anonymousSessionStored(ctx: Context): string | undefined {
  const session = (ctx as { oidc?: { session?: { accountId?: string; destroyed?: boolean; id?: string } } }).oidc?.session;
  return session && !session.accountId && !session.destroyed && typeof session.id === 'string' ? session.id : undefined;
}

export function createStrangerLimits(deps: { storage: Storage; events: SecurityEvents; views: Views; limits: Config['requestLimits'] }): Middleware[] {
  const { storage, events, views, limits } = deps;
  /** A page for people (a browser opened it), 429. */
  const pageRefusal = (message: string) => (ctx: Context) => views.render(ctx, 'error', describeAppError('rate_limited', message, 429, true), 429);
  /** OAuth-style JSON for clients, 429. */
  const jsonRefusal = (what: string) => (ctx: Context, retryAfterSeconds: number) => {
    ctx.status = 429;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'temporarily_unavailable', error_description: `Too many ${what} from this address; try again in ${retryAfterSeconds} seconds` };
  };
  // Each limit is reached only through the dispatch by path below, so it checks the method alone.
  // HEAD too where GET is: the provider answers it wherever it answers GET, storing the same.
  const pages = (ctx: Context) => ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'POST';
  const posts = (ctx: Context) => ctx.method === 'POST';
  const byPath = new Map<string, Middleware>([
    [
      '/auth',
      requestLimit(storage, events, {
        name: 'sign-in-pages',
        points: limits.interactionsPerMinute,
        durationSeconds: 60,
        event: 'authorization.throttled',
        applies: pages,
        // oidc-provider answers a request that needs a page with a redirect to it.
        counts: (ctx) => interactionUid(ctx.response.get('Location')) !== undefined,
        async undo(ctx) {
          await storage.modelStore('Interaction').destroy(interactionUid(ctx.response.get('Location'))!);
        },
        refuse: pageRefusal('Too many sign-in pages were opened from your network.'),
      }),
    ],
    [
      '/session/end',
      requestLimit(storage, events, {
        name: 'sign-out-pages',
        points: limits.signOutPagesPerMinute,
        durationSeconds: 60,
        event: 'sign_out.throttled',
        applies: pages,
        counts: (ctx) => anonymousSessionStored(ctx) !== undefined,
        async undo(ctx) {
          await storage.modelStore('Session').destroy(anonymousSessionStored(ctx)!);
        },
        refuse: pageRefusal('Too many sign-out pages were opened from your network.'),
      }),
    ],
    [
      // Pushed authorization requests (RFC 9126): each stores the request for its minute; a public
      // client's id is all it takes to push one. Counted before the work, as registrations are: as
      // many a minute as sign-in pages (a push is a sign-in about to start), counted apart from them.
      '/request',
      requestLimit(storage, events, {
        name: 'pushed-requests',
        points: limits.interactionsPerMinute,
        durationSeconds: 60,
        event: 'authorization.throttled',
        applies: posts,
        counts: (ctx) => ctx.status === 201,
        refuse: jsonRefusal('pushed authorization requests'),
      }),
    ],
    [
      '/reg',
      requestLimit(storage, events, {
        name: 'registrations',
        points: limits.registrationsPerHour,
        durationSeconds: 60 * 60,
        event: 'registration.throttled',
        applies: posts,
        counts: () => true,
        refuse: jsonRefusal('registration requests'),
      }),
    ],
  ]);
  // One layer for all four, which finds its limit by path: every request the provider answers
  // passes here, almost none of them limited (issue 10).
  return [(ctx, next) => (byPath.get(providerPath(ctx.path)) ?? passOn)(ctx, next)];
}
