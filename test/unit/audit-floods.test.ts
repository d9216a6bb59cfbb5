/**
 * What a flood of refusals from many addresses can do to the audit trail (found by an attacking
 * review: 10,500 cross-site posts from 350 addresses, each within its own allowance, pushed a
 * sign-in out of the in-memory trail). Per process, a kind of refusal is kept at most
 * REFUSALS_KEPT_PER_MINUTE times a minute from all sources together, and the in-memory trail keeps
 * refusals apart from everything else, so they push out only older refusals.
 */
import { createLogger } from '../../src/logger.js';
import { createSecurityEvents, REFUSALS_KEPT_PER_MINUTE } from '../../src/security/security-events.js';
import { createMemoryAudit } from '../../src/storage/memory/audit.js';

it('keeps a kind of refusal at most its allowance a minute from every source together, and says what it suppressed', async () => {
  const audit = createMemoryAudit(100_000);
  const lines: Record<string, unknown>[] = [];
  const events = createSecurityEvents({ logger: createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>)), audit, retentionSeconds: 3600 });
  for (let n = 0; n < REFUSALS_KEPT_PER_MINUTE + 200; n += 1) {
    await events.record({ type: 'request.cross_site_refused', source: `198.18.${Math.floor(n / 250)}.${n % 250}` });
  }
  await events.record({ type: 'sign_in.succeeded', source: '198.18.0.1', accountId: 'someone' });
  expect(await audit.list({ limit: 100_000, type: 'request.cross_site_refused' })).toHaveLength(REFUSALS_KEPT_PER_MINUTE);
  expect(await audit.list({ limit: 10, type: 'sign_in.succeeded' })).toHaveLength(1);
  expect(lines.filter((line) => line.event === 'security.events_suppressed')).toEqual([expect.objectContaining({ type: 'request.cross_site_refused', source: 'every source' })]);
});

it('always keeps a refusal that names an account (a wrong password for a real person), however many others arrive', async () => {
  const audit = createMemoryAudit(100_000);
  const events = createSecurityEvents({ logger: createLogger('silent'), audit, retentionSeconds: 3600 });
  for (let n = 0; n < REFUSALS_KEPT_PER_MINUTE + 50; n += 1) await events.record({ type: 'sign_in.failed', source: `198.19.${Math.floor(n / 250)}.${n % 250}` });
  await events.record({ type: 'sign_in.failed', source: '203.0.113.5', accountId: 'a-real-person' });
  expect(await audit.list({ limit: 10, type: 'sign_in.failed', accountId: 'a-real-person' })).toHaveLength(1);
  expect(await audit.list({ limit: 100_000, type: 'sign_in.failed' })).toHaveLength(REFUSALS_KEPT_PER_MINUTE + 1);
});

it('keeps refusals and everything else in rings of their own in memory: refusals push out only refusals', async () => {
  const audit = createMemoryAudit(5);
  const at = new Date();
  await audit.append({ id: 'success', at, type: 'sign_in.succeeded', accountId: 'someone' }, 3600);
  for (let n = 0; n < 20; n += 1) await audit.append({ id: `refused-${n}`, at, type: 'request.cross_site_refused', source: '192.0.2.1' }, 3600);
  expect((await audit.list({ limit: 100 })).map((event) => event.id).sort()).toEqual(['refused-15', 'refused-16', 'refused-17', 'refused-18', 'refused-19', 'success']);
  for (let n = 0; n < 6; n += 1) await audit.append({ id: `change-${n}`, at, type: 'admin.change' }, 3600);
  expect(await audit.list({ limit: 100, type: 'sign_in.succeeded' })).toEqual([]);
  expect(await audit.list({ limit: 100, type: 'request.cross_site_refused' })).toHaveLength(5);
});

it('keeps exactly the newest events of a ring however many times it has filled over', async () => {
  const audit = createMemoryAudit(7);
  for (let n = 0; n < 7 * 5 + 3; n += 1) await audit.append({ id: `change-${String(n).padStart(2, '0')}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)), type: 'admin.change' }, 3600);
  expect((await audit.list({ limit: 100 })).map((event) => event.id)).toEqual(['change-37', 'change-36', 'change-35', 'change-34', 'change-33', 'change-32', 'change-31']);
});

it('rounds a capacity that is not a whole number down, and keeps nothing for one that is not a number', async () => {
  const [fractional, none] = [createMemoryAudit(2.5), createMemoryAudit(Number.NaN)];
  for (let n = 0; n < 10; n += 1) {
    for (const audit of [fractional, none]) await audit.append({ id: `change-${n}`, at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)), type: 'admin.change' }, 3600);
  }
  expect((await fractional.list({ limit: 100 })).map((event) => event.id)).toEqual(['change-9', 'change-8']);
  expect(await none.list({ limit: 100 })).toEqual([]);
});
