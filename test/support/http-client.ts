/**
 * A minimal browser stand-in for integration tests: a cookie jar, no automatic redirects,
 * `*.localhost` resolved to loopback, and form posts that carry an Origin like a browser's.
 */
import { CookieJar } from 'tough-cookie';
import { createLoopbackFetch, type FetchFunction } from '../../src/http/loopback-resolver.js';

export interface Reply {
  url: string;
  status: number;
  location?: string;
  headers: Headers;
  body: string;
}

export class HttpClient {
  /**
   * Pass another client's jar to carry its cookies over fresh connections (after a restart);
   * `headers` to send on every request (X-Forwarded-For: a browser at another address, behind an
   * IdP with TRUST_PROXY); `fetch` to put something between the browser and the servers (a TLS
   * proxy stand-in).
   */
  constructor(
    readonly jar = new CookieJar(),
    private readonly headers: Record<string, string> = {},
    private readonly fetch: FetchFunction = createLoopbackFetch(),
  ) {}

  /** A browser at `address`, as the IdP's trusted proxy reports it. */
  static at(address: string): HttpClient {
    return new HttpClient(new CookieJar(), { 'x-forwarded-for': address });
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(url, { method: 'GET', headers });
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  /**
   * Follows redirects until a non-redirect answer or until `stop` says to stop at a URL. Like a
   * browser with JavaScript, it also submits oidc-provider's self-submitting forms (the page it
   * shows while ending the previous session when someone switches accounts).
   */
  async follow(first: Reply, stop: (url: string) => boolean = () => false): Promise<Reply> {
    let reply = first;
    for (let hops = 0; hops < 20; hops += 1) {
      if (reply.location) {
        if (stop(reply.location)) return reply;
        reply = await this.get(reply.location);
      } else if (reply.body.includes('document.forms[0].submit()')) {
        const { action, fields } = parseForm(reply.body);
        reply = await this.post(new URL(action, reply.url).href, fields);
      } else {
        return reply;
      }
    }
    return reply;
  }

  async cookies(url: string): Promise<string[]> {
    return (await this.jar.getCookies(url)).map((c) => c.key);
  }

  private async send(url: string, init: RequestInit & { headers: Record<string, string> }): Promise<Reply> {
    const cookie = await this.jar.getCookieString(url);
    const response = await this.fetch(url, { ...init, redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...this.headers, ...init.headers } });
    for (const setCookie of response.headers.getSetCookie()) await this.jar.setCookie(setCookie, url, { ignoreError: true });
    const location = response.headers.get('location');
    return {
      url,
      status: response.status,
      location: location ? new URL(location, url).href : undefined,
      headers: response.headers,
      body: await response.text(),
    };
  }
}

/** The uid in a /interaction/<uid> URL. */
export function interactionUid(url: string): string {
  const match = /\/interaction\/([^/?#]+)/.exec(url);
  if (!match?.[1]) throw new Error(`not an interaction URL: ${url}`);
  return match[1];
}

/** The first form of a page: its action and hidden fields. */
export function parseForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error('no form on the page');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[match[1]!] = match[2]!;
  }
  return { action: action.replace(/&amp;/g, '&'), fields };
}
