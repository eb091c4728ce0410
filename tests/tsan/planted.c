/*
 * planted.c — the violations the tsan stage must see before its silence is
 * trusted (built only with EGRET_TSAN=ON; scripts/test.sh runs it first):
 *
 *   planted race     two threads increment one int without a lock, which
 *                    ThreadSanitizer must report (non-zero exit)
 *   planted assert   a false assert(), which must abort: the build keeps
 *                    its assertions (no NDEBUG)
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int shared_counter;

static void *bump(void *arg)
{
    int i;

    (void)arg;
    for (i = 0; i < 1000; i++)
        shared_counter++;
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t a, b;

    if (argc == 2 && strcmp(argv[1], "race") == 0) {
        pthread_create(&a, NULL, bump, NULL);
        pthread_create(&b, NULL, bump, NULL);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        printf("%d\n", shared_counter);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "assert") == 0) {
        assert(argc == 0 && "planted: assertions are compiled in");
        return 0;
    }
    fprintf(stderr, "usage: planted race|assert\n");
    return 2;
}
