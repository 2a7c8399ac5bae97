/* capture_handoff.c: a test program for mindtrace's cross-thread order: 4 threads each
 * malloc blocks and hand them through one shared ring to whichever thread takes them next,
 * which frees them, 20000 blocks a thread. A block freed by one thread is soon returned by
 * malloc in another (glibc's tcache, jemalloc's thread caches), so a trace whose order
 * between threads is wrong shows an A of an address that is still live. Each thread also
 * keeps a scratch block in thread-specific data whose destructor frees it as the thread
 * exits, after the C library has begun tearing the thread down. Prints a checksum that must
 * not change under the interposer.
 *
 *   capture_handoff [threads [blocks_per_thread]] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define RING 64

static void *ring[RING];
static unsigned head, tail;   /* under lock: head - tail blocks in the ring */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long per_thread = 20000;
static pthread_key_t scratch_key;

static void scratch_free(void *p)
{
    free(p);
}

static void *work(void *arg)
{
    long id = (long)arg, sum = 0;
    pthread_setspecific(scratch_key, malloc(100 + (size_t)id));
    for (long i = 0; i < per_thread; i++) {
        size_t n = 16 + (size_t)(i * 13 + id * 7) % 2000;
        unsigned char *p = malloc(n);
        p[0] = (unsigned char)(i + id);
        pthread_mutex_lock(&lock);
        while (head - tail == RING)
            pthread_cond_wait(&cond, &lock);
        ring[head++ % RING] = p;
        /* take one (often another thread's) once the ring is half full */
        unsigned char *q = NULL;
        if (head - tail > RING / 2)
            q = ring[tail++ % RING];
        pthread_cond_broadcast(&cond);
        pthread_mutex_unlock(&lock);
        if (q) {
            sum += q[0];
            free(q);
        }
    }
    return (void *)sum;
}

int main(int argc, char **argv)
{
    long nt = argc > 1 ? atol(argv[1]) : 4;
    if (argc > 2)
        per_thread = atol(argv[2]);
    if (nt < 1 || nt > 64 || per_thread < 1)
        return 2;
    pthread_t t[64];
    if (pthread_key_create(&scratch_key, scratch_free) != 0)
        return 2;
    long total = 0;
    for (long i = 0; i < nt; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    for (long i = 0; i < nt; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    while (head != tail) {
        unsigned char *q = ring[tail++ % RING];
        total += q[0];
        free(q);
    }
    printf("checksum %ld\n", total);
    return 0;
}
