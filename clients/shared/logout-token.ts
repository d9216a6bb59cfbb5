/**
 * Verifies a logout token (OpenID Connect Back-Channel Logout 1.0 section 2.6): signature against
 * the IdP's JWKS, iss, aud = this client, iat and exp, the back-channel logout event, a `sid` or
 * `sub`, no `nonce` (so an ID token can't pass as a logout token), and no replayed `jti`.
 */
import Router from '@koa/router';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { Context } from 'koa';
import { isAppError } from '../../src/errors.js';
import { formBody } from '../../src/http/form-body.js';
import type { IdpKeys } from './idp-keys.js';
import type { ReplayCache } from './state/replay-cache.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

export interface LogoutRequest {
  sid?: string;
  sub?: string;
  /** epoch seconds */
  iat: number;
  /** Takes the token's jti back from the replay cache, when its logout could not be carried out. */
  release?: () => Promise<void>;
}

export class InvalidLogoutToken extends Error {
  override readonly name = 'InvalidLogoutToken';
}

/**
 * The IdP's keys could not be had to check the token (its JWKS unreachable, answering an error, or,
 * fetched too recently to fetch again, not showing the token's key): nothing is known about the
 * token, so the answer is 503 and the IdP tries again later. A 400 would tell it the logout was
 * refused for good, and the session at this site would outlive the person's sign-out.
 */
export class LogoutKeysUnavailable extends Error {
  override readonly name = 'LogoutKeysUnavailable';
}

/** jose's errors for a key set it could not fetch or read. */
const KEY_SET_ERRORS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * `fetchedForThisCheck`: the key set was not fetched within jose's cooldown before the check, so a
 * token naming a key jose did not find made it fetch the IdP's keys as they are now. Not there
 * either, the key is none of the IdP's and the token is refused (400); only a key missing from a
 * set too recent to fetch again may be one the IdP rotated to since (503, asked again later). A
 * forged `kid` got 503 "the keys could not be fetched" every time (found by an attacking review).
 */
function keysUnavailable(error: unknown, fetchedForThisCheck: boolean): boolean {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_JWKS_NO_MATCHING_KEY') return !fetchedForThisCheck;
  // A fetch that failed outright (connection refused, DNS) is no JOSE error at all.
  return typeof code === 'string' ? KEY_SET_ERRORS.has(code) : !(error instanceof Error && error.name.startsWith('JW'));
}

/** `replays`: the site's replay cache; shared by its processes when the site's state is. */
export function createLogoutTokenVerifier(options: { clientId: string; keys: () => Promise<IdpKeys>; replays: ReplayCache; clockToleranceSeconds?: number }) {
  return async function verifyLogoutToken(token: string): Promise<LogoutRequest> {
    let keys: IdpKeys;
    try {
      keys = await options.keys();
    } catch (error) {
      // The IdP's discovery document could not be had (the IdP down or starting).
      throw new LogoutKeysUnavailable((error as Error).message);
    }
    const { issuer, jwks } = keys;
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new InvalidLogoutToken('not a JWT');
    }
    const typ = header.typ;
    if (typ !== undefined && (typeof typ !== 'string' || !['logout+jwt', 'application/logout+jwt'].includes(typ.toLowerCase()))) {
      throw new InvalidLogoutToken('unexpected typ header');
    }
    let payload;
    const fetchedForThisCheck = !jwks.coolingDown;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: options.clientId,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['iat', 'exp', 'jti', 'events'],
        clockTolerance: options.clockToleranceSeconds ?? 5,
      }));
    } catch (error) {
      if (keysUnavailable(error, fetchedForThisCheck)) throw new LogoutKeysUnavailable((error as Error).message);
      throw new InvalidLogoutToken((error as Error).message);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
    if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new InvalidLogoutToken('events claim lacks the back-channel logout event');
    if ('nonce' in payload) throw new InvalidLogoutToken('a logout token must not contain a nonce');
    const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
    const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
    if (!sid && !sub) throw new InvalidLogoutToken('a logout token names a sid or a sub');
    // Kept until the token can no longer pass the exp check above; after that it is refused anyway.
    const forgetAt = new Date((payload.exp! + (options.clockToleranceSeconds ?? 5)) * 1000);
    const jti = String(payload.jti);
    if (!(await options.replays.remember(jti, forgetAt))) {
      throw new InvalidLogoutToken('this logout token was already used');
    }
    return { sid, sub, iat: payload.iat!, release: () => options.replays.forget(jti) };
  };
}

/**
 * POST /backchannel-logout as a router of its own, for the site to mount before its CSRF check
 * (sameOriginPosts): the request comes server to server and is authenticated by the signed logout
 * token, not by cookies, so an Origin header on it changes nothing and its answers stay section
 * 2.8's JSON (an `Origin: null` got the site's HTML 403 page; found by test/integration/fuzz.test.ts).
 */
export function backchannelLogoutRouter(verify: (token: string) => Promise<LogoutRequest>, logOut: (request: LogoutRequest) => Promise<unknown>): Router {
  return new Router().post('/backchannel-logout', backchannelLogoutRoute(verify, logOut));
}

/** The largest logout token body we read; a real one is a few KB. */
const BODY_LIMIT = '64kb';

/**
 * The back-channel logout endpoint's answers (section 2.8): 200, or 400 with an error. It reads its
 * own form body, so a body it can't read (too large, or claiming a gzip it isn't: a 503 from the
 * site's error page before, found by test/integration/fuzz.test.ts) is the same JSON 400.
 */
export function backchannelLogoutRoute(verify: (token: string) => Promise<LogoutRequest>, logOut: (request: LogoutRequest) => Promise<unknown>) {
  const readForm = formBody({ limit: BODY_LIMIT });
  return async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await readForm(ctx, async () => {});
    } catch (error) {
      if (!isAppError(error)) throw error;
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'the request body could not be read' };
      return;
    }
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const token = typeof body?.logout_token === 'string' ? body.logout_token : undefined;
    try {
      if (!token) throw new InvalidLogoutToken('logout_token is missing');
      const request = await verify(token);
      try {
        await logOut(request);
      } catch (error) {
        // Not carried out (the site's store failing): the same token, sent again, must count.
        await request.release?.().catch(() => undefined);
        throw error;
      }
      ctx.status = 200;
      ctx.body = '';
    } catch (error) {
      if (error instanceof LogoutKeysUnavailable) {
        ctx.status = 503;
        ctx.set('Retry-After', '30');
        ctx.body = { error: 'temporarily_unavailable', error_description: 'the identity provider\'s keys could not be fetched, or do not show the logout token\'s key yet' };
        return;
      }
      if (!(error instanceof InvalidLogoutToken)) throw error;
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: error.message };
    }
  };
}
