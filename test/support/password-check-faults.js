/**
 * Child process of test/integration/malloc-tunables.test.ts: argon2id checks at the IdP's
 * concurrency (argv[3] at once, with argv[2]'s options), printing the page faults (/proc minflt)
 * of argv[4] checks once the first checks have warmed the allocator, and the most memory the
 * checks held at once (peak RSS over the RSS before the first check). Plain JavaScript run by
 * plain node, as the IdP runs, so glibc reads the environment the test gives it.
 */
import { readFileSync } from 'node:fs';
import argon2 from 'argon2';

const options = JSON.parse(process.argv[2]);
const concurrency = Number(process.argv[3]);
const checks = Number(process.argv[4]);
const password = 'correct horse battery staple';

/** A field of /proc/self/status in KiB (VmRSS: resident now; VmHWM: the most resident so far). */
function statusKib(field) {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))[1]);
}

const residentBefore = statusKib('VmRSS');
const hash = await argon2.hash(password, options);

/** Minor page faults of this process so far: /proc/self/stat's field 10 (minflt). */
function faults() {
  return Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
}

async function run(count) {
  let left = count;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (left > 0) {
      left -= 1;
      if (!(await argon2.verify(hash, password))) throw new Error('the password did not verify');
    }
  }));
}

await run(concurrency * 10);
const before = faults();
await run(checks);
console.log(JSON.stringify({ faults: faults() - before, heldKib: statusKib('VmHWM') - residentBefore }));
