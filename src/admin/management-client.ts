/**
 * The admin CLI's way to a running IdP: finds its token endpoint through discovery (OpenID
 * Connect Discovery 1.0), gets one Management API token with client_credentials for exactly the
 * scopes the command needs (RFC 8707 `resource` = <issuer>/api/v1), keeps it for the run, and
 * turns every refusal into an AppError whose message names the fix: wrong credentials, a scope
 * to grant, an IdP that can't be reached (with the URL tried), or the API's own problem `detail`
 * (RFC 9457).
 */
import { AppError } from '../errors.js';
import type { FetchFunction } from '../http/loopback-resolver.js';
import { managementApiIdentifier, MANAGEMENT_API_PREFIX } from '../management/management-api.js';

export interface ManagementCredentials {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Query = Record<string, string | undefined>;

export interface ManagementClient {
  readonly issuer: string;
  call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options?: { query?: Query; body?: unknown }): Promise<T>;
  /** Follows next_cursor until `limit` items (or the last page). */
  list<T>(path: string, options?: { query?: Query; limit?: number }): Promise<T[]>;
}

/** The largest page the API serves (management/paging.ts): the fewest round trips. */
const PAGE_SIZE = 100;
/** A list stops here (100,000 items) even if the server keeps handing out cursors. */
const MAX_PAGES = 1000;

const refused = (message: string) => new AppError('invalid_config', message, { expose: true });

/** How to hand an admin client a Management API scope, from either side. */
export function grantHint(clientId: string, resource: string, scopes: readonly string[]): string {
  return (
    `grant it with "npm run admin -- clients grant-api ${clientId} --resource ${resource} --scope '<its scopes> ${scopes.join(' ')}'" ` +
    '(run by an admin holding admin:clients:write and those scopes, or with --direct on the store)'
  );
}

/**
 * `scopes`: what the command needs. `widen`: scopes to add when the client holds them (the API
 * lets a caller change a client only while holding every admin scope that client holds), asked
 * for together and, where /token names some as not granted (invalid_scope's `scope`), dropped.
 */
export function createManagementClient(credentials: ManagementCredentials, options: { scopes: readonly string[]; widen?: readonly string[]; fetch: FetchFunction }): ManagementClient {
  const issuer = credentials.issuer.replace(/\/$/, '');
  const resource = managementApiIdentifier(issuer);
  let scope = options.scopes.join(' ');
  let token: Promise<string> | undefined;

  async function send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await options.fetch(url, { ...init, redirect: 'manual' });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw refused(`Could not reach the IdP at ${url} (${reason}): is it running, and is SSO_ADMIN_ISSUER (or --issuer) its issuer URL?`);
    }
  }

  async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
    const text = await response.text();
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }

  async function tokenEndpoint(): Promise<string> {
    const url = `${issuer}/.well-known/openid-configuration`;
    const response = await send(url, { headers: { accept: 'application/json' } });
    const document = response.ok ? await readJson(response) : undefined;
    if (typeof document?.token_endpoint !== 'string') throw refused(`No OpenID Provider configuration at ${url} (HTTP ${response.status}): is SSO_ADMIN_ISSUER (or --issuer) the IdP's issuer URL?`);
    // The secret goes where the issuer is and nowhere else: oidc-provider builds token_endpoint
    // from the request, so a proxy that hides https (or a poisoned cache) could make it http://.
    const endpoint = URL.parse(document.token_endpoint);
    if (!endpoint || endpoint.origin !== new URL(issuer).origin) {
      throw refused(`The IdP at ${issuer} names its token endpoint ${document.token_endpoint}, not on the issuer's own origin: the client secret is not sent there. Check the proxy in front of the IdP (X-Forwarded-Proto, TRUST_PROXY).`);
    }
    return endpoint.href;
  }

  async function fetchToken(): Promise<string> {
    const endpoint = await tokenEndpoint();
    const wider = [...new Set([...options.scopes, ...(options.widen ?? [])])];
    if (wider.length > options.scopes.length) {
      const answer = await requestToken(endpoint, wider.join(' '));
      if (typeof answer.body?.access_token === 'string') return answer.body.access_token;
      const refused = typeof answer.body?.scope === 'string' ? new Set(answer.body.scope.split(' ')) : undefined;
      if (answer.body?.error === 'invalid_scope' && refused) scope = wider.filter((one) => !refused.has(one) || options.scopes.includes(one)).join(' ');
    }
    const answer = await requestToken(endpoint, scope);
    return tokenOrRefusal(answer.response, answer.body);
  }

  async function requestToken(endpoint: string, asked: string) {
    const basic = Buffer.from(`${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`).toString('base64');
    const response = await send(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}`, accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: asked }).toString(),
    });
    return { response, body: await readJson(response) };
  }

  function tokenOrRefusal(response: Response, answer: Record<string, unknown> | undefined): string {
    if (response.ok && typeof answer?.access_token === 'string') return answer.access_token;
    const error = typeof answer?.error === 'string' ? answer.error : `HTTP ${response.status}`;
    const description = typeof answer?.error_description === 'string' ? `: ${answer.error_description}` : '';
    if (error === 'invalid_client') throw refused(`The IdP refused the admin client's credentials (invalid_client): the client id "${credentials.clientId}" or its secret is wrong (SSO_ADMIN_CLIENT_ID / --client-id, SSO_ADMIN_CLIENT_SECRET).`);
    if (error === 'invalid_scope') throw refused(`The admin client "${credentials.clientId}" may not get ${scope} at ${resource} (invalid_scope${description}); ${grantHint(credentials.clientId, resource, options.scopes)}.`);
    throw refused(`The IdP gave no Management API token to "${credentials.clientId}" (${error}${description}).`);
  }

  async function call<T>(method: string, path: string, request: { query?: Query; body?: unknown } = {}): Promise<T> {
    token ??= fetchToken();
    // A failed token request fails every later call of this run the same way: no second try.
    const bearer = await token;
    const query = new URLSearchParams(Object.entries(request.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const search = query.toString();
    const url = `${issuer}${MANAGEMENT_API_PREFIX}${path}${search ? `?${search}` : ''}`;
    const response = await send(url, {
      method,
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
    });
    const answer = await readJson(response);
    if (response.ok) return answer as T;
    throw problemError(response.status, answer, url);
  }

  function problemError(status: number, problem: Record<string, unknown> | undefined, url: string): AppError {
    const code = typeof problem?.code === 'string' ? problem.code : undefined;
    const detail = typeof problem?.detail === 'string' ? problem.detail : `HTTP ${status} from ${url}`;
    if (code === 'insufficient_scope') {
      const missing = typeof problem?.scope === 'string' ? problem.scope.split(' ') : [...options.scopes];
      return refused(`The admin client "${credentials.clientId}" lacks ${missing.join(' ')} (${detail}); ${grantHint(credentials.clientId, resource, missing)}.`);
    }
    if (code === 'invalid_token') return refused(`The IdP refused the Management API token (${detail}); run the command again.`);
    if (status === 404 && code === undefined) return refused(`${url} answered 404: does this IdP serve the Management API (${MANAGEMENT_API_PREFIX})?`);
    return new AppError(status === 404 ? 'not_found' : 'invalid_input', detail, { status, expose: true });
  }

  return {
    issuer,
    call,
    async list<T>(path: string, request: { query?: Query; limit?: number } = {}): Promise<T[]> {
      const limit = request.limit ?? Number.POSITIVE_INFINITY;
      const items: T[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await call<Page<T>>('GET', path, { query: { ...request.query, limit: String(Math.min(PAGE_SIZE, limit - items.length)), cursor } });
        items.push(...page.items);
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined && items.length < limit && (pages += 1) < MAX_PAGES);
      return items.slice(0, limit);
    },
  };
}
