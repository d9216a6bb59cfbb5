/** `npm start`'s demo as a child process on free ports, and the admin binary run beside it. */
import { runEntry, startEntry, type Run } from './spawn.js';
import { reservePort } from './stack.js';

/** The JSON an admin command printed (after Node's runtime warning, when there is one). */
export const jsonOf = <T>(output: string): T => JSON.parse(output.slice(output.indexOf('['))) as T;

/** The demo (IdP and both sites) as `npm start` runs it, and the `export SSO_ADMIN_...` lines it printed. */
export async function startDemo() {
  const ports = await Promise.all([reservePort(), reservePort(), reservePort()]);
  await Promise.all(ports.map((reserved) => reserved.close()));
  const [idpPort, aPort, bPort] = ports.map((reserved) => reserved.port);
  const demo = await startEntry(
    'src/bin/demo.ts',
    { ISSUER: `http://idp.localhost:${idpPort}`, SITE_A_URL: `http://site-a.localhost:${aPort}`, SITE_B_URL: `http://site-b.localhost:${bPort}` },
    { ready: /export SSO_ADMIN_CLIENT_SECRET=\S+\n/, timeoutMs: 60_000 },
  );
  const exported = Object.fromEntries([...demo.output.matchAll(/^\s*export (SSO_ADMIN_\w+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
  return { demo, exported, issuer: `http://idp.localhost:${idpPort}` };
}

/** `npm run admin -- <args>` in a second terminal with `env` exported. */
export function admin(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return runEntry('src/bin/admin.ts', args, env, { timeoutMs: 60_000, input });
}
