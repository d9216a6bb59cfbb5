import { resourceHost } from '../../src/http/webfinger.js';

describe('resourceHost', () => {
  it('reads the host of acct: and https: resources', () => {
    expect(resourceHost('acct:alice@Example.com')).toBe('example.com');
    expect(resourceHost('acct:first.last@sub.example.com')).toBe('sub.example.com');
    expect(resourceHost('https://example.com:8443/joe')).toBe('example.com:8443');
  });

  it('refuses what is not an acct: or https: resource of some host', () => {
    for (const resource of ['acct:alice', 'acct:@example.com', 'acct:a@exa mple.com', 'http://example.com/joe', 'mailto:a@example.com', 'example.com']) {
      expect(resourceHost(resource)).toBeUndefined();
    }
  });
});
