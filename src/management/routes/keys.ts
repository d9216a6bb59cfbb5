/**
 * /keys: the signing keys and cookie secrets, described by their timeline only (oidc/key-admin.ts,
 * as the admin CLI): no key material ever leaves the IdP, not even the public half (that is what
 * /jwks is for). Rotation publishes successors that sign after two refresh intervals, so every
 * instance knows them first (oidc/key-ring.ts).
 */
import type { Idp } from '../../idp.js';
import { KEY_PURPOSE_CHOICES, listKeyInfo, pruneKeyRing, rotateKeyRing, type KeyInfo, type KeyPurposeChoice } from '../../oidc/key-admin.js';
import { paginate, pageSchema, PAGING_QUERY } from '../paging.js';
import type { ApiRoute, JsonSchema } from '../route.js';

export type KeysDeps = Pick<Idp, 'storage' | 'config'>;

const KEY: JsonSchema = {
  type: 'object',
  required: ['id', 'purpose', 'state', 'activates_at'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: 'kid (JWK thumbprint) of a signing key; a random id for a cookie secret' },
    purpose: { enum: ['signing', 'cookie'] },
    alg: { enum: ['RS256', 'ES256'] },
    state: { enum: ['active', 'published', 'retired', 'expired'], description: 'published: in the JWKS, signing from activates_at; retired: verifies only, until removed_after' },
    activates_at: { type: 'string', format: 'date-time' },
    retires_at: { type: 'string', format: 'date-time' },
    removed_after: { type: 'string', format: 'date-time' },
  },
};

const PURPOSE_BODY: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { purpose: { enum: [...KEY_PURPOSE_CHOICES], description: 'all unless given' } },
};

const representation = (key: KeyInfo) => ({
  id: key.id,
  purpose: key.purpose,
  ...(key.alg ? { alg: key.alg } : {}),
  state: key.state,
  activates_at: key.activatesAt.toISOString(),
  ...(key.retiresAt ? { retires_at: key.retiresAt.toISOString() } : {}),
  ...(key.removeAfter ? { removed_after: key.removeAfter.toISOString() } : {}),
});

export function keyRoutes(deps: KeysDeps): ApiRoute[] {
  const tag = 'Keys';
  const purposeOf = (body: unknown) => (body as { purpose?: KeyPurposeChoice }).purpose;
  return [
    {
      method: 'get',
      path: '/keys',
      operationId: 'listKeys',
      summary: 'List signing keys and cookie secrets with their state (never their material)',
      tag,
      scope: 'admin:keys:read',
      query: { ...PAGING_QUERY, purpose: { description: 'signing or cookie; both unless given', schema: { enum: ['signing', 'cookie'] } } },
      response: { status: 200, description: 'A page of keys, by id (paged like every list, though there are few)', schema: pageSchema(KEY) },
      async handle({ query }) {
        const page = paginate(await listKeyInfo(deps.storage.keys, query.purpose as KeyPurposeChoice | undefined), (key) => key.id, query);
        return { status: 200, body: { items: page.items.map(representation), next_cursor: page.next_cursor } };
      },
    },
    {
      method: 'post',
      path: '/keys/rotate',
      operationId: 'rotateKeys',
      summary: 'Publish successors; they sign after two key refresh intervals, the current keys retire then',
      tag,
      scope: 'admin:keys:write',
      body: PURPOSE_BODY,
      response: { status: 200, description: 'The keys added', schema: { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: KEY } } } },
      problems: { 409: 'Too many keys of the purpose are published already: prune, or wait until retired ones expire' },
      async handle({ body }) {
        const added = await rotateKeyRing(deps.storage.keys, deps.config, purposeOf(body));
        return { status: 200, body: { items: added.map(representation) } };
      },
    },
    {
      method: 'post',
      path: '/keys/prune',
      operationId: 'pruneKeys',
      summary: 'Delete the keys past removed_after',
      tag,
      scope: 'admin:keys:write',
      body: PURPOSE_BODY,
      response: { status: 200, description: 'The ids of the keys deleted', schema: { type: 'object', required: ['removed'], additionalProperties: false, properties: { removed: { type: 'array', items: { type: 'string' } } } } },
      async handle({ body }) {
        const removed = await pruneKeyRing(deps.storage.keys, purposeOf(body));
        return { status: 200, body: { removed: removed.map((key) => key.id) } };
      },
    },
  ];
}
