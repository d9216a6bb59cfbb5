/**
 * Which IdP and admin client the CLI uses over HTTP: --issuer and --client-id, else
 * SSO_ADMIN_ISSUER and SSO_ADMIN_CLIENT_ID; the secret from SSO_ADMIN_CLIENT_SECRET, else a prompt
 * or one line of stdin (never a flag: it would land in shell history and `ps`). Whatever is
 * missing, the refusal says exactly what to set.
 */
import type { AdminCliEnvironment } from '../config.js';
import { isLoopbackHost } from '../http/loopback-resolver.js';
import type { AdminIo } from './context.js';
import type { ManagementCredentials } from './management-client.js';

/** Wrong setup rather than wrong input: printed alone, exit code 2. */
export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
}

export const WHAT_TO_SET =
  'Set SSO_ADMIN_ISSUER (or --issuer) to the IdP\'s issuer URL, SSO_ADMIN_CLIENT_ID (or --client-id) to an admin client\'s id, ' +
  'and SSO_ADMIN_CLIENT_SECRET to its secret (or type it at the prompt). `npm start` prints these three lines for the demo. ' +
  'To bootstrap a fresh production database (no admin client yet), run with --direct and set MONGODB_URI: ' +
  '`npm run admin -- --direct clients add --name Admin --admin`.';

export async function resolveCredentials(flags: { issuer?: string; clientId?: string }, env: AdminCliEnvironment, io: AdminIo): Promise<ManagementCredentials> {
  const issuer = flags.issuer ?? env.issuer;
  const clientId = flags.clientId ?? env.clientId;
  const missing = [issuer ? undefined : 'an issuer', clientId ? undefined : 'an admin client id'].filter(Boolean);
  if (missing.length > 0) throw new MissingCredentialsError(`The admin CLI works through the IdP's Management API and has no ${missing.join(' and no ')}. ${WHAT_TO_SET}`);
  let parsed: URL;
  try {
    parsed = new URL(issuer!);
  } catch {
    throw new MissingCredentialsError(`The issuer "${issuer}" is not a URL. ${WHAT_TO_SET}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new MissingCredentialsError(`The issuer "${issuer}" is not an http(s) URL. ${WHAT_TO_SET}`);
  // The client secret goes to /token in the clear over http: only to this machine (the demo).
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new MissingCredentialsError(`The issuer "${issuer}" is plain http on another machine, where the admin client's secret would travel unencrypted: use its https issuer URL.`);
  }
  const clientSecret = env.clientSecret ?? (await io.readSecret(`Client secret of ${clientId}: `));
  if (!clientSecret) throw new MissingCredentialsError(`No secret for the admin client "${clientId}". ${WHAT_TO_SET}`);
  return { issuer: issuer!.replace(/\/$/, ''), clientId: clientId!, clientSecret };
}
