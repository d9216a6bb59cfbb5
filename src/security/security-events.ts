/**
 * Security events: one structured log line each (for the operator's log pipeline) and one entry
 * in the store's audit trail (for an admin: `npm run admin -- audit list`). They carry the source
 * address and a pseudonym of the email (a keyed hash), never the email, a password or a token.
 * Recording never fails the request it describes: a store that can't take the entry is logged.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditEvent, AuditRepository } from '../storage/types.js';
import { isRefusalOrFailure } from './event-kinds.js';
import { sourceKey } from '../throttling/source-address.js';

export type SecurityEventType =
  | 'sign_in.succeeded'
  /** The password was right and a second factor is owed: `sign_in.second_factor_succeeded` follows when it is given. */
  | 'sign_in.password_accepted'
  | 'sign_in.failed'
  | 'sign_in.throttled'
  | 'sign_in.overloaded'
  /** The second step of a sign-in after the password (detail.factor: passkey | totp | recovery). */
  | 'sign_in.second_factor_succeeded'
  | 'sign_in.second_factor_failed'
  | 'sign_in.second_factor_throttled'
  /** A sign-in with a passkey and no password; `passkey_failed` also for the second step (detail.step). */
  | 'sign_in.passkey_succeeded'
  | 'sign_in.passkey_failed'
  | 'authorization.throttled'
  /** Too many sign-out pages stored a session for nobody from one address (/session/end). */
  | 'sign_out.throttled'
  | 'request.cross_site_refused'
  | 'account.signed_out_everywhere'
  | 'account.app_revoked'
  | 'account.password_changed'
  | 'account.disabled'
  | 'account.enabled'
  | 'account.access_ended'
  | 'account.deleted'
  /** The person turned their authenticator app on or off, or made new recovery codes (detail.change). */
  | 'account.factors_changed'
  /** An admin removed every second factor of an account. */
  | 'account.factors_reset'
  | 'registration.created'
  | 'registration.updated'
  | 'registration.deleted'
  | 'registration.refused'
  | 'registration.throttled'
  | 'admin.change'
  /** An authenticated Management API caller was refused for lack of a scope. */
  | 'admin.refused'
  /** A back-channel logout reached its site, was refused by it (4xx), or was given up on. */
  | 'backchannel.delivered'
  | 'backchannel.refused'
  | 'backchannel.given_up';

export type SecurityEventInput = Omit<AuditEvent, 'id' | 'at' | 'type'> & { type: SecurityEventType };

export interface SecurityEvents {
  record(event: SecurityEventInput): Promise<void>;
}

/** Refusals and failures are warnings an operator may alert on; the rest is information. */
const WARNINGS = { test: isRefusalOrFailure };

/**
 * Refusals are what a stranger can cause at will (10,000 cross-site posts took 1.6 s), so per
 * kind and source address only this many a minute are kept; the rest are counted in one
 * `security.events_suppressed` line per minute, and can't push real events out of the trail.
 */
export const REFUSALS_KEPT_PER_SOURCE_PER_MINUTE = 30;
/**
 * And per kind from all sources together, so a flood from many addresses (each within its own
 * allowance) can't write without bound either: ~860,000 a day of one kind at most, per process.
 * Not for refusals that name an account (a wrong password or code for a real person): those are
 * what an operator must see, and the sign-in limits per account already bound how many there are,
 * so a flood of other refusals can't hide them.
 */
export const REFUSALS_KEPT_PER_MINUTE = 600;

export function createSecurityEvents(deps: { logger: Logger; audit: AuditRepository; retentionSeconds: number }): SecurityEvents {
  // Per process: a cap on what one process writes, without a store round trip per refusal.
  const refusals = new RateLimiterMemory({ keyPrefix: 'refusals', points: REFUSALS_KEPT_PER_SOURCE_PER_MINUTE, duration: 60 });
  const allRefusals = new RateLimiterMemory({ keyPrefix: 'all-refusals', points: REFUSALS_KEPT_PER_MINUTE, duration: 60 });

  /** Takes one from `limiter`'s allowance for `key`: false once it is spent (logged when that starts). */
  async function within(limiter: RateLimiterMemory, key: string, points: number, suppressed: Record<string, unknown>): Promise<boolean> {
    try {
      await limiter.consume(key);
      return true;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      if (refusal.consumedPoints === points + 1) deps.logger.warn('security.events_suppressed', { ...suppressed, for_seconds: Math.ceil(refusal.msBeforeNext / 1000) });
      return false;
    }
  }

  /** false when this refusal is beyond its source's allowance, or its kind's. */
  async function keep(input: SecurityEventInput): Promise<boolean> {
    if (!WARNINGS.test(input.type) || !input.source) return true;
    if (!(await within(refusals, `${input.type}|${sourceKey(input.source)}`, REFUSALS_KEPT_PER_SOURCE_PER_MINUTE, { type: input.type, source: input.source }))) return false;
    if (input.accountId) return true;
    return within(allRefusals, input.type, REFUSALS_KEPT_PER_MINUTE, { type: input.type, source: 'every source' });
  }

  return {
    async record(input) {
      if (!(await keep(input))) return;
      const event: AuditEvent = { id: randomUUID(), at: new Date(), ...input };
      const { type, source, subject, accountId, clientId, detail } = event;
      const line = { source, email_hash: subject, account_id: accountId, client_id: clientId, ...detail };
      if (WARNINGS.test(type)) deps.logger.warn(`security.${type}`, line);
      else deps.logger.info(`security.${type}`, line);
      await deps.audit.append(event, deps.retentionSeconds).catch((error: unknown) => {
        deps.logger.error('security.audit_write_failed', { type, error });
      });
    },
  };
}
