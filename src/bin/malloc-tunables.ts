/**
 * glibc's malloc settings for the IdP's process. glibc reads GLIBC_TUNABLES once, when the
 * process starts, so they are set in its environment, never from inside: `npm run start:idp`
 * sets them, and so do the README's container and systemd unit and `npm run bench`'s run of ours
 * (this constant is what the tests hold those to).
 *
 * Each argon2id check takes one 19 MiB block (ARGON2_OPTIONS) on a thread of libuv's pool:
 * - arena_max=2: otherwise every pool thread that ran a check (or signed a token) gets a malloc
 *   arena of its own that keeps what it freed: ~40 MiB more at peak under sign-ins;
 * - mmap_threshold=32 MiB (glibc's largest) and trim_threshold=128 MiB: with the cap alone, the
 *   freed block went back to the kernel and the next check faulted it in again, zeroed page by
 *   page: ~500-1,400 page faults and 1-3 ms more CPU a check, ~3 ms (10%) more CPU a full sign-in
 *   (`npm run bench:cpu -- --operations sign-in`). With them, the block stays in its arena and the
 *   next check reuses it: the peak is the same as with the cap alone.
 * Both thresholds must be set: setting either one turns off glibc's sliding mmap threshold, and a
 * 19 MiB block is then mapped afresh, or trimmed, on every check (measured: ~4,800 faults a check).
 * Limits (README, "Running in production"): memory a burst of checks took stays (bounded by the
 * trim threshold and the arenas' 64 MiB heaps), and past about three checks at once per arena the
 * second arena's heaps are emptied and mapped again, so the saving shrinks on machines of 4+ cores.
 * `npm run start:idp` appends an operator's own GLIBC_TUNABLES to these (a later setting wins).
 */
export const MALLOC_TUNABLES = 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728';

/** The environment the IdP's process starts with, beyond its configuration. */
export const PRODUCTION_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({ GLIBC_TUNABLES: MALLOC_TUNABLES });
