/**
 * The JSON Schema 2020-12 validator of the Management API (Ajv). Loaded, with the compiled route
 * schemas, at the API's first request rather than at start (~10 MiB and the compile time), as
 * only admins call it; the route-matrix test compiles every schema, so a broken one fails there.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

export function createSchemaValidator(): Ajv2020 {
  // Formats are described for readers (format: uri), checked by the domain code (one copy of the rules).
  return new Ajv2020({ strict: true, allErrors: false, validateFormats: false });
}
