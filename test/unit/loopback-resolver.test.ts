import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { createLoopbackFetch, isLocalhostName, isLoopbackHost, loopbackLookup } from '../../src/http/loopback-resolver.js';

function lookup(hostname: string, all: boolean): Promise<{ address: string | LookupAddress[]; family?: number }> {
  return new Promise((resolve, reject) => {
    loopbackLookup(hostname, { all }, (error, address, family) => (error ? reject(error) : resolve({ address, family })));
  });
}

describe('isLocalhostName', () => {
  it.each([
    ['localhost', true],
    ['foo.localhost', true],
    ['FOO.LOCALHOST.', true],
    ['idp.localhost', true],
    ['localhost.example.com', false],
    ['notlocalhost', false],
    ['example.com', false],
    ['127.0.0.1', false],
  ])('%s -> %s', (hostname, expected) => {
    expect(isLocalhostName(hostname)).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['localhost', true],
    ['site-a.localhost', true],
    ['127.0.0.1', true],
    ['127.5.6.7', true],
    ['[::1]', true],
    ['::1', true],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['127.0.0.1.example.com', false],
    ['localhost.example.com', false],
    ['[::2]', false],
  ])('%s -> %s', (hostname, expected) => {
    expect(isLoopbackHost(hostname)).toBe(expected);
  });
});

describe('loopbackLookup', () => {
  it('answers *.localhost with 127.0.0.1 as a single address', async () => {
    expect(await lookup('idp.localhost', false)).toEqual({ address: '127.0.0.1', family: 4 });
  });

  it('answers *.localhost with 127.0.0.1 as a list when all addresses are asked for', async () => {
    expect((await lookup('IDP.localhost', true)).address).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('passes other names to the system resolver', async () => {
    // An address literal resolves to itself without a DNS query, and is not 127.0.0.1.
    expect(await lookup('127.0.0.2', false)).toEqual({ address: '127.0.0.2', family: 4 });
    expect((await lookup('127.0.0.2', true)).address).toEqual([{ address: '127.0.0.2', family: 4 }]);
  });
});

describe('createLoopbackFetch', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ host: req.headers.host, path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('reaches a server on 127.0.0.1 through a *.localhost name, keeping that name as the Host', async () => {
    const response = await createLoopbackFetch()(`http://anything.localhost:${port}/hello?x=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ host: `anything.localhost:${port}`, path: '/hello?x=1' });
  });
});
