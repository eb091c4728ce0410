/*
 * password_policy.c — length and common-password rules for new passwords.
 *
 * The common list is compiled into the binary (eg_embedded_passwords). It is
 * read once, on first use, into a sorted array of pointers into the
 * embedded text, and searched with bsearch; the list is small (under a few
 * thousand lines), so this costs well under a millisecond once.
 */
#include "auth/password_policy.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/embedded.h"
#include "core/ident.h"

#define COMMON_MAX   8192 /* entries at most; the rest of a longer list is ignored */
#define WORD_MAX_LEN 128  /* longer lines are not passwords anyone picks by habit */

static char common_words[COMMON_MAX][WORD_MAX_LEN];
static const char *common_sorted[COMMON_MAX];
static size_t common_count;
static pthread_once_t common_once = PTHREAD_ONCE_INIT;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Split the embedded list into lower-case words, skipping comments. */
static void common_load(void)
{
    const char *p = eg_embedded_passwords[0].data;
    if (!p)
        return;
    while (*p && common_count < COMMON_MAX) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > 0 && n < WORD_MAX_LEN && p[0] != '#') {
            char *w = common_words[common_count];
            for (size_t i = 0; i < n; i++)
                w[i] = (char)tolower((unsigned char)p[i]);
            w[n] = '\0';
            common_sorted[common_count] = w;
            common_count++;
        }
        if (!end)
            break;
        p = end + 1;
    }
    qsort(common_sorted, common_count, sizeof common_sorted[0], cmp_str);
}

int eg_password_is_common(const char *word)
{
    char low[WORD_MAX_LEN];
    size_t n = word ? strlen(word) : 0;
    if (n == 0 || n >= WORD_MAX_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)word[i]);
    low[n] = '\0';
    pthread_once(&common_once, common_load);
    const char *key = low;
    return bsearch(&key, common_sorted, common_count, sizeof common_sorted[0], cmp_str) != NULL;
}

/* Unicode code points in valid UTF-8 s of n bytes. */
static size_t code_points(const char *s, size_t n)
{
    size_t cp = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            cp++;
    return cp;
}

/* Whether every byte of s is the same. */
static int one_char_repeated(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[0])
            return 0;
    return 1;
}

enum eg_status eg_password_policy_check(const char *password, const char *login)
{
    char stem[WORD_MAX_LEN];
    size_t n = password ? strlen(password) : 0;
    if (n == 0 || n > EG_PASSWORD_MAX || !eg_utf8_valid(password, n))
        return EG_E_INVALID_FIELD;
    if (code_points(password, n) < EG_PASSWORD_MIN)
        return EG_E_INVALID_FIELD;
    if (one_char_repeated(password, n) || eg_password_is_common(password))
        return EG_E_WEAK_PASSWORD;
    if (login && *login && strcasecmp(password, login) == 0)
        return EG_E_WEAK_PASSWORD;
    /* "Password2026!" is "password" with a year and a mark: still common. */
    if (n < WORD_MAX_LEN) {
        size_t k = n;
        while (k > 0 && !isalpha((unsigned char)password[k - 1]) &&
               (unsigned char)password[k - 1] < 0x80)
            k--;
        if (k > 0 && k < n) {
            memcpy(stem, password, k);
            stem[k] = '\0';
            if (eg_password_is_common(stem))
                return EG_E_WEAK_PASSWORD;
        }
    }
    return EG_OK;
}
