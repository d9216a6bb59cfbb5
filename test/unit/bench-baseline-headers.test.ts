/**
 * `npm run bench -- --baseline-headers`: a diagnostic run where the bare baseline also sends the
 * IdP's security headers, so its ratios leave out what those cost. The flag reaches the settings
 * (flag or BENCH_BASELINE_HEADERS), and the baseline's handler then sends exactly our headers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { baselineHandler } from '../../bench/baseline/handler.js';
import { readSettings, type Settings } from '../../bench/harness/settings.js';
import { securityHeaders } from '../../src/http/security-headers.js';

async function headersOf(listener: http.RequestListener): Promise<Headers> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await answer.text();
    return answer.headers;
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const engine: http.RequestListener = (_req, res) => res.end('{}');

describe('the baseline with our security headers (--baseline-headers)', () => {
  it('is off unless the flag or BENCH_BASELINE_HEADERS asks for it', () => {
    expect((readSettings([], {}) as Settings).baselineHeaders).toBe(false);
    expect((readSettings(['--baseline-headers'], {}) as Settings).baselineHeaders).toBe(true);
    expect((readSettings([], { BENCH_BASELINE_HEADERS: '1' }) as Settings).baselineHeaders).toBe(true);
  });

  it('writes its JSON beside the committed latest results, never over them', () => {
    expect((readSettings([], {}) as Settings).out).toBe('bench/results/latest.json');
    expect((readSettings(['--baseline-headers'], {}) as Settings).out).toBe('bench/results/baseline-headers.json');
    expect((readSettings(['--baseline-headers', '--out', '/tmp/x.json'], {}) as Settings).out).toBe('/tmp/x.json');
  });

  it('sends exactly the headers our request frame sends, and nothing of them without it', async () => {
    const ours = Object.entries(securityHeaders({ hsts: false }));
    expect(ours.length).toBeGreaterThan(0);
    const withThem = await headersOf(baselineHandler(engine, { ourHeaders: true }));
    const without = await headersOf(baselineHandler(engine, { ourHeaders: false }));
    for (const [name, value] of ours) {
      expect(withThem.get(name)).toBe(value);
      expect(without.get(name)).toBeNull();
    }
  });
});
