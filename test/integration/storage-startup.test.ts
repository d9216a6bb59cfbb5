import { reservePort } from '../support/stack.js';
import { runEntry } from '../support/spawn.js';

describe('starting the IdP (src/main.ts)', () => {
  it('says once, clearly, that it uses the in-memory store and loses data on exit', async () => {
    const run = await runEntry('src/main.ts', [], { NODE_ENV: 'development', PORT: '0', ISSUER: 'http://idp.localhost:3999' }, { until: /idp\.listening/ });
    const notices = run.output.split('\n').filter((line) => line.includes('storage.memory'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/lost when the IdP stops/);
    expect(notices[0]).toMatch(/MONGODB_URI/);
  });

  it('refuses the in-memory store in production, naming MONGODB_URI, and exits non-zero', async () => {
    const run = await runEntry('src/main.ts', [], { NODE_ENV: 'production', PORT: '0', ISSUER: 'https://id.example.com', TRUST_PROXY: 'true' });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/Production needs MONGODB_URI: the in-memory store loses/);
  });

  it('refuses to start with no settings at all (production by default), listing what production needs', async () => {
    const run = await runEntry('src/main.ts', [], {});
    expect(run.code).toBe(1);
    expect(run.output).toContain('Invalid configuration:');
    expect(run.output).toContain('ISSUER must use https in production');
    expect(run.output).toContain('Production needs TLS');
    expect(run.output).toContain('Production needs MONGODB_URI');
    expect(run.output).toContain('for a local run set NODE_ENV=development');
    expect(run.output).not.toContain('idp.listening');
  });

  it('gives up on an unreachable MongoDB in bounded time with the URI shown and the password masked', async () => {
    const closed = await reservePort();
    await closed.close(); // nothing listens on this port any more
    const uri = `mongodb://admin:hunter2-secret@127.0.0.1:${closed.port}/idp`;
    // A hang would be killed at 20 s and exit with no code; only giving up by itself exits with 1.
    const run = await runEntry('src/main.ts', [], { NODE_ENV: 'development', PORT: '0', MONGODB_URI: uri, MONGODB_CONNECT_ATTEMPTS: '2', MONGODB_CONNECT_TIMEOUT_MS: '500' }, { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Cannot connect to MongoDB at mongodb://admin:****@127.0.0.1:${closed.port}/idp after 2 attempts`);
    expect(run.output).not.toContain('hunter2-secret');
  });
});
