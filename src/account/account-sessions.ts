/**
 * What the account page shows: a person's IdP sessions, the apps holding grants, and whether the
 * apps have heard of the person's recent sign-outs. What it does ("Sign out everywhere", "Revoke
 * access") is end-access.ts.
 */
import type { Provider } from 'oidc-provider';
import type { Deliveries } from '../logout-delivery/deliveries.js';
import type { Storage } from '../storage/types.js';
import { authorizationsOf, holdsOfflineAccess } from './end-access.js';
import { signOutsPerApp, type AppSignOut } from './sign-out-status.js';

export const ACCOUNT_CONSOLE_CLIENT_ID = 'account-console';

export interface AppGrant {
  clientId: string;
  name: string;
  scopes: string[];
  apis: string[];
  offline: boolean;
}

export interface AccountOverview {
  /** `id` is the session's id, which is also its cookie's value: never show it to anyone else. */
  sessions: { id: string; current: boolean; signedInAt?: Date; clientIds: string[]; apps: string[] }[];
  apps: AppGrant[];
}

export function createAccountSessions(deps: { provider: () => Provider; storage: Storage; deliveries: Pick<Deliveries, 'ofAccount'> }) {
  const { storage } = deps;
  const sessions = storage.modelStore('Session');
  const grants = storage.modelStore('Grant');

  async function clientName(clientId: string): Promise<string> {
    const client = await deps.provider().Client.find(clientId);
    return client?.clientName ?? clientId;
  }

  return {
    async overview(accountId: string, currentSessionId: string | undefined): Promise<AccountOverview> {
      const own = await sessions.findByAccountId(accountId);
      const listed = await Promise.all(
        own.map(async ({ id, payload }) => {
          const clientIds = Object.keys(authorizationsOf(payload)).filter((c) => c !== ACCOUNT_CONSOLE_CLIENT_ID);
          return {
            id,
            current: id === currentSessionId,
            signedInAt: typeof payload.loginTs === 'number' ? new Date(payload.loginTs * 1000) : undefined,
            clientIds,
            apps: await Promise.all(clientIds.map(clientName)),
          };
        }),
      );
      const byClient = new Map<string, AppGrant>();
      for (const { payload } of await grants.findByAccountId(accountId)) {
        const clientId = String(payload.clientId);
        if (clientId === ACCOUNT_CONSOLE_CLIENT_ID) continue;
        const app = byClient.get(clientId) ?? { clientId, name: await clientName(clientId), scopes: [], apis: [], offline: false };
        const scope = String((payload.openid as { scope?: string } | undefined)?.scope ?? '');
        app.scopes = [...new Set([...app.scopes, ...scope.split(' ').filter(Boolean)])];
        app.apis = [...new Set([...app.apis, ...Object.keys((payload.resources ?? {}) as object)])];
        app.offline = app.offline || holdsOfflineAccess(payload);
        byClient.set(clientId, app);
      }
      return { sessions: listed.sort((a, b) => Number(b.current) - Number(a.current)), apps: [...byClient.values()] };
    },

    /** Per app, the latest sign-out's back-channel logout of the last day: heard, being retried, or not told. */
    async signOuts(accountId: string): Promise<(AppSignOut & { name: string })[]> {
      const perApp = signOutsPerApp(await deps.deliveries.ofAccount(accountId));
      return Promise.all(perApp.map(async (signOut) => ({ ...signOut, name: await clientName(signOut.clientId) })));
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
