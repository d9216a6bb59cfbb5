/**
 * Our IdP as `npm run bench` runs it: exactly what src/main.ts does (config from the environment,
 * createIdp, listenIdp, graceful stop), plus the bench's seed, written through the IdP's own code
 * paths as the tests seed it (test/support/stack.ts): the account with its argon2id hash
 * (src/accounts/passwords.ts) and the two bench clients as first-party apps. No resource server
 * is needed: the clients introspect their own tokens and call userinfo.
 *
 * With MONGODB_URI the harness points it at a throw-away database, dropped here on the way out.
 */
import { runMain } from '../src/bin/run-main.js';
import { hashPassword } from '../src/accounts/passwords.js';
import { loadConfig } from '../src/config.js';
import { listenIdp } from '../src/http/listen-idp.js';
import { createIdp, type Idp } from '../src/idp.js';
import type { MongoStorage } from '../src/storage/mongo/index.js';
import { BENCH_ACCOUNT, BENCH_CLIENTS, benchClientMetadata, benchClientSecret } from './fixture.js';

async function seed(idp: Idp, secret: string): Promise<void> {
  const { password, ...person } = BENCH_ACCOUNT;
  if (!(await idp.storage.accounts.findByEmail(person.email))) {
    await idp.storage.accounts.create({ ...person, emailVerified: true, passwordHash: await hashPassword(password) });
  }
  for (const client of BENCH_CLIENTS) await idp.clients.save(benchClientMetadata(client, secret), { firstParty: true });
}

runMain(async () => {
  const config = loadConfig();
  const idp = await createIdp(config);
  await seed(idp, benchClientSecret(process.env));
  const server = await listenIdp(idp.app.callback(), config);
  return {
    servers: [server],
    async stop() {
      if (idp.storage.kind === 'mongodb') await (idp.storage as MongoStorage).connection.dropDatabase();
      await idp.close();
    },
  };
});
