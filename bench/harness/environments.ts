/**
 * How each server of a bench run is started (bench/run.ts, bench/cpu-per-request.ts).
 */
import { randomBytes } from 'node:crypto';
import { BASELINE_HEADERS_ENV, CLIENT_SECRET_ENV, SEED_ENV, benchSeed } from '../fixture.js';
import type { ServerName } from './servers.js';

/** The same database server, a database of the bench's own: the URI's database name is replaced. */
function throwawayDatabase(uri: string): string {
  const name = `idp_bench_${randomBytes(6).toString('hex')}`;
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/, `$1/${name}`);
}

/**
 * How each server runs. Ours: development mode, because production refuses the in-memory store and
 * an http issuer; TRUST_PROXY so that X-Forwarded-For gives each simulated person their own address
 * (every per-address limit stays at its default). Log level is production's default (info),
 * written to /dev/null. Nothing is turned off and the hash cost is the shipped one. The seed goes
 * to ours as JSON (bench/our-idp.mjs runs the compiled IdP and can't import bench/fixture.ts).
 */
export function environments(settings: { baselineHeaders?: boolean; mongodbUri?: string }, secret: string): Record<ServerName, Record<string, string>> {
  return {
    baseline: { NODE_ENV: 'development', [CLIENT_SECRET_ENV]: secret, ...(settings.baselineHeaders ? { [BASELINE_HEADERS_ENV]: '1' } : {}) },
    ours: {
      NODE_ENV: 'development',
      TRUST_PROXY: 'true',
      [SEED_ENV]: JSON.stringify(benchSeed(secret)),
      ...(settings.mongodbUri ? { MONGODB_URI: throwawayDatabase(settings.mongodbUri) } : {}),
    },
  };
}

