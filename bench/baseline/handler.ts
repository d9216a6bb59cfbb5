/**
 * The baseline server's request handler: oidc-provider's own Koa callback, or, for a
 * `--baseline-headers` run, the same with the IdP's security headers set first, as our request
 * frame sets them (src/http/request-frame.ts), so a run can tell what those headers cost.
 */
import type { RequestListener } from 'node:http';
import { securityHeaders } from '../../src/http/security-headers.js';

export function baselineHandler(answer: RequestListener, options: { ourHeaders: boolean }): RequestListener {
  if (!options.ourHeaders) return answer;
  const headers = Object.entries(securityHeaders({ hsts: false }));
  return (req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    return answer(req, res);
  };
}
