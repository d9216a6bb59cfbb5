/**
 * The OpenAPI 3.1 document of the Management API, served at /api/v1/openapi.json and made from the
 * same route declarations the API serves (route.ts): every operation with its scope, parameters,
 * body and answer schemas, and the problem document of its failures.
 */
import { MAX_BODY } from './api.js';
import { MANAGEMENT_API_PREFIX, MANAGEMENT_SCOPES } from './management-api.js';
import type { ApiRoute, JsonSchema } from './route.js';
import { PROBLEM_SCHEMA } from './schemas.js';

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

const FAILURES = {
  '400': problem('The request is not valid (query, body or the rules of registration)'),
  '401': problem('No token, or one that is expired, revoked, forged or for another audience'),
  '403': problem('The token lacks the scope this operation needs (insufficient_scope)'),
  '404': problem('Nothing by that id'),
  '503': problem('The store is not answering; Retry-After says when to try again'),
};

function operation(route: ApiRoute) {
  const pathParams = [...route.path.matchAll(/\{([a-z_]+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const queryParams = Object.entries(route.query ?? {}).map(([name, spec]) => ({ name, in: 'query', required: false, description: spec.description, schema: spec.schema }));
  const success = route.response.schema
    ? { description: route.response.description, content: { 'application/json': { schema: route.response.schema } } }
    : { description: route.response.description };
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: [{ managementToken: route.scope ? [route.scope] : [] }],
    ...(pathParams.length + queryParams.length > 0 ? { parameters: [...pathParams, ...queryParams] } : {}),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    responses: {
      [String(route.response.status)]: success,
      ...(route.response.created ? { '201': { ...success, description: route.response.created } } : {}),
      ...FAILURES,
      ...(route.body ? { '413': problem(`The body is larger than ${MAX_BODY}`), '415': problem('The body is not application/json') } : {}),
      ...Object.fromEntries(Object.entries(route.problems ?? {}).map(([status, description]) => [status, problem(description)])),
    },
  };
}

export function openApiDocument(routes: readonly ApiRoute[], issuer: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Management API',
      version: '1',
      description: 'Administers this identity provider. Every call needs a bearer token: an RFC 9068 JWT this IdP issues through client_credentials for the resource ' + `${issuer}${MANAGEMENT_API_PREFIX}` + ', with the admin:* scopes the operation names. Errors are RFC 9457 problem documents.',
    },
    servers: [{ url: `${issuer}${MANAGEMENT_API_PREFIX}` }],
    components: {
      schemas: { Problem: PROBLEM_SCHEMA },
      securitySchemes: {
        managementToken: {
          type: 'oauth2',
          description: `client_credentials with resource=${issuer}${MANAGEMENT_API_PREFIX}`,
          flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: Object.fromEntries(MANAGEMENT_SCOPES.map((scope) => [scope, scope.replace(/^admin:/, '').replace(':', ': ')])) } },
        },
      },
    },
    paths,
  };
}

/** GET /openapi.json: the document, to any holder of a Management API token. */
export function openApiRoute(document: () => JsonSchema): ApiRoute {
  return {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'Meta',
    response: { status: 200, description: 'The OpenAPI 3.1 document of this API', schema: { type: 'object', required: ['openapi', 'info', 'paths'], properties: { openapi: { const: '3.1.0' }, info: { type: 'object' }, paths: { type: 'object' } } } },
    handle: async () => ({ status: 200, body: document() }),
  };
}
