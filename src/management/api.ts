/**
 * Serves the Management API under /api/v1: every request is authenticated first (bearer.ts), so
 * nothing of the API, not even which paths exist, is reachable without a token. Then the route
 * (route.ts) is found, its scope required, its query and JSON body validated against the schemas
 * the OpenAPI document publishes, and its handler run. Every answer is JSON, never cached, never
 * readable cross-origin (no CORS headers at all), and every failure is a problem document
 * (problem.ts).
 */
import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SecurityEvents } from '../security/security-events.js';
import type { ManagementCaller } from './bearer.js';
import { requireScope } from './bearer.js';
import { MANAGEMENT_API_PREFIX } from './management-api.js';
import { ApiProblem, toProblem, writeProblem } from './problem.js';
import type { ApiRoute, JsonSchema } from './route.js';

export const MAX_BODY = '64kb';

interface CompiledRoute {
  route: ApiRoute;
  pattern: RegExp;
  names: string[];
  query: ValidateFunction;
  body?: ValidateFunction;
}

/** The path of the API below its prefix, or undefined for a path outside it. */
export function managementPath(path: string): string | undefined {
  if (path === MANAGEMENT_API_PREFIX) return '/';
  return path.startsWith(`${MANAGEMENT_API_PREFIX}/`) ? path.slice(MANAGEMENT_API_PREFIX.length) : undefined;
}

function compile(routes: readonly ApiRoute[], ajv: Ajv2020): CompiledRoute[] {
  return routes.map((route) => {
    const names: string[] = [];
    const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([a-z_]+)\}/g, (_all, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const querySchema: JsonSchema = {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(Object.entries(route.query ?? {}).map(([name, spec]) => [name, spec.schema])),
    };
    return { route, pattern: new RegExp(`^${source}$`), names, query: ajv.compile(querySchema), body: route.body ? ajv.compile(route.body) : undefined };
  });
}

function describeErrors(validate: ValidateFunction, where: string): string {
  const first = validate.errors?.[0];
  if (!first) return `${where} is not valid`;
  const at = first.instancePath ? `${where}${first.instancePath.replaceAll('/', '.')}` : where;
  const extra = first.keyword === 'additionalProperties' ? ` (${String((first.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
  return `${at} ${first.message ?? 'is not valid'}${extra}`;
}

export function createManagementApi(deps: {
  routes: readonly ApiRoute[];
  identifier: string;
  authenticate(ctx: Context): Promise<ManagementCaller>;
  logger: Logger;
  events: SecurityEvents;
}): Middleware {
  // Compiled at the first request (schema-validator.ts), once.
  let compiled: Promise<CompiledRoute[]> | undefined;
  const routes = () => (compiled ??= import('./schema-validator.js').then(({ createSchemaValidator }) => compile(deps.routes, createSchemaValidator())));
  const json = bodyParser({
    enableTypes: ['json'],
    jsonLimit: MAX_BODY,
    onError(error) {
      const status = (error as { status?: unknown }).status;
      throw new AppError('bad_request', status === 413 ? `The body is larger than ${MAX_BODY}` : 'The body is not valid JSON', { status: status === 413 || status === 415 ? status : 400, cause: error });
    },
  });

  async function serve(ctx: Context, path: string): Promise<void> {
    const caller = await deps.authenticate(ctx);
    const candidates = (await routes()).filter((entry) => entry.pattern.test(path));
    if (candidates.length === 0) throw new ApiProblem(404, 'not_found', `There is no ${MANAGEMENT_API_PREFIX}${path} in this API (see ${MANAGEMENT_API_PREFIX}/openapi.json)`);
    const method = ctx.method === 'HEAD' ? 'get' : ctx.method.toLowerCase();
    const entry = candidates.find((candidate) => candidate.route.method === method);
    if (!entry) {
      const methods = candidates.map((candidate) => candidate.route.method.toUpperCase());
      const allow = (methods.includes('GET') ? [...methods, 'HEAD'] : methods).join(', ');
      throw new ApiProblem(405, 'method_not_allowed', `${ctx.method} is not allowed here (allowed: ${allow})`, { headers: { Allow: allow } });
    }
    const { route } = entry;
    try {
      if (route.scope) requireScope(caller, route.scope, deps.identifier);
      await run(ctx, entry, path, caller);
    } catch (error) {
      // A caller that got in but was refused: what an operator wants to see (a stolen narrow token probing).
      if (error instanceof ApiProblem && error.code === 'insufficient_scope') {
        await deps.events.record({ type: 'admin.refused', source: ctx.ip, detail: { operation: route.operationId, by: caller.clientId, scope: String(error.options.extra?.scope ?? '') } });
      }
      throw error;
    }
  }

  async function run(ctx: Context, entry: CompiledRoute, path: string, caller: ManagementCaller): Promise<void> {
    const { route } = entry;
    const values = entry.pattern.exec(path)!.slice(1);
    let params: Record<string, string>;
    try {
      params = Object.fromEntries(entry.names.map((name, index) => [name, decodeURIComponent(values[index]!)]));
    } catch {
      throw new ApiProblem(400, 'invalid_input', 'The path is not validly percent-encoded');
    }
    for (const [name, value] of Object.entries(ctx.query)) {
      if (Array.isArray(value)) throw new ApiProblem(400, 'invalid_input', `query parameter ${name} is given more than once`);
    }
    // Own properties, "__proto__" too (an assignment would set the prototype, unseen by the schema).
    const query = Object.fromEntries(Object.entries(ctx.query)) as Record<string, string | undefined>;
    if (!entry.query(query)) throw new ApiProblem(400, 'invalid_input', describeErrors(entry.query, 'query'));
    let body: unknown;
    if (entry.body) {
      if (!ctx.is('application/json')) throw new ApiProblem(415, 'unsupported_media_type', 'Send the body as Content-Type: application/json');
      await json(ctx, async () => undefined);
      body = (ctx.request as { body?: unknown }).body;
      if (!entry.body(body)) throw new ApiProblem(400, 'invalid_input', describeErrors(entry.body, 'body'));
    }
    const result = await route.handle({ ctx, caller, params, query, body });
    if (route.method !== 'get') {
      // Who changed what, as the CLI records it: clients and users by id, the calling admin client by
      // id, any other thing by its path parameter (a resource server's identifier: validated, bounded).
      const { client_id: pathClientId, user_id: accountId, ...targets } = params;
      // What a create made has no path parameter yet: its id is in the answer.
      const made = result.status === 201 ? (result.body as { client_id?: unknown; id?: unknown } | undefined) : undefined;
      const clientId = pathClientId ?? (typeof made?.client_id === 'string' ? made.client_id : undefined);
      const userId = accountId ?? (route.tag === 'Users' && typeof made?.id === 'string' ? made.id : undefined);
      await deps.events.record({ type: 'admin.change', source: ctx.ip, clientId, accountId: userId, detail: { ...targets, ...result.audit, operation: route.operationId, by: caller.clientId } });
    }
    ctx.status = result.status;
    for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
    ctx.set('Cache-Control', 'no-store');
    if (result.status === 204) ctx.body = null;
    else ctx.body = result.body;
  }

  return async (ctx, next) => {
    const path = managementPath(ctx.path);
    if (path === undefined) return next();
    try {
      await serve(ctx, path);
    } catch (error) {
      writeProblem(ctx, toProblem(error, deps.logger, ctx.path));
    }
  };
}
