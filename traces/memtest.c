/* memtest.c: an allocator stress program in the manner of Seager's memtest (the benchmark of
 * the allocator study), written anew.
 *
 *   memtest n_rounds min_bytes max_bytes n_threads
 *
 * Each round makes 1024 malloc calls with sizes drawn uniformly from [min_bytes, max_bytes]
 * by its own generator (a 64-bit LCG, Knuth's MMIX constants, seeded by the round number, so
 * a run is the same whatever the thread count), writes each block (its first and its last
 * byte: enough for the allocator to see the block used, without spending minutes on page
 * faults when blocks are megabytes), then frees all 1024. Rounds are handed to threads round-robin (round r runs on thread
 * r % n_threads); each thread runs its rounds one after another. With n_threads 1 everything
 * runs on the main thread. Prints one summary line; exit 2 on bad arguments, 1 if malloc fails. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMTEST_PER_ROUND 1024

static uint64_t n_rounds, min_bytes, max_bytes;
static unsigned n_threads;

struct memtest_thread {
    pthread_t th;
    unsigned index;
    uint64_t bytes;
    int failed;
};

static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;   /* the high bits: the low bits of an LCG are weak */
}

static void *memtest_worker(void *arg)
{
    struct memtest_thread *t = arg;
    void *blocks[MEMTEST_PER_ROUND];
    uint64_t span = max_bytes - min_bytes + 1;
    for (uint64_t r = t->index; r < n_rounds; r += n_threads) {
        uint64_t s = 0x9e3779b97f4a7c15ull ^ r;
        for (int i = 0; i < MEMTEST_PER_ROUND; i++) {
            uint64_t x = (lcg_next(&s) << 31) ^ lcg_next(&s);
            size_t size = (size_t)(min_bytes + x % span);
            blocks[i] = malloc(size);
            if (!blocks[i]) {
                t->failed = 1;
                for (int j = 0; j < i; j++)
                    free(blocks[j]);
                return NULL;
            }
            ((volatile char *)blocks[i])[0] = (char)r;
            ((volatile char *)blocks[i])[size - 1] = (char)i;
            t->bytes += size;
        }
        for (int i = 0; i < MEMTEST_PER_ROUND; i++)
            free(blocks[i]);
    }
    return NULL;
}

static int parse(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+')
        return -1;
    *v = strtoull(s, &end, 10);
    return (errno || *end) ? -1 : 0;
}

int main(int argc, char **argv)
{
    uint64_t nt;
    if (argc != 5 || parse(argv[1], &n_rounds) || parse(argv[2], &min_bytes) ||
        parse(argv[3], &max_bytes) || parse(argv[4], &nt) || min_bytes == 0 ||
        max_bytes < min_bytes || nt == 0 || nt > 4096) {
        fprintf(stderr, "usage: memtest n_rounds min_bytes max_bytes n_threads\n"
                        "  (decimal; 1 <= min_bytes <= max_bytes; 1 <= n_threads <= 4096)\n");
        return 2;
    }
    n_threads = (unsigned)nt;
    struct memtest_thread *ts = calloc(n_threads, sizeof *ts);
    if (!ts)
        return 1;
    for (unsigned i = 0; i < n_threads; i++)
        ts[i].index = i;
    if (n_threads == 1) {
        memtest_worker(&ts[0]);
    } else {
        for (unsigned i = 0; i < n_threads; i++)
            if (pthread_create(&ts[i].th, NULL, memtest_worker, &ts[i]) != 0) {
                fprintf(stderr, "memtest: cannot create thread %u\n", i);
                return 1;
            }
        for (unsigned i = 0; i < n_threads; i++)
            pthread_join(ts[i].th, NULL);
    }
    uint64_t bytes = 0;
    int failed = 0;
    for (unsigned i = 0; i < n_threads; i++) {
        bytes += ts[i].bytes;
        failed |= ts[i].failed;
    }
    free(ts);
    if (failed) {
        fprintf(stderr, "memtest: malloc failed\n");
        return 1;
    }
    printf("memtest: %" PRIu64 " rounds, %" PRIu64 " mallocs, %" PRIu64 " bytes, %u threads\n",
           n_rounds, n_rounds * MEMTEST_PER_ROUND, bytes, n_threads);
    return 0;
}
