/**
 * `npm run build`'s last step: every page in views/ compiled to a standalone CommonJS function in
 * dist/views/<name>.cjs (pug's runtime helpers inlined), which src/http/views.ts loads in the built
 * IdP instead of compiling templates at run time. So the production process never loads pug's
 * compiler: pug and @babel/parser/@babel/types cost ~20 MiB of resident memory (issue 10's
 * peak-RSS target) and their parsing time at the first render of each page.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pug from 'pug';
import { COMPILED_VIEWS_DIR, VIEWS_DIR } from '../http/views.js';

const pages = readdirSync(VIEWS_DIR).filter((file) => file.endsWith('.pug'));
mkdirSync(COMPILED_VIEWS_DIR, { recursive: true });
for (const page of pages) {
  const source = pug.compileFileClient(path.join(VIEWS_DIR, page), { basedir: VIEWS_DIR, name: 'template', inlineRuntimeFunctions: true, compileDebug: false });
  writeFileSync(path.join(COMPILED_VIEWS_DIR, page.replace(/\.pug$/, '.cjs')), `'use strict';\n${source}\nmodule.exports = template;\n`);
}
console.log(`compiled ${pages.length} views into ${path.relative(process.cwd(), COMPILED_VIEWS_DIR)}/`);
