/**
 * V8 flags of the collections process: the server (`npm start`'s, and k8s/base/collections.yaml's), and the
 * `ratel` CLI (package.json's `ratel` script) that runs `payments import`.
 *
 * A larger young generation. A statement import keeps two batches of payments in flight (their parsed
 * entries, matching state and rows) while the parser allocates the next; with V8's default 16 MB semi-space
 * every scavenge copied those survivors again, about 300 scavenges per 100,000 entries. With 64 MB, a quarter
 * as many. Measured with the matching bench at 1M entries, twice, the default and this alternated: import
 * 99.2 -> 90.9 s and 95.1 -> 88.5 s, node's CPU 71.5 -> 60.6 s and 69.0 -> 58.1 s (load-tests/RESULTS.md,
 * "Matching: array parameters as text, a larger young generation"), with batches of 500. Batches of 2,000
 * (APPLY_BATCH_MAX) survive four times as much: at 1M, 64 MB took node 38.9 CPU s and 128 MB 31.9 s, runs 18
 * minutes apart (RESULTS.md, "Matching: 2,000 payments a batch"). The heap grows by at most 3 x 112 MB more than with the default (two
 * semi-spaces and the promotion room); k8s/base/collections.yaml's memory limit allows for it.
 */
export const COLLECTIONS_V8_FLAGS: readonly string[] = ['--max-semi-space-size=128'];
