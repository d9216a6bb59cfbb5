import { reservePort } from '../support/stack.js';
import { closedWithin, openSocket } from '../support/raw-socket.js';
import { runEntry, startEntry } from '../support/spawn.js';

/** A client secret as the IdP issues them (256 bits). */
const ISSUED_SECRET = 'xeSsLaW58tavzCTHOLSBM0uHTAvwCxTW';

describe('starting a sample site on its own (npm run site-a / site-b)', () => {
  it('refuses an https site URL without proxy trust at start-up, naming the fix, and exits non-zero', async () => {
    const run = await runEntry('clients/site-a/main.ts', [], { SITE_A_URL: 'https://site-a.example.com', SITE_A_CLIENT_SECRET: ISSUED_SECRET });
    expect(run.code).toBe(1);
    expect(run.output).toContain('set SITE_A_TRUST_PROXY=true');
    expect(run.output).not.toMatch(/at .*\.ts:\d+/); // the message, not a stack trace
  });

  it('refuses a weak cookie secret at start-up', async () => {
    const run = await runEntry('clients/site-b/main.ts', [], { SITE_B_CLIENT_SECRET: ISSUED_SECRET, SITE_B_COOKIE_SECRET: 'x' });
    expect(run.code).toBe(1);
    expect(run.output).toContain('SITE_B_COOKIE_SECRET must be at least 32 characters');
  });

  it('gives up on an unreachable MongoDB in bounded time with the password masked', async () => {
    const closed = await reservePort();
    await closed.close(); // nothing listens on this port any more
    const uri = `mongodb://site:hunter2-secret@127.0.0.1:${closed.port}/site_b`;
    // A hang would be killed at 20 s and exit with no code; giving up by itself exits with 1.
    const run = await runEntry('clients/site-b/main.ts', [], { SITE_B_CLIENT_SECRET: ISSUED_SECRET, SITE_B_MONGODB_URI: uri }, { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Cannot connect to MongoDB at mongodb://site:****@127.0.0.1:${closed.port}/site_b`);
    expect(run.output).not.toContain('hunter2-secret');
  });

  it('starts with its state in memory by default and says so', async () => {
    const free = await reservePort();
    await free.close();
    const run = await runEntry('clients/site-b/main.ts', [], { SITE_B_CLIENT_SECRET: ISSUED_SECRET, SITE_B_URL: `http://site-b.localhost:${free.port}` }, { until: /state in/ });
    expect(run.output).toMatch(/site-b: http:\/\/site-b\.localhost:\d+ .*state in memory/);
  });

  it("answers a request Node's parser refuses with the site's own page, as the app's pages look", async () => {
    const free = await reservePort();
    await free.close();
    const site = await startEntry('clients/site-b/main.ts', { SITE_B_CLIENT_SECRET: ISSUED_SECRET, SITE_B_URL: `http://site-b.localhost:${free.port}` }, { ready: /state in/ });
    try {
      const raw = await openSocket(free.port);
      raw.socket.write(`GET / HTTP/1.1\r\nHost: site-b.localhost:${free.port}\r\nCookie: ${'c=v; '.repeat(4_000)}\r\n\r\n`);
      expect(await closedWithin(raw, 10_000)).toBe('closed');
      const answer = raw.received();
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toMatch(/\r\nContent-Security-Policy: default-src 'none';/);
      expect(answer).toContain('Your browser sent too much');
    } finally {
      await site.stop();
    }
  });
});
