/*
 * api_evidence.c — evidence files of a case.
 *
 * Upload: POST /api/v1/cases/{id}/evidence with the file itself as the
 * request body (any Content-Type; the name in ?filename= or an X-Filename
 * header). The type is decided by the bytes (JPEG, PNG, PDF, WebP), never
 * by what the client claims. The file is written to a temporary name under
 * [files] data_dir/evidence, the row is committed, and only then is the file
 * renamed to its random final name; on any refusal or failure the
 * temporary file is removed, so nothing is kept that the database does not
 * list. Files live outside the web root and are served only to those who
 * may see the case.
 */
#include "cases/api.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "db/db.h"

/* data_dir/evidence, created when missing. NULL when it cannot be. */
static const char *evidence_dir(struct eg_req *req)
{
    char *dir = eg_arena_printf(req->arena, "%s/evidence", req->config->data_dir);
    char *p;

    if (dir == NULL)
        return NULL;
    for (p = dir + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
                *p = '/';
                return NULL;
            }
            *p = '/';
        }
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return NULL;
    return dir;
}

/* 16 random bytes as 32 hex characters. */
static void random_name(char out[33])
{
    unsigned char r[16];

    randombytes_buf(r, sizeof r);
    sodium_bin2hex(out, 33, r, sizeof r);
}

/* Write all n bytes of p to a new file at path (mode 0600). */
static int write_file(const char *path, const void *p, size_t n)
{
    const char *c = p;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    while (n > 0) {
        ssize_t w = write(fd, c, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

struct upload {
    struct eg_req *req;
    int64_t id;
    struct eg_case_evidence ev;
    int64_t ev_id;
    struct eg_cases_err err;
};

/*
 * The row of an upload whose bytes are already in a temporary file: the
 * case must still be open to evidence and within its total cap.
 */
static enum eg_status upload_tx(struct eg_db *db, void *p)
{
    struct upload *u = p;
    struct eg_req *req = u->req;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    int64_t used = 0;
    enum eg_status rc;

    memset(&u->err, 0, sizeof u->err);
    rc = eg_cases_load(req, db, u->id, &rec, &actor);
    if (rc != EG_OK)
        return rc;
    if (eg_case_state_is_terminal(rec.state))
        return eg_cases_fail(&u->err, EG_E_CONFLICT, NULL,
                             "The case is %s; it takes no more evidence.", rec.state_name);
    rc = eg_case_store_evidence_bytes(db, rec.id, &used);
    if (rc != EG_OK)
        return rc;
    if (used + u->ev.size_bytes > EG_CASES_EVIDENCE_CASE_MAX)
        return eg_cases_fail(&u->err, EG_E_TOO_LARGE, NULL,
                             "A case holds at most %lld bytes of evidence; %lld are used.",
                             (long long)EG_CASES_EVIDENCE_CASE_MAX, (long long)used);
    u->ev.party = actor.is_applicant ? "applicant" : actor.is_respondent ? "respondent" : "staff";
    u->ev.case_id = rec.id;
    rc = eg_case_store_evidence_add(db, &u->ev, &u->ev_id);
    if (rc == EG_OK)
        rc = eg_cases_record(db, req, &rec, "evidence", NULL, NULL,
                             json_pack("{s:I, s:s, s:s, s:I, s:s}", "evidence_id",
                                       (json_int_t)u->ev_id, "party", u->ev.party, "content_type",
                                       u->ev.content_type, "size_bytes",
                                       (json_int_t)u->ev.size_bytes, "sha256", u->ev.sha256));
    return rc;
}

/* The evidence row as JSON. */
static json_t *evidence_json(const struct eg_case_evidence *e)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)e->id, "party",
                     e->party, "filename", e->filename, "content_type", e->content_type,
                     "size_bytes", (json_int_t)e->size_bytes, "sha256", e->sha256, "uploaded_by",
                     e->uploaded_by, "created_at", eg_cases_instant(e->created_at));
}

/*
 * POST …/evidence: sniff, write a temporary file, commit the row, then
 * rename; any refusal removes the temporary file.
 */
void eg_cases_api_evidence_upload(struct eg_req *req)
{
    struct upload u;
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    const char *dir, *ext = NULL, *type, *name;
    char rnd[33], clean[128], *tmp = NULL, *final = NULL;
    unsigned char hash[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    enum eg_status rc;

    memset(&u, 0, sizeof u);
    u.req = req;
    rc = eg_cases_path_id(req, &u.id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, u.id, &rec, &actor);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    if (req->raw_body == NULL || req->raw_len == 0) {
        eg_reply_error(req, EG_E_MISSING_FIELD, NULL, "Send the file as the request body.");
        return;
    }
    type = eg_case_sniff((const unsigned char *)req->raw_body, req->raw_len, &ext);
    if (type == NULL) {
        eg_reply_error(req, EG_E_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "Evidence must be a JPEG, PNG, WebP image or a PDF document.");
        return;
    }
    name = eg_req_query(req, "filename");
    if (name == NULL)
        name = eg_req_header(req, "X-Filename");
    eg_case_clean_filename(name, clean, sizeof clean);

    dir = evidence_dir(req);
    if (dir == NULL) {
        eg_log(EG_LOG_ERROR, "event=evidence_dir_failed rid=%s", req->request_id);
        eg_reply_error(req, EG_E_INTERNAL, NULL, "The file could not be stored.");
        return;
    }
    random_name(rnd);
    tmp = eg_arena_printf(req->arena, "%s/.upload-%s", dir, rnd);
    u.ev.storage_name = eg_arena_printf(req->arena, "%s%s", rnd, ext);
    final = eg_arena_printf(req->arena, "%s/%s", dir, u.ev.storage_name);
    if (tmp == NULL || final == NULL || write_file(tmp, req->raw_body, req->raw_len) != 0) {
        eg_log(EG_LOG_ERROR, "event=evidence_write_failed rid=%s", req->request_id);
        eg_reply_error(req, EG_E_INTERNAL, NULL, "The file could not be stored.");
        return;
    }
    crypto_hash_sha256(hash, (const unsigned char *)req->raw_body, req->raw_len);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    u.ev.filename = clean;
    u.ev.content_type = type;
    u.ev.size_bytes = (int64_t)req->raw_len;
    u.ev.sha256 = hex;
    u.ev.uploaded_by = eg_case_actor_name(&req->who);
    u.ev.created_at = eg_now();

    rc = eg_db_tx(req->db, upload_tx, &u);
    if (rc != EG_OK) {
        unlink(tmp);
        eg_cases_reply_err(req, rc, &u.err);
        return;
    }
    if (rename(tmp, final) != 0) {
        /* The row committed but the file could not take its name: keep the
         * bytes under the temporary name for an operator and say so. */
        eg_log(EG_LOG_ERROR, "event=evidence_rename_failed rid=%s evidence_id=%lld errno=%d",
               req->request_id, (long long)u.ev_id, errno);
        eg_reply_error(req, EG_E_INTERNAL, NULL, "The file could not be stored.");
        return;
    }
    u.ev.id = u.ev_id;
    u.ev.case_id = u.id;
    eg_reply_json(req, 201, evidence_json(&u.ev));
}

/* GET …/evidence: the files' metadata and the space used. */
void eg_cases_api_evidence_list(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_evidence *rows = NULL;
    size_t n = 0;
    int64_t id, used = 0;
    enum eg_status rc;
    json_t *items;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_evidence_list(req->db, req->arena, id, &rows, &n);
    if (rc == EG_OK)
        rc = eg_case_store_evidence_bytes(req->db, id, &used);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, evidence_json(&rows[i]));
    eg_reply_json(req, 200,
                  json_pack("{s:o, s:I, s:I}", "items", items, "bytes_used", (json_int_t)used,
                            "bytes_limit", (json_int_t)EG_CASES_EVIDENCE_CASE_MAX));
}

/* Percent-encode a UTF-8 file name for Content-Disposition's filename*. */
static char *pct_encode(struct eg_arena *a, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = eg_arena_alloc(a, 3 * n + 1), *o = out;

    if (out == NULL)
        return NULL;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hexd[c >> 4];
            *o++ = hexd[c & 15];
        }
    }
    *o = '\0';
    return out;
}

/* GET …/evidence/{eid}: the file, for those who may see the case. */
void eg_cases_api_evidence_get(struct eg_req *req)
{
    struct eg_case_rec rec;
    struct eg_case_actor actor;
    struct eg_case_evidence ev;
    int64_t id, eid;
    const char *dir;
    char *path, *disp, *enc, *data = NULL;
    struct stat sb;
    size_t got = 0;
    int fd = -1;
    enum eg_status rc;

    rc = eg_cases_path_id(req, &id);
    if (rc == EG_OK)
        rc = eg_req_param_id(req, "eid", &eid);
    if (rc == EG_OK)
        rc = eg_cases_load(req, req->db, id, &rec, &actor);
    if (rc == EG_OK)
        rc = eg_case_store_evidence_get(req->db, req->arena, id, eid, &ev);
    if (rc != EG_OK) {
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    dir = evidence_dir(req);
    path = dir ? eg_arena_printf(req->arena, "%s/%s", dir, ev.storage_name) : NULL;
    if (path)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > (uint64_t)EG_CASES_EVIDENCE_FILE_MAX ||
        (data = malloc((size_t)sb.st_size + 1)) == NULL) {
        if (fd >= 0)
            close(fd);
        eg_log(EG_LOG_ERROR, "event=evidence_read_failed rid=%s evidence_id=%lld", req->request_id,
               (long long)eid);
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, "The file is not available.");
        return;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, data + got, (size_t)sb.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)sb.st_size) {
        free(data);
        eg_reply_error(req, EG_E_INTERNAL, NULL, "The file could not be read.");
        return;
    }
    enc = pct_encode(req->arena, ev.filename);
    disp = eg_arena_printf(
        req->arena, "attachment; filename=\"evidence-%lld%s\"; filename*=UTF-8''%s",
        (long long)ev.id, strrchr(ev.storage_name, '.') ? strrchr(ev.storage_name, '.') : "",
        enc ? enc : "file");
    if (disp)
        eg_reply_header(req, "Content-Disposition", disp);
    eg_reply_take(req, 200, ev.content_type, data, got);
}
