/**
 * A sample site stopped and started again with other parts (its state, its fetch), on the server
 * and port the test stack gave it: a fresh process, as far as the site can tell (no JWKS or
 * discovery cached, the state it is given).
 */
import { createSiteA } from '../../clients/site-a/app.js';
import { createSiteB } from '../../clients/site-b/app.js';
import type { Stack } from './stack.js';

export function a(stack: Stack, parts: Parameters<typeof createSiteA>[1]) {
  const site = createSiteA(stack.siteA.config, parts);
  stack.siteA.server.removeAllListeners('request');
  stack.siteA.server.on('request', site.app.callback());
  return site;
}

export function b(stack: Stack, parts: Parameters<typeof createSiteB>[1]) {
  const site = createSiteB(stack.siteB.config, parts);
  stack.siteB.server.removeAllListeners('request');
  stack.siteB.server.on('request', site.app.callback());
  return site;
}
