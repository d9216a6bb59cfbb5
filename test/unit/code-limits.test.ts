import { CODE_FAILURES_FREE_PER_ACCOUNT, createCodeLimits } from '../../src/mfa/code-limits.js';
import { createMemoryStorage } from '../../src/storage/memory/index.js';

/** One code attempt on its own sign-in page (so only the account's counter is shared). */
async function attempt(limits: ReturnType<typeof createCodeLimits>, page: number, outcome: 'failed' | 'succeeded') {
  const admission = await limits.admit('account-1', `page-${page}`);
  if (!admission.admitted) return 'paused';
  await admission.settle(outcome);
  return 'admitted';
}

describe('second-factor code limits per account', () => {
  it('pause after the free failures, however many sign-in pages the guesses are spread over', async () => {
    const storage = createMemoryStorage();
    const limits = createCodeLimits(storage);
    for (let n = 0; n < CODE_FAILURES_FREE_PER_ACCOUNT; n += 1) expect(await attempt(limits, n, 'failed')).toBe('admitted');
    expect(await attempt(limits, 100, 'failed')).toBe('admitted'); // the one attempt a pause lets through
    expect(await attempt(limits, 101, 'failed')).toBe('paused');
    await storage.close();
  });

  it('forget earlier typos once the person enters a correct code', async () => {
    const storage = createMemoryStorage();
    const limits = createCodeLimits(storage);
    for (let n = 0; n < CODE_FAILURES_FREE_PER_ACCOUNT - 1; n += 1) await attempt(limits, n, 'failed');
    expect(await attempt(limits, 50, 'succeeded')).toBe('admitted');
    for (let n = 0; n < CODE_FAILURES_FREE_PER_ACCOUNT; n += 1) expect(await attempt(limits, 60 + n, 'failed')).toBe('admitted');
    await storage.close();
  });
});
