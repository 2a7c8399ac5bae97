/* test_sha256: the SHA-256 examples of FIPS 180-4 (NIST's example values: "abc", the empty
 * message, the 448- and 896-bit messages, one million 'a'), fed whole and in uneven pieces
 * across block boundaries; a file's digest; a file that cannot be read. */
#include <stdlib.h>
#include <unistd.h>

#include "traces/lib/sha256.h"
#include "tests/unit/ms_test.h"

static void check_digest(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want)) {
        fprintf(stderr, "%s: %s, want %s\n", what, got, want);
        ms_test_failures++;
    }
}

/* `msg` fed in pieces of 1, 2, 3, ... bytes (cycling up to `step`), then whole. */
static void vector(const char *msg, size_t len, const char *want)
{
    char hex[65];
    for (size_t step = 1; step <= 70; step += 23) {
        struct ms_sha256 s;
        ms_sha256_init(&s);
        size_t k = 1;
        for (size_t off = 0; off < len;) {
            size_t n = k < len - off ? k : len - off;
            ms_sha256_update(&s, msg + off, n);
            off += n;
            k = k % step + 1;
        }
        ms_sha256_hex(&s, hex);
        check_digest("pieces", hex, want);
    }
    struct ms_sha256 s;
    ms_sha256_init(&s);
    ms_sha256_update(&s, msg, len);
    ms_sha256_hex(&s, hex);
    check_digest("whole", hex, want);
}

int main(void)
{
    vector("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vector("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    vector(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    vector(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    vector(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

    /* the same million bytes through a file */
    char path[] = "/tmp/test_sha256.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0 && write(fd, million, 1000000) == 1000000);
    close(fd);
    char hex[65];
    struct ms_err err = {0};
    CHECK(ms_sha256_file(path, hex, &err) == 0);
    check_digest("file", hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    unlink(path);
    CHECK(ms_sha256_file(path, hex, &err) == -1);
    CHECK_STR_CONTAINS(err.msg, "cannot read: No such file or directory");
    CHECK_STR_CONTAINS(err.msg, path);
    free(million);
    TEST_DONE();
}
