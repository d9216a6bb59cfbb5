/**
 * Whether a sign-in still counts (oidc/claims.ts isStillSignedIn): after "end all access" none
 * from before counts; after "end every other session" (a changed second factor) only the kept
 * session's, and its tokens', from before.
 */
import { isStillSignedIn } from '../../src/oidc/claims.js';
import type { AccountRecord } from '../../src/storage/types.js';

const at = (seconds: number) => new Date(seconds * 1000);
const account = (changes: Partial<AccountRecord> = {}): AccountRecord => ({
  id: 'a',
  email: 'a@example.com',
  name: 'A',
  emailVerified: true,
  passwordHash: 'x',
  disabled: false,
  createdAt: at(0),
  updatedAt: at(0),
  ...changes,
});

describe('a sign-in still counts', () => {
  it('unless the account is disabled, or all access ended after it', () => {
    expect(isStillSignedIn(account(), 100, 'uid-1')).toBe(true);
    expect(isStillSignedIn(account({ disabled: true }), 100, 'uid-1')).toBe(false);
    expect(isStillSignedIn(account({ accessEndedAt: at(200) }), 100, 'uid-1')).toBe(false);
    expect(isStillSignedIn(account({ accessEndedAt: at(200) }), 200, 'uid-1')).toBe(true);
  });

  it('after every other session ended, only for the kept session or a sign-in since', () => {
    const ended = account({ otherSessionsEndedAt: at(200), keptSessionUid: 'kept' });
    expect(isStillSignedIn(ended, 100, 'kept')).toBe(true);
    expect(isStillSignedIn(ended, 100, 'stolen')).toBe(false);
    expect(isStillSignedIn(ended, 100, undefined)).toBe(false);
    expect(isStillSignedIn(ended, 200, 'new-session')).toBe(true);
    // '' keeps none: the session that made the change was gone too.
    expect(isStillSignedIn(account({ otherSessionsEndedAt: at(200), keptSessionUid: '' }), 100, 'any-session')).toBe(false);
  });

  it('when the time of the sign-in is not known, as before', () => {
    expect(isStillSignedIn(account({ accessEndedAt: at(200), otherSessionsEndedAt: at(200), keptSessionUid: 'kept' }), undefined, 'other')).toBe(true);
  });
});
