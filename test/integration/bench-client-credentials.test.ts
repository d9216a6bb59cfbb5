/**
 * `npm run bench`'s client-credentials row: both servers, seeded from bench/fixture.ts as the
 * bench seeds them, offer the grant and issue the same kind of token for the bench's API, so the
 * row is measured and compares like with like. In-process here (the bench itself runs the
 * production build and the compiled baseline: `npm run bench -- --only client-credentials --smoke`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createBaselineProvider } from '../../bench/baseline/provider.js';
import { BENCH_CLIENTS, BENCH_RESOURCE, benchSeed } from '../../bench/fixture.js';
import { Target } from '../../bench/harness/browser.js';
import { clientCredentials, relyingParty } from '../../bench/harness/flows.js';
import { OPERATIONS, type Subject } from '../../bench/harness/operations.js';
import { reservePort, startIdp, type RunningIdp } from '../support/stack.js';

const secret = 'bench-client-secret-for-this-test-0123456789';
let ours: RunningIdp;
let baseline: { server: http.Server; issuer: string };
const subjects: Subject[] = [];

beforeAll(async () => {
  // On 127.0.0.1, as the bench runs it: the load generator's undici pool resolves no *.localhost.
  const free = await reservePort();
  await free.close();
  ours = await startIdp({ port: free.port, issuer: `http://127.0.0.1:${free.port}` });
  // What bench/our-idp.mjs does with the seed (it imports dist/, so it can't be imported here).
  const seed = benchSeed(secret);
  for (const client of seed.clients) await ours.clients.save(client, { firstParty: true });
  await ours.resourceServers.save({ ...seed.resourceServer });
  for (const client of seed.clients) {
    if (client.grant_types?.includes('client_credentials')) await ours.apiAccess.setGrant(client.client_id, { resource: seed.resourceServer.identifier, scopes: seed.resourceServer.scope.split(' ') });
  }

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('request', (await createBaselineProvider(issuer, secret)).callback());
  baseline = { server, issuer };

  for (const [name, issuerOf] of [['baseline', baseline.issuer], ['ours', ours.issuer]] as const) {
    const target = new Target(issuerOf, 2);
    const discovery = JSON.parse((await target.get('/.well-known/openid-configuration')).body) as Subject['discovery'];
    const [rs256, es256] = await Promise.all(BENCH_CLIENTS.map((client) => relyingParty(target, client, secret)));
    subjects.push({ name, target, discovery, rp: { RS256: rs256!, ES256: es256! } });
  }
});
afterAll(async () => {
  await Promise.all(subjects.map((subject) => subject.target.close()));
  await new Promise<void>((resolve) => baseline.server.close(() => resolve()));
  await ours.stop();
});

async function tokenOf(subject: Subject): Promise<string> {
  const form = { grant_type: 'client_credentials', resource: BENCH_RESOURCE.identifier, scope: BENCH_RESOURCE.scope };
  const answer = await subject.target.postForm('/token', form, { authorization: subject.rp.RS256.authorization });
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

describe('bench client-credentials', () => {
  it('is measured, not skipped: both servers list the grant in discovery', () => {
    const spec = OPERATIONS.find((operation) => operation.id === 'client-credentials')!;
    expect(spec.skip?.(subjects)).toBeUndefined();
    expect(spec.skip?.([{ ...subjects[0]!, discovery: { grant_types_supported: ['authorization_code'] } }, subjects[1]!])).toMatch(/^skipped: baseline does not offer the grant/);
  });

  it("runs the operation on both: a token for the bench's API, verified as the API would", async () => {
    for (const subject of subjects) await expect(clientCredentials(subject.rp.RS256)).resolves.toBeUndefined();
  });

  it('gets the same kind of token from both: RS256 at+jwt, the same claims, audience and scope', async () => {
    const [fromBaseline, fromOurs] = await Promise.all(subjects.map(tokenOf));
    const shape = (token: string) => {
      const { alg, typ } = decodeProtectedHeader(token);
      const claims = decodeJwt(token);
      return { alg, typ, claims: Object.keys(claims).sort(), aud: claims.aud, scope: claims.scope, lifetime: claims.exp! - claims.iat! };
    };
    expect(shape(fromOurs!)).toEqual(shape(fromBaseline!));
    expect(shape(fromOurs!)).toMatchObject({ alg: 'RS256', typ: 'at+jwt', aud: BENCH_RESOURCE.identifier, scope: BENCH_RESOURCE.scope });
  });
});
