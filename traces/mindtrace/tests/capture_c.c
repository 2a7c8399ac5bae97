/* capture_c.c: a test program for mindtrace: 4 threads x 1000 malloc/free pairs plus one of
 * each other C allocation call, then a fork whose child does 100 mallocs and _exits. Prints
 * a checksum that must not change under the interposer. With an argument it also calls
 * pvalloc (glibc only: jemalloc, tcmalloc and mimalloc have no pvalloc, so the block would come
 * from glibc and be freed by the other allocator). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg)
{
    long sum = 0, id = (long)arg;
    for (int i = 0; i < 1000; i++) {
        char *p = malloc(16 + (size_t)(i * 7 + id) % 4000);
        p[0] = (char)i;
        sum += p[0];
        free(p);
    }
    return (void *)sum;
}

int main(int argc, char **argv)
{
    pthread_t t[4];
    long total = 0;
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        total += (long)r;
    }
    void *a = calloc(10, 10), *b = realloc(NULL, 50), *d, *e = aligned_alloc(64, 128);
    b = realloc(b, 5000);
    posix_memalign(&d, 256, 300);
    void *f = memalign(128, 64), *g = valloc(100), *h = argc > 1 ? pvalloc(100) : NULL;
    (void)argv;
    free(a); free(b); free(d); free(e); free(f); free(g); free(h);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 100; i++)
            free(malloc(100));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("checksum %ld\n", total);
    return 0;
}
