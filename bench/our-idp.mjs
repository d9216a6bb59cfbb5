/**
 * Our IdP as `npm run bench` runs it: the production build (dist/, from `npm run build`) under
 * plain `node` with dist/bin/thread-pool.cjs preloaded, doing exactly what dist/main.js does
 * (config from the environment, createIdp, listenIdp, graceful stop), plus the bench's seed,
 * written through the IdP's own code paths as the tests seed it (test/support/stack.ts): the
 * account with its argon2id hash (passwords.js), the two bench clients as first-party apps and the
 * bench's API as a resource server (for client_credentials tokens).
 *
 * Plain JavaScript, because it imports the compiled dist/ (which has no type declarations and
 * does not exist when CI type-checks): a TypeScript file could not import it. So it can't import
 * bench/fixture.ts either; the harness hands it the seed (benchSeed there) as JSON in BENCH_SEED.
 *
 * BENCH_OUR_BUILD names another copy of the build to run instead of dist/ (bench:cpu's --variant).
 *
 * With MONGODB_URI the harness points it at a throw-away database, dropped here on the way out.
 */
// BENCH_OUR_BUILD: another copy of the build, inside this checkout (`npm run bench:cpu -- --variant`).
const build = new URL(`../${process.env.BENCH_OUR_BUILD ?? 'dist'}/`, import.meta.url);
const load = (module) => import(new URL(module, build).href);
const [{ runMain }, { hashPassword }, { loadConfig }, { listenIdp }, { createIdp }] = await Promise.all(
  ['bin/run-main.js', 'accounts/passwords.js', 'config.js', 'http/listen-idp.js', 'idp.js'].map(load),
);

/** @returns {{ account: { email: string, password: string, name: string, givenName: string, familyName: string }, clients: object[], resourceServer: { identifier: string, name: string, scope: string } }} */
function readSeed() {
  const json = process.env.BENCH_SEED;
  if (!json) throw new Error('BENCH_SEED is not set: start this server through `npm run bench`');
  const seed = JSON.parse(json);
  if (typeof seed?.account?.password !== 'string' || !Array.isArray(seed.clients) || typeof seed.resourceServer?.identifier !== 'string') throw new Error('BENCH_SEED is not the seed bench/fixture.ts makes (benchSeed)');
  return seed;
}

async function seedIdp(idp, { account, clients, resourceServer }) {
  const { password, ...person } = account;
  if (!(await idp.storage.accounts.findByEmail(person.email))) {
    await idp.storage.accounts.create({ ...person, emailVerified: true, passwordHash: await hashPassword(password) });
  }
  for (const client of clients) await idp.clients.save(client, { firstParty: true });
  await idp.resourceServers.save(resourceServer);
  // client_credentials tokens only for APIs an admin granted (src/client-apps/api-access.ts).
  for (const client of clients) {
    if (client.grant_types?.includes('client_credentials')) await idp.apiAccess.setGrant(client.client_id, { resource: resourceServer.identifier, scopes: resourceServer.scope.split(' ') });
  }
}

runMain(async () => {
  const seed = readSeed();
  const config = loadConfig();
  const idp = await createIdp(config);
  await seedIdp(idp, seed);
  const server = await listenIdp(idp.app.callback(), config);
  return {
    servers: [server],
    async stop() {
      // idp.storage is a MongoStorage here (src/storage/mongo/index.ts): its mongoose connection.
      if (idp.storage.kind === 'mongodb') await idp.storage.connection.dropDatabase();
      await idp.close();
    },
  };
});
