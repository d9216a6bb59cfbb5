import { createSlots } from '../../src/accounts/password-check-slots.js';
import { AppError } from '../../src/errors.js';
import { waitMessage } from '../../src/interactions/router.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';
import { createAttemptGate, delayFor, type AttemptGate, type GateRule } from '../../src/throttling/attempt-gate.js';
import { sourceKey } from '../../src/throttling/source-address.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('attempt gate', () => {
  const rule: GateRule = { name: 'test', freeAttempts: 2, windowSeconds: 60, baseDelaySeconds: 1, maxDelaySeconds: 8 };
  /** One attempt through the gate that ends as `outcome`; the seconds to wait when refused, else 0. */
  async function attempt(gate: AttemptGate, key: string, outcome: 'failed' | 'succeeded' = 'failed'): Promise<number> {
    const entry = await gate.enter(key);
    if (!entry.admitted) return entry.retryAfterSeconds;
    await entry.pass.done(outcome);
    return 0;
  }

  /** `count` attempts at once, each check taking 20 ms and ending as `outcome`; which were let through. */
  const burst = (gate: AttemptGate, count: number, outcome: 'failed' | 'succeeded') =>
    Promise.all(
      Array.from({ length: count }, async () => {
        const entry = await gate.enter('k');
        if (entry.admitted) {
          await sleep(20); // the password check
          await entry.pass.done(outcome);
        }
        return entry.admitted;
      }),
    );

  it('doubles the pause with every failure beyond the free ones, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((excess) => delayFor(rule, excess))).toEqual([1, 2, 4, 8, 8, 8, 8]);
  });

  it('lets the free failures through, then one attempt per pause, each failure doubling the next pause', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    expect([await attempt(gate, 'k'), await attempt(gate, 'k'), await attempt(gate, 'k')]).toEqual([0, 0, 0]);
    expect(await attempt(gate, 'k')).toBe(1); // within the 1 s pause opened by the third
    await sleep(1100);
    expect(await attempt(gate, 'k')).toBe(0); // the fourth failure: the next pause is 2 s
    expect(await attempt(gate, 'k')).toBe(2);
  });

  it('never counts a correct password: any number of successes, one after another or at once', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    for (let n = 0; n < 10; n += 1) expect(await attempt(gate, 'k', 'succeeded')).toBe(0);
    const together = await Promise.all(Array.from({ length: 16 }, () => attempt(gate, 'k', 'succeeded')));
    expect(together).toEqual(Array(16).fill(0));
  });

  it('lets a burst of concurrent guesses have no more checks than the free failures and one turn', async () => {
    const entries = await burst(createAttemptGate(createMemoryStorage(), rule), 12, 'failed');
    expect(entries.filter(Boolean)).toHaveLength(3);
  });

  it('lets the waiting attempts of a burst through when the checks in flight succeed', async () => {
    const entries = await burst(createAttemptGate(createMemoryStorage(), rule), 6, 'succeeded');
    expect(entries).toEqual(Array(6).fill(true));
  });

  it('keeps keys apart, and forgets everything on clear', async () => {
    const gate = createAttemptGate(createMemoryStorage(), rule);
    for (let n = 0; n < 4; n += 1) await attempt(gate, 'a');
    expect(await attempt(gate, 'b')).toBe(0);
    expect(await attempt(gate, 'a')).toBeGreaterThan(0);
    await gate.clear('a');
    expect(await attempt(gate, 'a')).toBe(0);
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
