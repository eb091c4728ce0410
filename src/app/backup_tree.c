/* backup_tree.c — file trees for backups (see backup_tree.h). */
#include "app/backup_tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_CAP 1024

/* Copy one regular file with its permission bits, then fsync it. */
static int copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
    if (out < 0) {
        close(in);
        return -1;
    }
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -1;
            break;
        }
    if (n < 0 || fsync(out) != 0)
        rc = -1;
    int saved = errno;
    close(in);
    if (close(out) != 0)
        rc = -1;
    errno = saved;
    return rc;
}

static long copy_dir(const char *src, const char *dst, const char *skip, char *failed)
{
    DIR *d = opendir(src);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    long copied = 0;
    struct dirent *e;
    char from[PATH_CAP], to[PATH_CAP];
    struct stat sb;
    if (mkdir(dst, 0700) != 0 && errno != EEXIST) {
        snprintf(failed, PATH_CAP, "%s", dst);
        closedir(d);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (skip && strcmp(e->d_name, skip) == 0)
            continue;
        if ((size_t)snprintf(from, sizeof from, "%s/%s", src, e->d_name) >= sizeof from ||
            (size_t)snprintf(to, sizeof to, "%s/%s", dst, e->d_name) >= sizeof to) {
            errno = ENAMETOOLONG;
            copied = -1;
        } else if (lstat(from, &sb) != 0) {
            copied = -1;
        } else if (S_ISDIR(sb.st_mode)) {
            long n = copy_dir(from, to, NULL, failed);
            copied = n < 0 ? -1 : copied + n;
        } else if (S_ISREG(sb.st_mode)) {
            if (copy_file(from, to, sb.st_mode) == 0)
                copied++;
            else
                copied = -1;
        }
        if (copied < 0) {
            if (failed[0] == '\0')
                snprintf(failed, PATH_CAP, "%s", from);
            break;
        }
    }
    closedir(d);
    return copied;
}

long eg_backup_tree_copy(const char *src, const char *dst, const char *skip, char *path)
{
    path[0] = '\0';
    return copy_dir(src, dst, skip, path);
}

struct list {
    char **v;
    size_t n, cap;
};

static int list_add(struct list *l, const char *prefix, const char *rel)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    size_t len = strlen(prefix) + strlen(rel) + 1;
    char *s = malloc(len);
    if (!s)
        return -1;
    snprintf(s, len, "%s%s", prefix, rel);
    l->v[l->n++] = s;
    return 0;
}

static int list_dir(const char *root, const char *rel, struct list *l)
{
    char dir[PATH_CAP], child[PATH_CAP], full[PATH_CAP];
    if ((size_t)snprintf(dir, sizeof dir, "%s%s%s", root, rel[0] ? "/" : "", rel) >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int rc = 0;
    struct stat sb;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((size_t)snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) >=
                sizeof child ||
            (size_t)snprintf(full, sizeof full, "%s/%s", root, child) >= sizeof full) {
            errno = ENAMETOOLONG;
            rc = -1;
        } else if (lstat(full, &sb) != 0) {
            rc = -1;
        } else if (S_ISDIR(sb.st_mode)) {
            rc = list_dir(root, child, l);
        } else {
            rc = list_add(l, S_ISREG(sb.st_mode) ? "" : "?", child);
        }
    }
    closedir(d);
    return rc;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int eg_backup_tree_list(const char *root, char ***paths, size_t *n)
{
    struct list l = {0};
    if (list_dir(root, "", &l) != 0) {
        int saved = errno;
        eg_backup_tree_list_free(l.v, l.n);
        errno = saved;
        return -1;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, by_bytes);
    *paths = l.v;
    *n = l.n;
    return 0;
}

void eg_backup_tree_list_free(char **paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}

int eg_backup_sha256_file(const char *path, char hex[65])
{
    unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state s;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    crypto_hash_sha256_init(&s);
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        crypto_hash_sha256_update(&s, buf, (unsigned long long)n);
    int saved = errno;
    close(fd);
    if (n < 0) {
        errno = saved;
        return -1;
    }
    crypto_hash_sha256_final(&s, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return 0;
}

int eg_backup_tree_remove(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(sb.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    char child[PATH_CAP];
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, e->d_name) >= sizeof child) {
            errno = ENAMETOOLONG;
            rc = -1;
        } else {
            rc = eg_backup_tree_remove(child);
        }
    }
    closedir(d);
    return rc == 0 ? rmdir(path) : -1;
}
