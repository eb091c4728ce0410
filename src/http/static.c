/*
 * static.c — the web app's files, for GET and HEAD requests that no route
 * matches.
 *
 * Files come from cfg->static_dir only: a path with "..", a backslash or an
 * encoded NUL is refused before the file system is asked, and the file that
 * is finally opened must resolve (realpath) to somewhere inside the
 * directory, so neither "../" tricks nor symbolic links lead out of it.
 * A path without a file extension that names no file is a page of the
 * single-page app and gets index.html. Files are sent with
 * MHD_create_response_from_fd (sendfile on Linux).
 */
#include "http/http.h"

#include "http/internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/log.h"

struct mime {
    const char *ext;
    const char *type;
};

static const struct mime mimes[] = {
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"wasm", "application/wasm"},
};

int eg_http_is_api_path(const char *path)
{
    return strncmp(path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

void eg_http_static_init(struct eg_server *s)
{
    char real[PATH_MAX];
    struct stat sb;

    s->static_root[0] = '\0';
    s->static_root_len = 0;
    if (s->cfg->static_dir[0] == '\0')
        return;
    if (realpath(s->cfg->static_dir, real) == NULL || stat(real, &sb) != 0 ||
        !S_ISDIR(sb.st_mode)) {
        eg_log(EG_LOG_INFO, "event=static_dir present=0");
        return;
    }
    snprintf(s->static_root, sizeof(s->static_root), "%s", real);
    s->static_root_len = strlen(s->static_root);
    /* "/" as the root would make every path "inside" it; strip to "" + '/' checks. */
    if (s->static_root_len == 1)
        s->static_root_len = 0;
    eg_log(EG_LOG_INFO, "event=static_dir present=1");
}

/* The extension of the last segment of path ("js"), or NULL. */
static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');

    return (dot != NULL && dot[1] != '\0') ? dot + 1 : NULL;
}

static const char *mime_of(const char *path)
{
    const char *ext = extension(path);
    size_t i;

    if (ext == NULL)
        return "application/octet-stream";
    for (i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++)
        if (strcasecmp(ext, mimes[i].ext) == 0)
            return mimes[i].type;
    return "application/octet-stream";
}

/* Whether the raw or decoded path could climb out of the directory or confuse it. */
static int suspicious(const char *raw, const char *decoded)
{
    if (strstr(raw, "..") != NULL || strchr(raw, '\\') != NULL)
        return 1;
    if (strcasestr(raw, "%2e%2e") != NULL || strcasestr(raw, "%5c") != NULL ||
        strstr(raw, "%00") != NULL)
        return 1;
    if (strstr(decoded, "..") != NULL || strchr(decoded, '\\') != NULL)
        return 1;
    return 0;
}

/*
 * Open root + rel if it resolves to a regular file inside the root.
 * Returns the descriptor (size in *size) or -1.
 */
static int open_inside(const struct eg_server *s, const char *rel, size_t *size)
{
    char full[PATH_MAX], real[PATH_MAX];
    struct stat sb;
    int n, fd;

    n = snprintf(full, sizeof(full), "%s%s", s->static_root, rel);
    if (n < 0 || (size_t)n >= sizeof(full))
        return -1;
    if (realpath(full, real) == NULL)
        return -1;
    if (s->static_root_len > 0 &&
        (strncmp(real, s->static_root, s->static_root_len) != 0 || real[s->static_root_len] != '/'))
        return -1;
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (size_t)sb.st_size;
    return fd;
}

void eg_http_static_reply(struct eg_req *req)
{
    const struct eg_server *s = req->server;
    const char *raw = req->path, *rel, *type;
    size_t size = 0;
    int fd = -1, html;
    enum eg_cache cache;
    struct MHD_Response *r;

    if (s->static_root[0] == '\0' || raw[0] != '/')
        goto not_found;
    rel = eg_url_decode(req->arena, raw, strlen(raw));
    if (rel == NULL || suspicious(raw, rel))
        goto not_found;
    if (strcmp(rel, "/") == 0)
        rel = "/index.html";
    fd = open_inside(s, rel, &size);
    if (fd < 0) {
        /* A page of the single-page app: no extension, not a file. */
        if (extension(rel) != NULL)
            goto not_found;
        rel = "/index.html";
        fd = open_inside(s, rel, &size);
        if (fd < 0)
            goto not_found;
    }
    type = mime_of(rel);
    html = strncmp(type, "text/html", 9) == 0;
    if (strncmp(rel, "/assets/", 8) == 0)
        cache = EG_CACHE_IMMUTABLE;
    else if (html)
        cache = EG_CACHE_NO_CACHE;
    else
        cache = EG_CACHE_SHORT;
    r = MHD_create_response_from_fd(size, fd);
    if (r == NULL) {
        close(fd);
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    eg_http_reply_set(req, 200, r, type, cache, html || strcmp(type, "image/svg+xml") == 0);
    return;
not_found:
    eg_reply_error(req, EG_E_NOT_FOUND, NULL, NULL);
}
