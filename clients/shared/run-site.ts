/**
 * How a sample site runs on its own (`npm run site-a`, `npm run site-b`): settings, then its state
 * (memory, or MongoDB with its indexes built), then the server; SIGINT/SIGTERM stop it cleanly and
 * a start-up failure (a refused setting, an unreachable database) prints why and exits 1.
 */
import type Koa from 'koa';
import { runMain } from '../../src/bin/run-main.js';
import { listen } from '../../src/http/listen.js';
import { createLoopbackFetch } from '../../src/http/loopback-resolver.js';
import type { ParserRefusals } from '../../src/http/parser-refusals.js';
import type { FetchFunction } from './relying-party.js';
import type { SiteConfig } from './site-config.js';
import type { StateHolder } from './state/site-state.js';

export interface RunnableSite<Config extends SiteConfig, State extends StateHolder> {
  name: string;
  loadConfig(): Config;
  openState(config: Config): Promise<State>;
  create(config: Config, options: { state: State; fetch?: FetchFunction }): { app: Koa; refusals: ParserRefusals };
}

export function runSite<Config extends SiteConfig, State extends StateHolder>(site: RunnableSite<Config, State>): void {
  runMain(async () => {
    const config = site.loadConfig();
    const state = await site.openState(config);
    // Loopback names (*.localhost) only matter for the demo; a real IdP resolves through DNS.
    const { app, refusals } = site.create(config, { state, ...(config.allowInsecureHttp ? { fetch: createLoopbackFetch() } : {}) });
    const server = await listen(app.callback(), config.port, config.host, { refusals });
    console.log(`${site.name}: ${config.siteUrl} (issuer ${config.issuer}, client ${config.clientId}, state in ${state.kind})`);
    return { servers: [server], stop: () => state.close() };
  });
}
