/** Schemas more than one route or the document itself uses. */
import type { JsonSchema } from './route.js';

export const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable machine-readable code: invalid_token, insufficient_scope, not_found, invalid_input, conflict, ...' },
    scope: { type: 'string', description: 'With insufficient_scope: the scope the call needs' },
  },
};

/** Free text a person typed (names): bounded, no control characters. */
export const text = (maxLength: number, description?: string): JsonSchema => ({ type: 'string', minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$', ...(description ? { description } : {}) });

export const uri: JsonSchema = { type: 'string', minLength: 1, maxLength: 2048, format: 'uri' };
export const uriList: JsonSchema = { type: 'array', maxItems: 20, items: uri };
export const scopeToken: JsonSchema = { type: 'string', pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}$' };
export const idParam: JsonSchema = { type: 'string', minLength: 1, maxLength: 256 };
