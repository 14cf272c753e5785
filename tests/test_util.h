/*
 * test_util.h - the minimal assertion kit of the C tests. A failed CHECK prints the file, line and
 * expression and marks the test failed; the test's main returns test_finish(), which is non-zero
 * when anything failed, so meson counts it.
 */
#ifndef STOFFEL_TEST_UTIL_H
#define STOFFEL_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_failures;
static int test_checks;

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        test_checks++;                                                                     \
        if (!(cond)) {                                                                     \
            test_failures++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);       \
        }                                                                                  \
    } while (0)

#define CHECK_MSG(cond, ...)                                                               \
    do {                                                                                   \
        test_checks++;                                                                     \
        if (!(cond)) {                                                                     \
            test_failures++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fputc('\n', stderr);                                                           \
        }                                                                                  \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                 \
    do {                                                                                   \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
        CHECK_MSG(check_a_ == check_b_, "%lld != %lld", check_a_, check_b_);               \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                 \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        CHECK_MSG(check_a_ && check_b_ && strcmp(check_a_, check_b_) == 0,                 \
                  "\"%s\" != \"%s\"", check_a_ ? check_a_ : "(null)",                      \
                  check_b_ ? check_b_ : "(null)");                                         \
    } while (0)

static inline int test_finish(void)
{
    if (test_checks == 0) {
        fprintf(stderr, "no checks ran: a test that checks nothing cannot pass\n");
        return 1;
    }
    fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#endif
