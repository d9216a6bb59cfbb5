/**
 * Ending a person's access: "Sign out everywhere", a changed or reset password, a disabled
 * account, and one app's "Revoke access". Everything that lets anyone act as the person goes:
 * every IdP session (so nothing signs in silently), every grant with its refresh tokens, codes and
 * opaque access tokens, offline_access included (RP-initiated logout keeps offline grants; here
 * the person asked for everything to end, or an admin did), and every app that took part is told
 * through OpenID Connect Back-Channel Logout 1.0. JWT access tokens can't be recalled: they end
 * with their short lifetime (ACCESS_TOKEN_TTL_SECONDS).
 *
 * The counts that come back are what the pages and the audit trail report, so the person reads
 * what really happened, including apps that could not be reached.
 */
import type { Provider } from 'oidc-provider';
import type { Logger } from '../logger.js';
import { revokeGrant as revokeGrantInStore } from '../oidc/revoke-grant.js';
import type { AdapterPayload, Storage } from '../storage/types.js';

/** oidc-provider's Client has this method; its typings leave it out. */
interface BackchannelClient {
  backchannelLogout(sub: string, sid: string): Promise<void>;
  backchannelLogoutUri?: string;
}

interface Authorization {
  sid?: string;
  grantId?: string;
}

export interface AccessEnded {
  /** IdP sessions (devices and browsers) that ended. */
  sessions: number;
  /** Apps whose grants were revoked. */
  apps: number;
  /** Of those, apps that held offline access (refresh tokens that outlive sessions). */
  offlineApps: number;
  /**
   * Apps being told through back-channel logout: each delivery is stored and retried until it
   * arrives (logout-delivery/), so whether it has arrived yet is on the account page, not here.
   */
  notified: number;
}

export const authorizationsOf = (session: AdapterPayload) => (session.authorizations ?? {}) as Record<string, Authorization>;

/** A grant with offline_access: its refresh tokens outlive every session. */
export const holdsOfflineAccess = (grant: AdapterPayload) => String((grant.openid as { scope?: string } | undefined)?.scope ?? '').split(' ').includes('offline_access');

export function createAccessEnder(deps: { provider: () => Provider; storage: Storage; logger: Logger }) {
  const { storage, logger } = deps;
  const sessions = storage.modelStore('Session');
  const grants = storage.modelStore('Grant');
  const interactions = storage.modelStore('Interaction');
  // Sign-ins whose password was right, waiting for a code (mfa/pending-sign-in.ts).
  const pendingSecondFactors = storage.modelStore('PendingSecondFactor');
  const dropSignInsOnTheirWay = async (accountId: string) => {
    await Promise.all((await interactions.findByAccountId(accountId)).map(({ id }) => interactions.destroy(id)));
    await Promise.all((await pendingSecondFactors.findByAccountId(accountId)).map(({ id }) => pendingSecondFactors.destroy(id)));
  };

  const revokeGrant = (grantId: string) => revokeGrantInStore(storage, grantId);

  /**
   * Back-channel logout of one app: stored as a delivery and sent until it arrives
   * (logout-delivery/), never waited for here. True when owed, undefined when it has no endpoint.
   */
  async function notify(accountId: string, clientId: string, sid: string | undefined): Promise<boolean | undefined> {
    const client = (await deps.provider().Client.find(clientId)) as (BackchannelClient & object) | undefined;
    if (!client?.backchannelLogoutUri) return undefined;
    try {
      await client.backchannelLogout(accountId, sid ?? '');
      return true;
    } catch (error) {
      // Storing the delivery failed (the store is down): the access is ended all the same.
      logger.warn('account.backchannel_not_queued', { client_id: clientId, error });
      return false;
    }
  }

  /** Tells each (app, IdP session) once; a logout token without sid ends every session of the person at that app. */
  async function notifyAll(accountId: string, targets: { clientId: string; sid?: string }[]): Promise<Pick<AccessEnded, 'notified'>> {
    const outcomes = await Promise.all(targets.map(({ clientId, sid }) => notify(accountId, clientId, sid).then((told) => ({ clientId, told }))));
    return { notified: new Set(outcomes.filter((o) => o.told === true).map((o) => o.clientId)).size };
  }

  return {
    async endAll(accountId: string): Promise<AccessEnded> {
      // First: from now on nothing that authenticated earlier counts (claims.ts findAccount), even
      // if a request in flight saves a session or grant again after the deletes below.
      await storage.accounts.update(accountId, { accessEndedAt: new Date() });
      // Sign-ins on their way (password accepted, not yet resumed) must not become new sessions.
      await dropSignInsOnTheirWay(accountId);
      const own = await sessions.findByAccountId(accountId);
      const allGrants = await grants.findByAccountId(accountId);
      const targets: { clientId: string; sid?: string }[] = [];
      for (const { payload } of own) {
        for (const [clientId, authorization] of Object.entries(authorizationsOf(payload))) targets.push({ clientId, sid: authorization.sid });
      }
      const inSessions = new Set(targets.map((t) => t.clientId));
      for (const clientId of new Set(allGrants.map(({ payload }) => String(payload.clientId)))) {
        if (!inSessions.has(clientId)) targets.push({ clientId });
      }
      // Sessions first: from here on nothing signs in silently, whatever the apps answer.
      await Promise.all(own.map(({ id }) => sessions.destroy(id)));
      await Promise.all(allGrants.map(({ id }) => revokeGrant(id)));
      const offline = new Set(allGrants.filter(({ payload }) => holdsOfflineAccess(payload)).map(({ payload }) => String(payload.clientId)));
      const apps = new Set(allGrants.map(({ payload }) => String(payload.clientId)));
      return { sessions: own.length, apps: apps.size, offlineApps: offline.size, ...(await notifyAll(accountId, targets)) };
    },

    /**
     * Every session of the account but `keepSessionId` ends, with the grants (and so the tokens)
     * the current session does not use, and sign-ins still on their way: a changed second factor
     * throws out whoever else is signed in, without signing out the person making the change.
     * accessEndedAt stays as it is (it would end the current session too).
     */
    async endOthers(accountId: string, keepSessionId: string): Promise<AccessEnded> {
      const all = await sessions.findByAccountId(accountId);
      const kept = all.find(({ id }) => id === keepSessionId);
      // First, as endAll does with accessEndedAt: from now on no other session that signed in
      // earlier counts (claims.ts), even one a request in flight saves again after the deletes.
      // '' when the current session is gone too: no uid is empty, so none is kept.
      const keptSessionUid = typeof kept?.payload.uid === 'string' ? kept.payload.uid : '';
      await storage.accounts.update(accountId, { otherSessionsEndedAt: new Date(), keptSessionUid });
      await dropSignInsOnTheirWay(accountId);
      const keptGrants = new Set(Object.values(kept ? authorizationsOf(kept.payload) : {}).map((a) => a.grantId));
      const others = all.filter(({ id }) => id !== keepSessionId);
      const ended = (await grants.findByAccountId(accountId)).filter(({ id }) => !keptGrants.has(id));
      const targets: { clientId: string; sid?: string }[] = [];
      for (const { payload } of others) {
        for (const [clientId, authorization] of Object.entries(authorizationsOf(payload))) targets.push({ clientId, sid: authorization.sid });
      }
      await Promise.all(others.map(({ id }) => sessions.destroy(id)));
      await Promise.all(ended.map(({ id }) => revokeGrant(id)));
      const offline = new Set(ended.filter(({ payload }) => holdsOfflineAccess(payload)).map(({ payload }) => String(payload.clientId)));
      const apps = new Set(ended.map(({ payload }) => String(payload.clientId)));
      return { sessions: others.length, apps: apps.size, offlineApps: offline.size, ...(await notifyAll(accountId, targets)) };
    },

    /** One app loses access: its grants and tokens now, its sessions through back-channel logout. */
    async revokeApp(accountId: string, clientId: string): Promise<AccessEnded> {
      const appGrants = (await grants.findByAccountId(accountId)).filter(({ payload }) => payload.clientId === clientId);
      await Promise.all(appGrants.map(({ id }) => revokeGrant(id)));
      const targets: { clientId: string; sid?: string }[] = [];
      let touched = 0;
      for (const { id, payload } of await sessions.findByAccountId(accountId)) {
        const authorization = authorizationsOf(payload)[clientId];
        if (!authorization) continue;
        targets.push({ clientId, sid: authorization.sid });
        touched += 1;
        const { [clientId]: _removed, ...rest } = authorizationsOf(payload);
        const expiresInSeconds = typeof payload.exp === 'number' ? Math.max(1, payload.exp - Math.floor(Date.now() / 1000)) : undefined;
        await sessions.upsert(id, { ...payload, authorizations: rest }, expiresInSeconds);
      }
      if (targets.length === 0 && appGrants.length > 0) targets.push({ clientId });
      const offline = appGrants.some(({ payload }) => holdsOfflineAccess(payload));
      return { sessions: touched, apps: appGrants.length > 0 ? 1 : 0, offlineApps: offline ? 1 : 0, ...(await notifyAll(accountId, targets)) };
    },
  };
}

export type AccessEnder = ReturnType<typeof createAccessEnder>;
