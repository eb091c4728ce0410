/*
 * api_materials.c — a claim's materials (medical records, invoices …).
 *
 *   POST /api/v1/claims/{id}/materials?kind=K&name=N     upload one file as the raw body
 *   GET  /api/v1/claims/{id}/materials/{material_id}    download it
 *
 * The type is decided by the file's first bytes (PDF, PNG, JPEG, WebP), never
 * by what the client says; anything else is 415. A file is at most 10 MiB
 * (the route's body cap answers 413) and a claim has at most 50. Files are
 * kept under cfg->data_dir/claims/<claim id>/ with random names, outside
 * the web root, mode 0600, and are served only to those who may see the
 * claim, always as attachments.
 */
#include "insurance/api.h"

#include "core/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "core/ident.h"
#include "core/log.h"
#include "db/db.h"

static const char *const material_kinds[] = {
    "id_document",    "medical_record", "invoice", "diagnosis",
    "accident_proof", "photo",          "other",   NULL};

static int kind_valid(const char *k)
{
    for (size_t i = 0; k != NULL && material_kinds[i] != NULL; i++)
        if (strcmp(k, material_kinds[i]) == 0)
            return 1;
    return 0;
}

/* Create every missing directory of path (mode 0700). 0 on success. */
static int mkdirs(const char *path)
{
    char buf[1024];
    size_t len = strnlen(path, sizeof buf);

    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        buf[i] = saved;
    }
    return 0;
}

/* Write all n bytes to a new file (never an existing one, never through a link). */
static int write_new_file(const char *path, const char *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t off = 0;
    int rc = -1;

    if (fd < 0)
        return -1;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto out;
    rc = 0;
out:
    if (close(fd) != 0)
        rc = -1;
    if (rc != 0)
        unlink(path);
    return rc;
}

/*
 * The uploader's file name, for display only: the last path component,
 * control characters dropped, at most 120 bytes, valid UTF-8 or nothing.
 */
static const char *display_name(struct eg_arena *a, const char *name)
{
    const char *base;
    char *out;
    size_t w = 0, len;

    if (name == NULL)
        return "";
    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (strrchr(base, '\\'))
        base = strrchr(base, '\\') + 1;
    len = strnlen(base, 121);
    if (len > 120 || !eg_utf8_valid(base, len))
        return "";
    out = eg_arena_alloc(a, len + 1);
    if (out == NULL)
        return "";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)base[i] >= 0x20 && base[i] != 0x7f && base[i] != '"')
            out[w++] = base[i];
    out[w] = '\0';
    return out;
}

struct upload_tx {
    struct eg_req *req;
    struct eg_ins_material m;
    int too_many;
};

static enum eg_status upload_tx_run(struct eg_db *db, void *arg)
{
    struct upload_tx *t = arg;
    struct eg_audit_ctx ctx;
    int64_t count = 0;
    char id[24], summary[200];
    enum eg_status st = eg_ins_material_count(db, t->m.claim_id, &count);

    t->too_many = 0;
    if (st != EG_OK)
        return st;
    if (count >= EG_INS_MATERIALS_PER_CLAIM) {
        t->too_many = 1;
        return EG_E_CONFLICT;
    }
    st = eg_ins_material_insert(db, &t->m);
    if (st == EG_OK)
        st = eg_ins_claim_event(db, t->m.claim_id, t->m.uploaded_at, t->req->who.login,
                                eg_role_name(t->req->who.role), "material", NULL, NULL, NULL,
                                t->m.kind);
    if (st != EG_OK)
        return st;
    eg_ins_audit_ctx(t->req, &ctx);
    snprintf(id, sizeof id, "%lld", (long long)t->m.claim_id);
    snprintf(summary, sizeof summary,
             "{\"material_id\":%lld,\"kind\":\"%s\",\"content_type\":\"%s\",\"size_bytes\":%lld,"
             "\"sha256\":\"%.16s\"}",
             (long long)t->m.id, t->m.kind, t->m.content_type, (long long)t->m.size_bytes,
             t->m.sha256);
    return eg_audit_append(db, &ctx, "insurance.claim.material", "claim", id, summary);
}

void eg_ins_api_material_upload(struct eg_req *req)
{
    struct eg_ins_claim c;
    struct upload_tx t;
    unsigned char digest[crypto_hash_sha256_BYTES];
    unsigned char rnd[12];
    char hex[25], dir[768], path[1024], rel[256];
    const char *kind = eg_req_query(req, "kind");
    const char *type;
    enum eg_status st = eg_ins_claim_load(req, EG_INS_CLAIM_REPORTERS, &c);

    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    if (!kind_valid(kind)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "kind",
                       "kind must be one of: id_document, medical_record, invoice, diagnosis, "
                       "accident_proof, photo, other");
        return;
    }
    if (c.state == EG_CLAIM_PAID || c.state == EG_CLAIM_REJECTED || c.state == EG_CLAIM_APPROVED) {
        eg_reply_error(req, EG_E_CONFLICT, NULL, "The claim is %s: no more materials.",
                       eg_claim_state_name(c.state));
        return;
    }
    type = eg_ins_sniff(req->raw_body, req->raw_len);
    if (type == NULL) {
        eg_reply_error(req, EG_E_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "Upload a PDF, PNG, JPEG or WebP file.");
        return;
    }
    memset(&t, 0, sizeof t);
    t.req = req;
    t.m.claim_id = c.id;
    snprintf(t.m.kind, sizeof t.m.kind, "%s", kind);
    snprintf(t.m.content_type, sizeof t.m.content_type, "%s", type);
    t.m.size_bytes = (int64_t)req->raw_len;
    crypto_hash_sha256(digest, (const unsigned char *)req->raw_body, req->raw_len);
    sodium_bin2hex(t.m.sha256, sizeof t.m.sha256, digest, sizeof digest);
    t.m.original_name = display_name(req->arena, eg_req_query(req, "name"));
    snprintf(t.m.uploaded_by, sizeof t.m.uploaded_by, "%s", req->who.login);
    t.m.uploaded_at = eg_now();
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    snprintf(rel, sizeof rel, "claims/%lld/%s.%s", (long long)c.id, hex, eg_ins_sniff_ext(type));
    t.m.stored_name = rel;
    if ((size_t)snprintf(dir, sizeof dir, "%s/claims/%lld", req->config->data_dir,
                         (long long)c.id) >= sizeof dir ||
        (size_t)snprintf(path, sizeof path, "%s/%s", req->config->data_dir, rel) >= sizeof path ||
        mkdirs(dir) != 0 || write_new_file(path, req->raw_body, req->raw_len) != 0) {
        eg_log(EG_LOG_ERROR, "event=material_write_failed rid=%s errno=%d", req->request_id, errno);
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    st = eg_db_tx(req->db, upload_tx_run, &t);
    if (st != EG_OK) {
        unlink(path);
        if (st == EG_E_CONFLICT && t.too_many)
            eg_reply_error(req, EG_E_CONFLICT, NULL, "A claim holds at most %d files.",
                           EG_INS_MATERIALS_PER_CLAIM);
        else
            eg_ins_reply_failure(req, st);
        return;
    }
    eg_reply_json(req, 201,
                  json_pack("{s:I, s:I, s:s, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)t.m.id,
                            "claim_id", (json_int_t)c.id, "kind", t.m.kind, "content_type",
                            t.m.content_type, "size_bytes", (json_int_t)t.m.size_bytes, "sha256",
                            t.m.sha256, "name", t.m.original_name, "uploaded_at",
                            eg_ins_instant(t.m.uploaded_at)));
}

void eg_ins_api_material_get(struct eg_req *req)
{
    struct eg_ins_claim c;
    struct eg_ins_material m;
    struct stat sb;
    int64_t mid = 0;
    char path[1024], disp[96];
    char *data = NULL;
    size_t off = 0;
    int fd = -1;
    enum eg_status st = eg_ins_claim_load(req, EG_INS_CLAIM_READERS, &c);

    if (st == EG_OK)
        st = eg_req_param_id(req, "material_id", &mid);
    if (st == EG_OK)
        st = eg_ins_material_get(req->db, req->arena, c.id, mid, &m);
    if (st != EG_OK) {
        eg_ins_reply_failure(req, st);
        return;
    }
    if (strstr(m.stored_name, "..") != NULL ||
        (size_t)snprintf(path, sizeof path, "%s/%s", req->config->data_dir, m.stored_name) >=
            sizeof path)
        goto fail;
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size > (uint64_t)EG_INS_MATERIAL_MAX_BYTES)
        goto fail;
    data = malloc((size_t)sb.st_size + 1);
    if (data == NULL)
        goto fail;
    while (off < (size_t)sb.st_size) {
        ssize_t r = read(fd, data + off, (size_t)sb.st_size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto fail;
        off += (size_t)r;
    }
    close(fd);
    snprintf(disp, sizeof disp, "attachment; filename=\"material-%lld.%s\"", (long long)m.id,
             eg_ins_sniff_ext(m.content_type));
    eg_reply_header(req, "Content-Disposition", disp);
    eg_reply_take(req, 200, m.content_type, data, off);
    return;
fail:
    if (fd >= 0)
        close(fd);
    free(data);
    eg_log(EG_LOG_ERROR, "event=material_read_failed rid=%s material=%lld", req->request_id,
           (long long)m.id);
    eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
}
