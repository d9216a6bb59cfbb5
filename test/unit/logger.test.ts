import { createLogger, redact } from '../../src/logger.js';

describe('redact', () => {
  it('replaces credential-bearing fields and keeps the rest', () => {
    expect(
      redact({
        password: 'wonderland',
        newPassword: 'wonderland2',
        access_token: 'at',
        client_secret: 'cs',
        cookie: 'c',
        authorization: 'Basic abc',
        code: 'auth-code',
        code_verifier: 'v',
        client_id: 'site-a',
        path: '/login',
        attempt: 2,
        ok: false,
      }),
    ).toEqual({
      password: '[redacted]',
      newPassword: '[redacted]',
      access_token: '[redacted]',
      client_secret: '[redacted]',
      cookie: '[redacted]',
      authorization: '[redacted]',
      code: '[redacted]',
      code_verifier: '[redacted]',
      client_id: 'site-a',
      path: '/login',
      attempt: 2,
      ok: false,
    });
  });

  it('matches field names in any letter case', () => {
    expect(redact({ Authorization: 'Bearer x', REFRESH_TOKEN: 'r', Cookie: 'c' })).toEqual({ Authorization: '[redacted]', REFRESH_TOKEN: '[redacted]', Cookie: '[redacted]' });
  });

  it('redacts nested objects too', () => {
    expect(redact({ request: { headers: { authorization: 'Bearer x', accept: 'text/html' }, body: { email: 'a@example.com', password: 'p' } } })).toEqual({
      request: { headers: { authorization: '[redacted]', accept: 'text/html' }, body: { email: 'a@example.com', password: '[redacted]' } },
    });
  });

  it('reduces errors to their name and message', () => {
    expect(redact({ error: new TypeError('boom') })).toEqual({ error: { name: 'TypeError', message: 'boom' } });
  });

  it('does not change the fields it was given', () => {
    const fields = { password: 'p', nested: { token: 't' } };
    redact(fields);
    expect(fields).toEqual({ password: 'p', nested: { token: 't' } });
  });
});

describe('createLogger', () => {
  function capture(level: Parameters<typeof createLogger>[0]) {
    const lines: string[] = [];
    return { lines, logger: createLogger(level, (line) => lines.push(line)) };
  }

  it('writes one JSON line per event with time, level, event and redacted fields', () => {
    const { lines, logger } = capture('info');
    logger.info('login.failed', { email: 'a@example.com', password: 'wonderland' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).not.toContain('wonderland');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toEqual({ time: expect.any(String), level: 'info', event: 'login.failed', email: 'a@example.com', password: '[redacted]' });
    expect(new Date(entry.time as string).toISOString()).toBe(entry.time);
  });

  it('drops events below its level', () => {
    const { lines, logger } = capture('warn');
    logger.debug('a');
    logger.info('b');
    logger.warn('c');
    logger.error('d');
    expect(lines.map((line) => (JSON.parse(line) as { level: string }).level)).toEqual(['warn', 'error']);
  });

  it('writes everything at debug and nothing when silent', () => {
    const all = capture('debug');
    const none = capture('silent');
    for (const { logger } of [all, none]) {
      logger.debug('a');
      logger.info('b');
      logger.warn('c');
      logger.error('d');
    }
    expect(all.lines).toHaveLength(4);
    expect(none.lines).toEqual([]);
  });
});

describe('redact, inside lists and dates', () => {
  it('redacts credentials inside arrays and writes dates as ISO strings', () => {
    expect(redact({ list: [{ password: 'p', n: 1 }], at: new Date(0) })).toEqual({ list: [{ password: '[redacted]', n: 1 }], at: '1970-01-01T00:00:00.000Z' });
  });

  it('keeps error codes, logged as error_code', () => {
    expect(redact({ error_code: 'storage_unavailable' })).toEqual({ error_code: 'storage_unavailable' });
  });
});
