import { HttpClient } from '../support/http-client.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * What a person sees at a sample site when nothing answers, or a form came from elsewhere: the
 * site's own error page, not Koa's plain text (found by the fuzz test, test/integration/fuzz.test.ts).
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack.stop();
});

const sites = () => [stack.siteA.url, stack.siteB.url];

describe('a sample site', () => {
  it('answers an unknown address with its 404 page, and a program that asks with JSON', async () => {
    for (const site of sites()) {
      const page = await new HttpClient().get(`${site}/no-such-page`, { accept: 'text/html' });
      expect(page.status).toBe(404);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.body).toContain('Page not found');
      const api = await new HttpClient().get(`${site}/no-such-page`, { accept: 'application/json' });
      expect(JSON.parse(api.body)).toMatchObject({ error: 'not_found' });
    }
  });

  it('answers a method an address does not take with its page and Allow', async () => {
    for (const site of sites()) {
      const page = await new HttpClient().get(`${site}/logout`, { accept: 'text/html' });
      expect(page.status).toBe(405);
      expect(page.headers.get('allow')).toBe('POST');
      expect(page.body).toContain('This page cannot be opened this way');
    }
  });

  it('refuses a sign-out form posted from another origin with its error page', async () => {
    for (const site of sites()) {
      const reply = await new HttpClient().post(`${site}/logout`, {}, { origin: 'http://evil.localhost' });
      expect(reply.status).toBe(403);
      expect(reply.headers.get('content-type')).toMatch(/^text\/html/);
      expect(reply.body).toContain('This form was sent from another site, so it was refused.');
      expect(reply.location).toBeUndefined();
    }
  });
});
