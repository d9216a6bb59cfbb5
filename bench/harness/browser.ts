/**
 * The load generator's HTTP side, on undici (the client Node's own fetch is built on). One
 * connection pool per server under test, kept alive, with as many connections as simulated users
 * run at once; each simulated browser has its own cookie jar (tough-cookie) and its own client
 * address, sent as X-Forwarded-For: each person at their own address, as real traffic is, which
 * our IdP reads because it runs with TRUST_PROXY=true (the baseline ignores the header).
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { CookieJar } from 'tough-cookie';

export interface Answer {
  status: number;
  /** Absolute URL of the Location header, when there is one. */
  location?: string;
  body: string;
}

/** Thrown for an answer a flow did not expect; its message is the error's key in the report. */
export class FlowError extends Error {}

export function expectStatus(answer: Answer, status: number | number[], step: string): Answer {
  if (!([] as number[]).concat(status).includes(answer.status)) throw new FlowError(`HTTP ${answer.status} at ${step}`);
  return answer;
}

export class Target {
  readonly pool: Pool;
  constructor(
    readonly issuer: string,
    connections: number,
  ) {
    this.pool = new Pool(issuer, { connections, pipelining: 1 });
  }

  async send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<Answer & { setCookies: string[] }> {
    const { pathname, search } = new URL(url, this.issuer);
    const answer = await this.pool.request({ method, path: pathname + search, headers, body });
    const text = await answer.body.text();
    const location = answer.headers.location;
    const setCookie = answer.headers['set-cookie'];
    return {
      status: answer.statusCode,
      location: typeof location === 'string' ? new URL(location, url).href : undefined,
      body: text,
      setCookies: setCookie === undefined ? [] : ([] as string[]).concat(setCookie),
    };
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.send('GET', `${this.issuer}${path}`, headers);
  }

  postForm(path: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return this.send('POST', `${this.issuer}${path}`, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, new URLSearchParams(form).toString());
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** An address of its own for each simulated person, at random in 10.0.0.0/8 (16 million of them). */
export function randomAddress(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

export class Browser {
  readonly jar = new CookieJar();
  constructor(
    private readonly target: Target,
    readonly address = randomAddress(),
  ) {}

  async get(url: string): Promise<Answer> {
    return this.send('GET', url);
  }

  /** A form post, with the Origin a browser sends (our IdP refuses cross-origin form posts). */
  async post(url: string, form: Record<string, string>): Promise<Answer> {
    return this.send('POST', url, new URLSearchParams(form).toString());
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<Answer> {
    const cookie = this.jar.getCookieStringSync(url);
    const headers: Record<string, string> = { 'x-forwarded-for': this.address, ...(cookie ? { cookie } : {}) };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', origin: this.target.issuer });
    const { setCookies, ...answer } = await this.target.send(method, url, headers, body);
    for (const setCookie of setCookies) this.jar.setCookieSync(setCookie, url, { ignoreError: true });
    return answer;
  }
}
