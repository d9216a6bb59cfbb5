import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { classify } from '../../src/logout-delivery/sender.js';
import { createOutgoingFetch, guardedLookup, localHostRefusal, type Resolve } from '../../src/oidc/outgoing-fetch.js';

/** A local server that counts TCP connections: the IdP "called" it if the count moved. */
let server: http.Server;
let port: number;
let connections = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/elsewhere') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/jwks` }).end();
    } else {
      res.setHeader('content-type', 'application/json').end('{"keys":[]}');
    }
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What oidc-provider passes: its SSRF-guard dispatcher, which must not reach a demo site's request. */
const guarded = () => ({ method: 'GET', dispatcher: { notAnUndiciDispatcher: true } }) as RequestInit;

describe('createOutgoingFetch', () => {
  it('fetches a listed demo site on loopback past the guard', async () => {
    const fetch = createOutgoingFetch({ demoSiteOrigins: [`http://site-a.localhost:${port}`] });
    const before = connections;
    const response = await fetch(`http://site-a.localhost:${port}/jwks`, guarded());
    expect(await response.json()).toEqual({ keys: [] });
    expect(connections).toBe(before + 1);
  });

  it('does not follow a demo site\'s redirect to another loopback origin', async () => {
    const fetch = createOutgoingFetch({ demoSiteOrigins: [`http://site-a.localhost:${port}`] });
    await expect(fetch(`http://site-a.localhost:${port}/elsewhere`, guarded())).rejects.toThrow('fetch failed');
    const manual = await fetch(`http://site-a.localhost:${port}/elsewhere`, { ...guarded(), redirect: 'manual' });
    expect(manual.status).toBe(302);
  });

  it.each([
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/jwks`],
    ['127.1', (p: number) => `http://127.1:${p}/jwks`],
    ['0x7f.0.0.1', (p: number) => `http://0x7f.0.0.1:${p}/jwks`],
    ['2130706433', (p: number) => `http://2130706433:${p}/jwks`],
    ['0.0.0.0', (p: number) => `http://0.0.0.0:${p}/jwks`],
    ['[::ffff:127.0.0.1]', (p: number) => `http://[::ffff:127.0.0.1]:${p}/jwks`],
    ['[::1]', (p: number) => `http://[::1]:${p}/jwks`],
    ['localhost', (p: number) => `http://localhost:${p}/jwks`],
    ['a loopback name that is not a listed site', (p: number) => `http://evil.localhost:${p}/jwks`],
    ['a listed site\'s name with a trailing dot', (p: number) => `http://site-a.localhost.:${p}/jwks`],
    ['a listed site\'s name on another port', (p: number) => `http://site-a.localhost:${p + 1}/jwks`],
  ])('refuses %s before connecting, in demo mode too', async (_what, url) => {
    const fetch = createOutgoingFetch({ demoSiteOrigins: [`http://site-a.localhost:${port}`] });
    const before = connections;
    await expect(fetch(url(port), guarded())).rejects.toMatchObject({ message: 'fetch failed', cause: expect.objectContaining({ message: expect.stringMatching(/^refused before connecting/) }) });
    expect(connections).toBe(before);
  });
});

describe('localHostRefusal', () => {
  it('names loopback names and this machine\'s addresses, and lets other hosts through to the guard', () => {
    expect(localHostRefusal('idp.localhost')).toMatch(/loopback name/);
    expect(localHostRefusal('[::]')).toMatch(/special-use IP address/);
    expect(localHostRefusal('127.255.0.9')).toMatch(/special-use IP address/);
    for (const host of ['example.com', '93.184.215.14', '[2606:4700::1111]', 'localhost.example.com', 'internal.corp.example']) expect(localHostRefusal(host)).toBeUndefined();
  });

  it('names every other special-use address written as an IP, which the guard would drop only once connected', () => {
    // Private networks, the cloud metadata service (link-local), carrier-grade NAT, documentation
    // ranges, unique-local and link-local IPv6, and an IPv4-mapped private address as the URL parser writes it.
    const hosts = ['10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '192.0.2.2', '[2001:db8::1]', '[fd00::1]', '[fe80::1]', new URL('http://[::ffff:10.0.0.1]/').hostname];
    for (const host of hosts) expect([host, localHostRefusal(host)]).toEqual([host, expect.stringMatching(/special-use IP address/)]);
  });
});

describe('createOutgoingFetch and special-use addresses', () => {
  it('refuses a private address before connecting: no TCP connection, no TLS handshake, nothing to time out and retry', async () => {
    const fetch = createOutgoingFetch({ demoSiteOrigins: [] });
    await expect(fetch('https://10.0.0.1/backchannel', guarded())).rejects.toMatchObject({ message: 'fetch failed', cause: expect.objectContaining({ message: expect.stringMatching(/^refused before connecting: 10\.0\.0\.1 is a special-use IP address/) }) });
  });
});

describe('a name that resolves to a special-use address', () => {
  /** A resolver as tests need it: names to the addresses given, anything else unknown. */
  const resolver = (names: Record<string, string[]>): Resolve => (hostname, _options, callback) => {
    const addresses = names[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
  const lookup = (names: Record<string, string[]>, hostname: string, all = false) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => guardedLookup(resolver(names))(hostname, { all }, (error, address) => resolve({ error, address })));

  it('is refused by the lookup, whichever of its addresses is one; other names resolve as they do', async () => {
    const names = { 'internal.example': ['10.0.0.5'], 'half.example': ['93.184.215.14', '169.254.169.254'], 'public.example': ['93.184.215.14', '2606:4700::1111'] };
    for (const name of ['internal.example', 'half.example']) expect((await lookup(names, name)).error?.message).toBe(`refused before connecting: ${name} resolves to a special-use IP address`);
    expect(await lookup(names, 'public.example')).toEqual({ error: null, address: '93.184.215.14' });
    expect(await lookup(names, 'public.example', true)).toEqual({ error: null, address: [{ address: '93.184.215.14', family: 4 }, { address: '2606:4700::1111', family: 6 }] });
  });

  it('gets no connection: the fetch fails as refused, which the back-channel sender does not retry', async () => {
    const fetch = createOutgoingFetch({ demoSiteOrigins: [], resolve: resolver({ 'internal.example': ['127.0.0.1'] }) });
    const before = connections;
    const failure = await fetch(`http://internal.example:${port}/jwks`, guarded()).catch((error: unknown) => error);
    expect(failure).toMatchObject({ message: 'fetch failed', cause: expect.objectContaining({ message: 'refused before connecting: internal.example resolves to a special-use IP address' }) });
    expect(classify(failure)).toEqual({ outcome: expect.stringMatching(/^refused before connecting/), retry: false });
    expect(connections).toBe(before);
  });
});

describe('redirects of a guarded request', () => {
  /** Stands in for the agent: answers each URL as `answers` says, and records what was sent. */
  function scripted(answers: Record<string, () => Response>) {
    const sent: { url: string; method: string; redirect: unknown; body: unknown }[] = [];
    const send = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input);
      sent.push({ url, method: init?.method ?? 'GET', redirect: init?.redirect, body: init?.body });
      return (answers[url] ?? (() => new Response('{"keys":[]}', { status: 200 })))();
    };
    return { fetch: createOutgoingFetch({ demoSiteOrigins: [], send }), sent };
  }
  const to = (location: string, status = 302) => () => new Response(null, { status, headers: { location } });

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:8080/keys'],
    ['an IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/keys'],
    ['a private address', 'https://10.0.0.1/keys'],
    ['the cloud metadata service', 'http://169.254.169.254/latest/meta-data/'],
    ['a loopback name', 'http://evil.localhost/keys'],
  ])('refuses a hop to %s before connecting: an IP in a Location is never looked up', async (_what, location) => {
    const { fetch, sent } = scripted({ 'https://rp.example/jwks': to(location) });
    await expect(fetch('https://rp.example/jwks', { method: 'GET' })).rejects.toMatchObject({ message: 'fetch failed', cause: expect.objectContaining({ message: expect.stringMatching(/^refused before connecting/) }) });
    expect(sent.map((request) => request.url)).toEqual(['https://rp.example/jwks']);
  });

  it('follows others as fetch does, each hop sent without following: a 303 goes on as GET without a body', async () => {
    const { fetch, sent } = scripted({ 'https://rp.example/a': to('/b', 307), 'https://rp.example/b': to('https://cdn.example/c', 303) });
    const response = await fetch('https://rp.example/a', { method: 'POST', body: 'x=1' });
    expect(response.status).toBe(200);
    expect(sent).toEqual([
      { url: 'https://rp.example/a', method: 'POST', redirect: 'manual', body: 'x=1' },
      { url: 'https://rp.example/b', method: 'POST', redirect: 'manual', body: 'x=1' },
      { url: 'https://cdn.example/c', method: 'GET', redirect: 'manual', body: undefined },
    ]);
  });

  it('stops after 20 redirects, and leaves a manual request\'s redirect to its caller', async () => {
    const { fetch, sent } = scripted({ 'https://rp.example/loop': to('https://rp.example/loop') });
    await expect(fetch('https://rp.example/loop', {})).rejects.toMatchObject({ cause: expect.objectContaining({ message: 'redirect count exceeded' }) });
    expect(sent).toHaveLength(21);
    const manual = scripted({ 'https://rp.example/logout': to('http://127.0.0.1/') });
    expect((await manual.fetch('https://rp.example/logout', { method: 'POST', redirect: 'manual' })).status).toBe(302);
  });
});
