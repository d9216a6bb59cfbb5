/**
 * What `npm run bench` measures, one entry per row of its table. `prepare` runs before each
 * measurement, unmeasured (signing people in, making codes and refresh tokens), and returns the
 * operation the simulated users repeat.
 */
import type { IdTokenAlg } from '../fixture.js';
import { Browser, expectStatus, type Target } from './browser.js';
import {
  clientCredentials,
  exchangeCode,
  fullSignIn,
  introspect,
  refresh,
  refreshTokenOf,
  silentCode,
  silentSignIn,
  userinfo,
  type RelyingParty,
} from './flows.js';
import { runLoad, type Operation } from './load.js';
import type { ServerName } from './servers.js';

export interface Subject {
  name: ServerName;
  target: Target;
  rp: Record<IdTokenAlg, RelyingParty>;
  discovery: { grant_types_supported?: string[] };
}

export interface Plan {
  workers: number;
  operation: Operation;
  background?: { workers: number; operation: Operation };
}

export interface BenchSettings {
  secondsPerOperation: number;
  warmupSeconds: number;
  concurrency: number;
}

export interface OperationSpec {
  id: string;
  title: string;
  /** Why the row is not measured (yet), when it isn't. */
  skip?(subjects: Subject[]): string | undefined;
  prepare(subject: Subject, settings: BenchSettings): Promise<Plan>;
}

const get = (path: string, step: string) => async (subject: Subject) => {
  expectStatus(await subject.target.get(path), 200, step);
};

/**
 * `count` results of `make`, one after another: preparing is not measured, and a burst of sign-ins
 * of one account could meet the sign-in throttle, which is not what preparing is about.
 */
async function inTurn<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let n = 0; n < count; n += 1) made.push(await make());
  return made;
}

/** `count` people signed in, each in their own browser, for flows that need a session. */
const signedIn = (rp: RelyingParty, count: number): Promise<Browser[]> => inTurn(count, async () => (await fullSignIn(rp)).browser);

function refreshRow(alg: IdTokenAlg): OperationSpec {
  return {
    id: `refresh-${alg.toLowerCase()}`,
    title: `refresh with rotation, ${alg} ID token`,
    async prepare(subject, { concurrency }) {
      const rp = subject.rp[alg];
      const tokens = await inTurn(concurrency, () => refreshTokenOf(rp));
      return {
        workers: concurrency,
        operation: async (worker) => {
          tokens[worker] = await refresh(rp, tokens[worker]!);
        },
      };
    },
  };
}

async function accessToken(subject: Subject): Promise<string> {
  return (await fullSignIn(subject.rp.RS256)).tokens.access_token;
}

export const OPERATIONS: readonly OperationSpec[] = [
  {
    id: 'discovery',
    title: 'discovery (GET /.well-known/openid-configuration)',
    async prepare(subject, { concurrency }) {
      const discovery = get('/.well-known/openid-configuration', 'discovery');
      return { workers: concurrency, operation: () => discovery(subject) };
    },
  },
  {
    id: 'jwks',
    title: 'JWKS (GET /jwks)',
    async prepare(subject, { concurrency }) {
      const jwks = get('/jwks', 'JWKS');
      return { workers: concurrency, operation: () => jwks(subject) };
    },
  },
  {
    id: 'sign-in',
    title: 'full sign-in (PKCE, login page, password, code, token, ID token verified)',
    async prepare(subject, { concurrency }) {
      return { workers: concurrency, operation: async () => void (await fullSignIn(subject.rp.RS256)) };
    },
  },
  {
    id: 'silent-sso',
    title: 'silent SSO (prompt=none with the session, code, token, ID token verified)',
    async prepare(subject, { concurrency }) {
      const browsers = await signedIn(subject.rp.RS256, concurrency);
      return { workers: concurrency, operation: (worker) => silentSignIn(subject.rp.RS256, browsers[worker]!) };
    },
  },
  {
    id: 'code-exchange',
    title: 'authorization code exchange alone (POST /token)',
    async prepare(subject, { concurrency, secondsPerOperation, warmupSeconds }) {
      // Codes live 60 s: made just before, used oldest first, so none is older than the longer of
      // making them and using them. Made for 1.5x the measurement: exchanging is usually faster
      // than making (a measurement that runs out closes early, and says how long it ran).
      const rp = subject.rp.RS256;
      const browsers = await signedIn(rp, concurrency);
      const codes: { code: string; verifier: string }[] = [];
      await runLoad({
        workers: concurrency,
        warmupSeconds: 0,
        seconds: Math.min(40, 1.5 * (secondsPerOperation + warmupSeconds)),
        operation: async (worker) => void codes.push(await silentCode(rp, browsers[worker]!)),
      });
      let next = 0;
      return {
        workers: concurrency,
        operation: async () => {
          const prepared = codes[next++];
          if (!prepared) return 'exhausted';
          await exchangeCode(rp, prepared.code, prepared.verifier);
        },
      };
    },
  },
  refreshRow('RS256'),
  refreshRow('ES256'),
  {
    id: 'client-credentials',
    title: 'client_credentials (POST /token)',
    // Both offer it (features.clientCredentials, BENCH_RESOURCE in bench/fixture.ts); a server
    // whose discovery stops listing it gets a skipped row that says so, not a row of errors.
    skip(subjects) {
      const without = subjects.filter((s) => !s.discovery.grant_types_supported?.includes('client_credentials')).map((s) => s.name);
      if (without.length === 0) return undefined;
      return `skipped: ${without.join(' and ')} ${without.length > 1 ? 'do' : 'does'} not offer the grant (discovery's grant_types_supported).`;
    },
    async prepare(subject, { concurrency }) {
      return { workers: concurrency, operation: () => clientCredentials(subject.rp.RS256) };
    },
  },
  {
    id: 'introspection',
    title: "introspection (POST /token/introspection, the client's own access token)",
    async prepare(subject, { concurrency }) {
      const token = await accessToken(subject);
      return { workers: concurrency, operation: () => introspect(subject.rp.RS256, token) };
    },
  },
  {
    id: 'userinfo',
    title: 'userinfo (GET /me, Bearer access token)',
    async prepare(subject, { concurrency }) {
      const token = await accessToken(subject);
      return { workers: concurrency, operation: () => userinfo(subject.rp.RS256, token) };
    },
  },
  {
    id: 'discovery-under-sign-ins',
    title: 'discovery, one at a time, while full sign-ins run',
    async prepare(subject, { concurrency }) {
      const discovery = get('/.well-known/openid-configuration', 'discovery');
      return {
        workers: 1,
        operation: () => discovery(subject),
        background: { workers: concurrency, operation: async () => void (await fullSignIn(subject.rp.RS256)) },
      };
    },
  },
];

export const OPERATION_IDS = OPERATIONS.map((operation) => operation.id);
