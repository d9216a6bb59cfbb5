/**
 * What one password check costs on this machine: CPU milliseconds of one argon2id verification at
 * our parameters (src/accounts/passwords.ts), one at a time, in the harness's own process before
 * the servers start. A full sign-in costs the server this much plus the rest of the flow; the
 * issue's target is that the rest costs at most 1.1x the baseline's.
 */
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/accounts/passwords.js';

export async function argon2VerifyCpuMs(samples = 10): Promise<number> {
  const hash = await argon2.hash('a password of the bench', ARGON2_OPTIONS);
  await argon2.verify(hash, 'a password of the bench');
  // process.cpuUsage counts every thread of the process, libuv's pool (where argon2 runs) included.
  const before = process.cpuUsage();
  for (let n = 0; n < samples; n += 1) await argon2.verify(hash, 'a password of the bench');
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / samples;
}
