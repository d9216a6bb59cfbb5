/**
 * One Management API operation, declared once: the dispatcher (api.ts) serves it, and the OpenAPI
 * document (openapi.ts) describes it from the same declaration, so the two can't drift apart.
 */
import type { Context } from 'koa';
import type { ManagementCaller } from './bearer.js';
import type { ManagementScope } from './management-api.js';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

export interface ApiRequest {
  ctx: Context;
  caller: ManagementCaller;
  /** Path parameters by the names in `path` ({client_id}). */
  params: Record<string, string>;
  /** Query parameters, validated against `query`. */
  query: Record<string, string | undefined>;
  /** The JSON body, validated against `body`. */
  body: unknown;
}

export interface ApiResult {
  status: 200 | 201 | 204;
  body?: unknown;
  headers?: Record<string, string>;
  /** Facts about the change for its audit event (never a secret). */
  audit?: Record<string, string | number | boolean>;
}

export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Below /api/v1, in OpenAPI's form: /clients/{client_id}. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** The scope a token needs; absent: any valid Management API token (the OpenAPI document). */
  scope?: ManagementScope;
  query?: Record<string, { description: string; schema: JsonSchema }>;
  body?: JsonSchema;
  /** `created`: a PUT that may create answers 201 with the same schema then (described by it). */
  response: { status: ApiResult['status']; description: string; schema?: JsonSchema; created?: string };
  /** Failures beyond the ones every operation may answer (400, 401, 403, 404, 413, 415, 503), by status: when each happens. */
  problems?: Record<number, string>;
  handle(request: ApiRequest): Promise<ApiResult>;
}
