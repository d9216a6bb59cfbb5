#!/usr/bin/env node
// The installed `sso-admin` command. In a checkout with its development dependencies it runs the
// TypeScript admin CLI through tsx's loader, so it never runs a stale build. A production install
// (`npm ci --omit=dev`) has no tsx: there it runs the compiled CLI that `npm run build` put in
// dist/ (the same as `node dist/bin/admin.js`).
let tsx;
try {
  tsx = await import('tsx/esm/api');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
}

if (tsx) {
  tsx.register();
  await import('./admin.ts');
} else {
  await import('../../dist/bin/admin.js');
}
