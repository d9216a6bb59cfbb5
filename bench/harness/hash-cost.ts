/**
 * What one password check costs on this machine: CPU milliseconds of one argon2id verification at
 * our parameters (src/accounts/passwords.ts), one at a time, in the harness's own process before
 * the servers start: the median of a few batches, after a warm-up (the first verifications of a
 * process also pay for page faults on their 19 MiB). A full sign-in costs the server this much
 * plus the rest of the flow; the target is that the rest costs at most 1.1x the
 * baseline's. It varies by about a millisecond from run to run, which is of the order of the rest
 * of a flow: read the difference between the servers first (report.ts notes).
 */
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/accounts/passwords.js';

export async function argon2VerifyCpuMs(batches = 3, perBatch = 10): Promise<number> {
  const password = 'a password of the bench';
  const hash = await argon2.hash(password, ARGON2_OPTIONS);
  for (let n = 0; n < 2; n += 1) await argon2.verify(hash, password);
  const perVerify: number[] = [];
  for (let batch = 0; batch < batches; batch += 1) {
    // process.cpuUsage counts every thread of the process, libuv's pool (where argon2 runs) included.
    const before = process.cpuUsage();
    for (let n = 0; n < perBatch; n += 1) await argon2.verify(hash, password);
    const used = process.cpuUsage(before);
    perVerify.push((used.user + used.system) / 1000 / perBatch);
  }
  return perVerify.sort((a, b) => a - b)[Math.floor(batches / 2)]!;
}
