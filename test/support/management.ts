/**
 * Management API callers for tests: admin clients registered as an admin registers them (the
 * client-apps code, then an API grant), tokens got from /token with client_credentials as any
 * program would, and calls that hand back status, headers and the parsed JSON.
 */
import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { addClientApp } from '../../src/client-apps/client-apps.js';
import type { Idp } from '../../src/idp.js';
import { managementApiIdentifier, MANAGEMENT_SCOPES, type ManagementScope } from '../../src/management/management-api.js';
import { createSchemaValidator } from '../../src/management/schema-validator.js';
import { fetchLoopback } from './oidc-flow.js';

const schemaValidator = createSchemaValidator();

type TestIdp = Idp & { issuer: string };

export interface AdminClient {
  id: string;
  secret: string;
}

export const ALL_SCOPES: readonly ManagementScope[] = MANAGEMENT_SCOPES;

/** A client_credentials client granted `scopes` at the Management API. */
export async function createAdminClient(idp: TestIdp, scopes: readonly ManagementScope[] = ALL_SCOPES, name = 'Test admin'): Promise<AdminClient> {
  const { metadata } = await addClientApp(idp, { name, grants: ['client_credentials'] });
  await idp.apiAccess.setGrant(metadata.client_id, { resource: managementApiIdentifier(idp.issuer), scopes: [...scopes] });
  return { id: metadata.client_id, secret: metadata.client_secret! };
}

export async function requestToken(idp: TestIdp, client: AdminClient, scopes: readonly string[], resource = managementApiIdentifier(idp.issuer)) {
  const response = await fetchLoopback(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: scopes.join(' ') }).toString(),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export async function managementToken(idp: TestIdp, client: AdminClient, scopes: readonly string[] = ALL_SCOPES): Promise<string> {
  const reply = await requestToken(idp, client, scopes);
  if (reply.status !== 200) throw new Error(`no token: ${JSON.stringify(reply.json)}`);
  return reply.json.access_token as string;
}

export interface ApiReply {
  status: number;
  headers: Headers;
  json: any;
}

/** `token` undefined: no Authorization header; `headers` added (or overriding). */
export async function callApi(idp: TestIdp, token: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const response = await fetchLoopback(`${idp.issuer}/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

const documents = new Map<string, Promise<any>>();

/** The API's own OpenAPI document, as a holder of any Management API token reads it. */
export function openApiDocumentOf(idp: TestIdp, token: string): Promise<any> {
  let document = documents.get(idp.issuer);
  if (!document) {
    document = callApi(idp, token, 'GET', '/openapi.json').then((reply) => reply.json);
    documents.set(idp.issuer, document);
  }
  return document;
}

/**
 * Fails unless `reply` is what the document promises for `operationId`: a status it lists, and a
 * body valid against that answer's schema (the operation's own, or the problem document), checked
 * with Ajv's JSON Schema 2020-12 (OpenAPI 3.1's dialect).
 */
export async function expectDocumented(idp: TestIdp, token: string, operationId: string, reply: ApiReply): Promise<void> {
  const document = await openApiDocumentOf(idp, token);
  const operation = Object.values(document.paths as Record<string, Record<string, any>>)
    .flatMap((methods) => Object.values(methods))
    .find((candidate) => candidate.operationId === operationId);
  if (!operation) throw new Error(`the OpenAPI document has no operation ${operationId}`);
  const answer = operation.responses[String(reply.status)];
  if (!answer) throw new Error(`${operationId} answered ${reply.status}, which its OpenAPI entry does not list (${Object.keys(operation.responses).join(', ')})`);
  const [contentType, media] = Object.entries((answer.content ?? {}) as Record<string, { schema: unknown }>)[0] ?? [];
  if (!media) {
    if (reply.json !== undefined) throw new Error(`${operationId} ${reply.status} has a body, but its OpenAPI entry none`);
    return;
  }
  if (!reply.headers.get('content-type')?.startsWith(contentType!)) throw new Error(`${operationId} ${reply.status}: content-type ${reply.headers.get('content-type')}, documented ${contentType}`);
  const ref = (media.schema as { $ref?: string }).$ref;
  const schema = ref ? document.components.schemas[ref.replace('#/components/schemas/', '')] : media.schema;
  const validate = schemaValidator.compile(schema);
  if (!validate(reply.json)) throw new Error(`${operationId} ${reply.status} does not match its OpenAPI schema: ${schemaValidator.errorsText(validate.errors)}\n${JSON.stringify(reply.json).slice(0, 500)}`);
}

/**
 * A Management API token made here and signed with the IdP's own current RS256 key: claims the IdP
 * never issued under a valid signature, for the attacks that get past the signature check.
 */
export async function signedWithIdpKey(idp: TestIdp, client: AdminClient, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const jwk = idp.live.signingKeys().keys.find((key) => key.alg === 'RS256' && key.key_ops === undefined)!;
  const key = createPrivateKey({ key: jwk as never, format: 'jwk' });
  const now = Math.floor(Date.now() / 1000);
  const base = { iss: idp.issuer, aud: managementApiIdentifier(idp.issuer), sub: client.id, client_id: client.id, jti: `t${Math.random()}`, iat: now, exp: now + 300, scope: 'admin:clients:read', gen: await idp.apiAccess.generation(client.id) };
  return new SignJWT({ ...base, ...claims }).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: jwk.kid as string, ...header }).sign(key);
}
