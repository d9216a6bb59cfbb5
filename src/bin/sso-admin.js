#!/usr/bin/env node
// The installed `sso-admin` command: runs the TypeScript admin CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./admin.ts');
