/**
 * Where the IdP itself listens, as configured: its port and interface, its server limits, https
 * when TLS_CERT_FILE and TLS_KEY_FILE are set (read here, once, at start-up), responses that
 * send the security headers themselves (security-headers.ts), and its error page with those
 * headers for requests the HTTP parser refuses (parser-refusals.ts).
 */
import type http from 'node:http';
import type { Config } from '../config.js';
import { describeAppError } from './error-messages.js';
import { listen, type Server, type ServerOptions } from './listen.js';
import { parserRefusals } from './parser-refusals.js';
import { idpResponses, idpSecurityHeaders } from './security-headers.js';
import { readTlsFiles } from './tls-files.js';
import { createViews, PAGE_CSP } from './views.js';

/** How every server of the IdP at `issuer` answers before and beside its app. */
export function idpServerOptions(issuer: string): Required<Pick<ServerOptions, 'responses' | 'refusals'>> {
  const views = createViews();
  const refusals = parserRefusals({
    headers: idpSecurityHeaders(issuer),
    pageHeaders: { 'Content-Security-Policy': PAGE_CSP },
    page: ({ code, status }) => views.html('error', describeAppError(code, '', status, false)),
  });
  return { responses: idpResponses(issuer), refusals };
}

export async function listenIdp(handler: http.RequestListener, config: Readonly<Config>): Promise<Server & { port: number }> {
  const tls = config.tls ? await readTlsFiles(config.tls) : undefined;
  return listen(handler, config.port, config.host, { limits: config.httpLimits, tls, ...idpServerOptions(config.issuer) });
}
