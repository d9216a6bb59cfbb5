/**
 * glibc's malloc settings for the IdP's process. glibc reads GLIBC_TUNABLES once, when the
 * process starts, so they are set in its environment, never from inside: `npm run start:idp`
 * sets them, and so do the README's container and systemd unit and `npm run bench`'s run of ours
 * (this constant is what the tests hold those to).
 *
 * Each argon2id check takes one 19 MiB block (ARGON2_OPTIONS) on a thread of libuv's pool:
 * - arena_max=1: every thread allocates from the one main arena. With glibc's default, every pool
 *   thread that ran a check (or signed a token) gets an arena of its own that keeps what it freed
 *   (~45 MiB more at peak under sign-ins); with two, each arena still kept blocks of its own, idle
 *   while the other's threads ran checks: three checks at once held 6-7 blocks, where one arena
 *   holds 3-4 (test/integration/malloc-tunables.test.ts), and a full bench's peak RSS fell by
 *   ~60 MiB (bench/README.md, "One malloc arena"). The price is one lock for every thread's
 *   allocations beyond its small per-thread cache (tcache: up to 1 KiB, 7 of a size): on 2 cores
 *   a sign-in's CPU stayed about equal, its event loop's 1.01-1.07x, and `perf` counted the same
 *   futex calls on the event loop's thread.
 * - mmap_threshold=32 MiB (above the block, and the ceiling glibc's sliding threshold would reach)
 *   and trim_threshold=128 MiB: without them, with two arenas, the freed block went back to the
 *   kernel and the next check faulted it in again, zeroed page by page: ~500-1,400 page faults and
 *   1-3 ms more CPU a check, ~3 ms (10%) more CPU a full sign-in (`npm run bench:cpu --
 *   --operations sign-in`); with one arena and glibc's sliding thresholds, 4-10% of the checks
 *   (the test's child, not measured in CPU). With them, the block stays in the arena and the next
 *   check reuses it.
 * Both thresholds must be set: setting either one turns off glibc's sliding mmap threshold, and a
 * 19 MiB block is then mapped afresh, or trimmed, on every check (measured: ~4,800 faults a check).
 * Limits (README, "Running in production"): what a burst of checks took stays, and more than
 * 128 MiB of it where freed blocks sit below something still in use; when a free leaves 128 MiB
 * or more free at the arena's top, glibc gives all of that top back (systrim), so past about six
 * checks at once (6 x 19 MiB) blocks are faulted in again now and then (8 at once: 8-9 blocks'
 * worth in 240 checks, about one such trim; two arenas: 18-33).
 * `npm run start:idp` appends an operator's own GLIBC_TUNABLES to these (a later setting wins).
 */
export const MALLOC_TUNABLES = 'glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728';

/** The environment the IdP's process starts with, beyond its configuration. */
export const PRODUCTION_RUNTIME_ENV: Readonly<Record<string, string>> = Object.freeze({ GLIBC_TUNABLES: MALLOC_TUNABLES });
