import { createSlots } from '../../src/accounts/password-check-slots.js';
import { AppError } from '../../src/errors.js';
import { waitMessage } from '../../src/interactions/router.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { createAttemptGate, delayFor, type GateRule } from '../../src/throttling/attempt-gate.js';
import { sourceKey } from '../../src/throttling/source-address.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('attempt gate', () => {
  const rule: GateRule = { name: 'test', freeAttempts: 2, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 8 };

  it('doubles the pause with every attempt beyond the free ones, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((excess) => delayFor(rule, excess))).toEqual([1, 2, 4, 8, 8, 8, 8]);
  });

  it('lets the free attempts through, then one attempt per pause, and a refused attempt lengthens the next pause', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    expect([await gate.enter('k'), await gate.enter('k'), await gate.enter('k')]).toEqual([0, 0, 0]);
    expect(await gate.enter('k')).toBe(1); // within the 1 s pause earned by the third attempt
    await sleep(1100);
    expect(await gate.enter('k')).toBe(0); // fifth attempt: third beyond the free ones
    expect(await gate.enter('k')).toBeGreaterThanOrEqual(3); // a 4 s pause is running
  });

  it('keeps keys apart, and forgets everything on clear', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    for (let n = 0; n < 4; n += 1) await gate.enter('a');
    expect(await gate.enter('b')).toBe(0);
    expect(await gate.enter('a')).toBeGreaterThan(0);
    await gate.clear('a');
    expect(await gate.enter('a')).toBe(0);
  });

  it('takes an attempt back on forgive', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    for (let n = 0; n < 10; n += 1) {
      expect(await gate.enter('shared-office')).toBe(0);
      await gate.forgive('shared-office');
    }
  });
});

describe('sourceKey', () => {
  it('keeps IPv4 addresses, and reads IPv4-mapped IPv6 as IPv4', () => {
    expect(sourceKey('203.0.113.7')).toBe('203.0.113.7');
    expect(sourceKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts a whole IPv6 /64 as one source, however it is written', () => {
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
  });

  it('reads the spellings proxies use: brackets, ports, hex IPv4-mapped', () => {
    expect(sourceKey('[2001:db8::1]')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('[2001:db8::1]:443')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(sourceKey('::ffff:102:304')).toBe('1.2.3.4');
    expect(sourceKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });
});

describe('password check slots', () => {
  it('runs at most `concurrent` checks, queues at most `queued`, and refuses the rest at once with 503', async () => {
    const slots = createSlots({ concurrent: 2, queued: 3 });
    let running = 0;
    let peak = 0;
    const check = () =>
      slots.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await sleep(20);
        running -= 1;
        return true;
      });
    const results = await Promise.allSettled(Array.from({ length: 9 }, check));
    expect(peak).toBe(2);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    const refusal = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason as AppError;
    expect([refusal.code, refusal.status, refusal.retryAfterSeconds]).toEqual(['overloaded', 503, 1]);
    expect(slots.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot when a check throws', async () => {
    const slots = createSlots({ concurrent: 1, queued: 0 });
    await expect(slots.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('waitMessage', () => {
  it('says seconds for short waits and minutes for long ones', () => {
    expect(waitMessage(1)).toBe('Too many sign-in attempts. Please wait 1 second and try again.');
    expect(waitMessage(16)).toBe('Too many sign-in attempts. Please wait 16 seconds and try again.');
    expect(waitMessage(900)).toBe('Too many sign-in attempts. Please wait 15 minutes and try again.');
  });
});
