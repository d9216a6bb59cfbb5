/**
 * What the account page shows and does: a person's IdP sessions and the apps holding grants,
 * "Sign out everywhere" and per-app "Revoke access". Both reuse oidc-provider's own pieces
 * (Client#backchannelLogout, the models' revokeByGrantId) so apps hear about it exactly as they
 * do when someone signs out through RP-initiated logout.
 */
import type { Provider } from 'oidc-provider';
import type { Logger } from '../logger.js';
import type { AdapterPayload, Storage } from '../storage/types.js';

export const ACCOUNT_CONSOLE_CLIENT_ID = 'account-console';

/** Every model whose records belong to a grant (oidc-provider's revoke helper lists the same). */
const GRANT_BOUND_MODELS = ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode'];

/** oidc-provider's Client has this method; its typings leave it out. */
interface BackchannelClient {
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

interface Authorization {
  sid?: string;
  grantId?: string;
  persistsLogout?: boolean;
}

export interface AppGrant {
  clientId: string;
  name: string;
  scopes: string[];
  apis: string[];
  offline: boolean;
}

export interface AccountOverview {
  sessions: { id: string; current: boolean; signedInAt?: Date; apps: string[] }[];
  apps: AppGrant[];
}

const authorizationsOf = (session: AdapterPayload) => (session.authorizations ?? {}) as Record<string, Authorization>;

export function createAccountSessions(deps: { provider: () => Provider; storage: Storage; logger: Logger }) {
  const { storage, logger } = deps;
  const sessions = storage.modelStore('Session');
  const grants = storage.modelStore('Grant');

  async function clientName(clientId: string): Promise<string> {
    const client = await deps.provider().Client.find(clientId);
    return client?.clientName ?? clientId;
  }

  async function revokeGrant(grantId: string): Promise<void> {
    await Promise.all(GRANT_BOUND_MODELS.map((model) => storage.modelStore(model).revokeByGrantId(grantId)));
    await grants.destroy(grantId);
  }

  /** Back-channel logout of one app for one IdP session; a site that can't be reached is logged. */
  async function notify(accountId: string, clientId: string, sid: string | undefined): Promise<void> {
    const client = (await deps.provider().Client.find(clientId)) as (BackchannelClient & { backchannelLogoutUri?: string }) | undefined;
    if (!client?.backchannelLogoutUri) return;
    await client.backchannelLogout(accountId, sid ?? '').catch((error: unknown) => {
      logger.warn('account.backchannel_failed', { client_id: clientId, error });
    });
  }

  return {
    async overview(accountId: string, currentSessionId: string | undefined): Promise<AccountOverview> {
      const own = await sessions.findByAccountId(accountId);
      const listed = await Promise.all(
        own.map(async ({ id, payload }) => ({
          id,
          current: id === currentSessionId,
          signedInAt: typeof payload.loginTs === 'number' ? new Date(payload.loginTs * 1000) : undefined,
          apps: await Promise.all(Object.keys(authorizationsOf(payload)).filter((c) => c !== ACCOUNT_CONSOLE_CLIENT_ID).map(clientName)),
        })),
      );
      const byClient = new Map<string, AppGrant>();
      for (const { payload } of await grants.findByAccountId(accountId)) {
        const clientId = String(payload.clientId);
        if (clientId === ACCOUNT_CONSOLE_CLIENT_ID) continue;
        const app = byClient.get(clientId) ?? { clientId, name: await clientName(clientId), scopes: [], apis: [], offline: false };
        const scope = String((payload.openid as { scope?: string } | undefined)?.scope ?? '');
        app.scopes = [...new Set([...app.scopes, ...scope.split(' ').filter(Boolean)])];
        app.apis = [...new Set([...app.apis, ...Object.keys((payload.resources ?? {}) as object)])];
        app.offline = app.offline || app.scopes.includes('offline_access');
        byClient.set(clientId, app);
      }
      return { sessions: listed.sort((a, b) => Number(b.current) - Number(a.current)), apps: [...byClient.values()] };
    },

    /** Ends every IdP session of the account: each app is told, session-bound grants go. */
    async signOutEverywhere(accountId: string): Promise<number> {
      const own = await sessions.findByAccountId(accountId);
      for (const { id, payload } of own) {
        for (const [clientId, authorization] of Object.entries(authorizationsOf(payload))) {
          await notify(accountId, clientId, authorization.sid);
          // As RP-initiated logout does: offline_access grants outlive the session.
          if (authorization.grantId && !authorization.persistsLogout) await revokeGrant(authorization.grantId);
        }
        await sessions.destroy(id);
      }
      return own.length;
    },

    /** Takes an app's access away: its grants, refresh tokens and codes now, its sessions via back-channel logout. */
    async revokeApp(accountId: string, clientId: string): Promise<void> {
      for (const { id } of (await grants.findByAccountId(accountId)).filter(({ payload }) => payload.clientId === clientId)) {
        await revokeGrant(id);
      }
      for (const { id, payload } of await sessions.findByAccountId(accountId)) {
        const authorization = authorizationsOf(payload)[clientId];
        if (!authorization) continue;
        await notify(accountId, clientId, authorization.sid);
        const { [clientId]: _removed, ...rest } = authorizationsOf(payload);
        const expiresInSeconds = typeof payload.exp === 'number' ? Math.max(1, payload.exp - Math.floor(Date.now() / 1000)) : undefined;
        await sessions.upsert(id, { ...payload, authorizations: rest }, expiresInSeconds);
      }
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
