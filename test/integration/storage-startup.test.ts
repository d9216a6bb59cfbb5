import { reservePort } from '../support/stack.js';
import { runEntry } from '../support/spawn.js';

describe('starting the IdP (src/main.ts)', () => {
  it('says once, clearly, that it uses the in-memory store and loses data on exit', async () => {
    const run = await runEntry('src/main.ts', [], { PORT: '0', ISSUER: 'http://idp.localhost:3999' }, { until: /idp\.listening/ });
    const notices = run.output.split('\n').filter((line) => line.includes('storage.memory'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/lost when the IdP stops/);
    expect(notices[0]).toMatch(/MONGODB_URI/);
  });

  it('refuses the in-memory store in production, naming MONGODB_URI, and exits non-zero', async () => {
    const run = await runEntry('src/main.ts', [], { NODE_ENV: 'production', PORT: '0', ISSUER: 'https://id.example.com' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/Refusing the in-memory store in production.*MONGODB_URI/);
  });

  it('gives up on an unreachable MongoDB in bounded time with the URI shown and the password masked', async () => {
    const closed = await reservePort();
    await closed.close(); // nothing listens on this port any more
    const uri = `mongodb://admin:hunter2-secret@127.0.0.1:${closed.port}/idp`;
    // A hang would be killed at 20 s and exit with no code; only giving up by itself exits with 1.
    const run = await runEntry('src/main.ts', [], { PORT: '0', MONGODB_URI: uri, MONGODB_CONNECT_ATTEMPTS: '2', MONGODB_CONNECT_TIMEOUT_MS: '500' }, { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Cannot connect to MongoDB at mongodb://admin:****@127.0.0.1:${closed.port}/idp after 2 attempts`);
    expect(run.output).not.toContain('hunter2-secret');
  });
});
