/** What each permission means, in words for the consent page. */
const SCOPE_TEXT: Record<string, string> = {
  openid: 'Know who you are (a stable identifier, not your email)',
  profile: 'See your name',
  email: 'See your email address and whether it is verified',
  offline_access: 'Stay connected to your account while you are away',
};

const CLAIM_TEXT: Record<string, string> = {
  name: 'your full name',
  given_name: 'your first name',
  family_name: 'your last name',
  email: 'your email address',
  email_verified: 'whether your email address is verified',
  updated_at: 'when your profile last changed',
};

export function describeScope(scope: string): string {
  return SCOPE_TEXT[scope] ?? `Use the permission "${scope}"`;
}

export function describeClaim(claim: string): string {
  return CLAIM_TEXT[claim] ?? claim;
}
