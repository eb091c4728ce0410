/*
 * ingest.c — feed batches: POST /api/v1/feeds/{feed} (streamed), and the
 * stored batches (GET /api/v1/feeds/batches …).
 *
 * A body of any size is read in constant memory, by two threads:
 *
 *   the request's thread (begin, chunk, finish): every piece is hashed
 *       (BLAKE2b, for resends) and parsed (feed.h); each row that passes
 *       the column checks is resolved — the worker through the platform's
 *       roster (a hash map loaded once per batch), the person through the
 *       ID number's blind index — its share of the daily aggregates is
 *       added up in memory, and it is appended in a compact varint form to
 *       a temporary spool file;
 *   a writer thread with its own database connection applies the spooled
 *       rows as they come, in ONE transaction (prepared statements, plain
 *       inserts keyed so that a daily file appends, sixteen rows a
 *       statement on days the platform had no records for), and at the end
 *       writes the aggregates, the batch row and the audit event; on SQLite
 *       it checkpoints the write-ahead log after the request is answered.
 *
 * A batch with any bad row is answered 422 with every bad row, and the
 * writer rolls back: nothing is stored. A good one commits, then the alert
 * rules are evaluated. The writer starts once a megabyte is spooled (or
 * at the end of a small body), so small batches hold the write lock only
 * briefly; if the client goes away, the request's clean-up stops the writer,
 * which rolls back. When the database asks for a retry (busy), the writer
 * starts over from the beginning of the spool.
 *
 * Resending a batch id with the same bytes answers the stored result and
 * changes nothing; the same id with other bytes is 409.
 */
#include "monitoring/internal.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth/accounts.h"
#include "auth/authz.h"
#include "auth/crypto.h"
#include "auth/person_roster.h"
#include "core/ident.h"
#include "core/log.h"
#include "db/db.h"

#define FEED_DEPARTMENTS_MAX 4
#define MAP_LAZY_MISSES      256 /* roster look-ups one by one before loading the whole roster */
#define GROUPS_FLUSH         1024
#define GROUPS_MAX           4096 /* (day, district) pairs one batch may touch */
#define SPOOL_STRS           8
#define SPOOL_NUMS           8
#define KEY_MAX              128
#define WRITER_START_BYTES   ((uint64_t)1 << 20)
#define WRITER_STALL_S       2 /* a body that pauses this long: the writer lets go of the lock */
#define READ_BUF             (1 << 17) /* the writer's read buffer: several records */
#define WORK_GROUP           16        /* work records per multi-row insert */
#define FRESH_SLOTS          64        /* days whose freshness the writer remembers */
#define STREAMS_MAX          16        /* feed uploads in progress at once, in all */
#define STREAMS_PER_SOURCE   4         /* … and from one platform or department */
#define STREAMS_RETRY_S      "5"       /* Retry-After when over either cap */
#define APPLY_WAIT_S         60        /* longest wait at the end of a body for the writer */
#define APPLY_RETRY_S        "30"      /* Retry-After when the writer did not finish in time */
#define ABORT_CHECK_ROWS     1024      /* rows the writer applies between looks at the abort flag */
#define WARNINGS_MAX         100 /* warnings listed in a batch's answer; more are only counted */
#define OCCUPATION_OTHER     "other" /* the catalogue's code for an occupation it lacks */

/*
 * The uploads in progress, per source. An upload holds two connections of
 * its own (look-ups, writer) for as long as its client keeps sending, so
 * their number is capped here, in all and per source: a request over a
 * cap is answered 429 at once. This table is the one piece of state the
 * feed endpoints share between requests.
 */
static struct {
    pthread_mutex_t mu;
    int total;
    struct {
        int kind; /* 0 free, 1 platform, 2 department */
        int64_t id;
        int n;
    } src[STREAMS_MAX];
} streams = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Which departments may send which feed (by department code). */
static const struct {
    enum eg_mon_feed feed;
    const char *codes[FEED_DEPARTMENTS_MAX];
} feed_departments[] = {
    {EG_MON_FEED_TRAFFIC, {"traffic_police", "transport", NULL, NULL}},
    {EG_MON_FEED_SOCIAL, {"hrss", "medical_insurance", "tax", NULL}},
};

/* A checked, resolved row in the form the database step takes it. */
struct rec {
    uint32_t line, index;
    int64_t n[SPOOL_NUMS];
    const char *s[SPOOL_STRS];
    uint16_t slen[SPOOL_STRS];
};

/*
 * A spooled record: varint line, varint index, the SPOOL_NUMS numbers as
 * zigzag varints, a byte with a bit per non-empty string, then each of
 * those as varint length and bytes — some 30 bytes for a daily work
 * record. A record is at most SPOOL_REC_MAX bytes.
 */
#define SPOOL_REC_MAX (2 * 5 + SPOOL_NUMS * 10 + 1 + SPOOL_STRS * (3 + EG_MON_FIELD_MAX))
#define SPOOL_WBUF    (1 << 18) /* the request's side's write buffer */

/* A work record waiting for its multi-row insert (a copy: the spool's
 * strings are overwritten by the next record). */
struct pend_work {
    uint32_t line, index;
    int64_t n[SPOOL_NUMS];
    char district[8];
    uint16_t dlen;
};

/* ----------------------------------------------------------- roster map */

/*
 * The platform's roster by its worker ids: entries in load order, found
 * through a table of entry numbers (open addressing). Feeds usually list
 * workers in roster order, so the entry after the last one found is tried
 * first. Keys of up to WKEY_INLINE bytes live in the entry.
 */
#define WKEY_INLINE 16
struct wentry {
    int64_t id; /* mon_roster.id; 0 = known not to be on the roster */
    uint32_t hash;
    uint16_t klen;
    uint8_t district; /* index into the batch's district table */
    uint8_t pad;
    union {
        char in[WKEY_INLINE];
        const char *out;
    } key;
};

struct wmap {
    struct wentry *entries;
    size_t n, cap_entries;
    uint32_t *slots; /* entry number + 1; 0 = empty */
    size_t cap;
    size_t last;  /* the entry found last */
    int complete; /* the whole roster is loaded: a miss is final */
    size_t misses;
};

/* ------------------------------------------------------------- writer */

struct writer {
    pthread_t thread;
    int started, joined;
    struct eg_db *db; /* the writer's own connection */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int sync_ready;
    uint64_t published; /* spool bytes the writer may read */
    int end;            /* no more bytes will come */
    int abort;          /* roll back and stop */
    int finished;       /* the transaction is over (committed or rolled back) */
    int stalled;        /* the body paused: the writer rolled back and left (it runs
                         * again at the end of the body, not before) */
    int fd;             /* the spool, read with pread */
    uint64_t off;       /* next byte to read */
    char *buf;
    size_t buf_len, buf_pos;
    enum eg_status status;
    int64_t applied_us, committed_us, cpu_us; /* timings for the log line */
};

/* ------------------------------------------------------------- batch */

struct ingest {
    enum eg_mon_feed feed;
    enum eg_mon_format fmt;
    const char *source_kind; /* "platform" / "department" */
    int64_t source_id;
    int64_t platform_id, department_id;
    char sector[33];
    char key[KEY_MAX + 1];
    struct eg_mon_params params;
    struct eg_arena *arena; /* the request's: only the request's thread uses it */
    struct eg_db *db;       /* the upload's own connection for look-ups (never a pooled one:
                             * it is held across the body's callbacks) */
    int slot_kind;          /* the stream slot held (streams[]), 0 when none */
    int64_t slot_id;
    const struct eg_audit_ctx *audit;
    char db_url[1024];

    /* resend of a stored batch: only the hash is checked */
    int replay;
    char stored_hash[65];
    char *stored_result;

    crypto_generichash_state hash;
    struct eg_mon_parser *parser;
    FILE *spool;
    uint64_t spool_bytes;   /* encoded so far (in the file and in spool_w) */
    unsigned char *spool_w; /* encoded, not yet written */
    size_t spool_wlen;
    char *spool_buf;
    enum eg_status sink_error;
    int64_t began_us, began_cpu_us;

    /* look-ups */
    struct wmap map;
    char (*districts)[8]; /* [0] = "" */
    size_t ndistricts;
    char **occ_names; /* name or alias → code */
    char **occ_codes;
    size_t nocc;

    /* the request's thread's share of the aggregates: every row as new */
    struct eg_mon_groups *rgroups;
    struct eg_mon_agg *last_agg;
    eg_day last_key_day;
    uint8_t last_key_district;
    eg_day first_day, last_day;

    /* apply (the writer thread, or the caller for direct batches) */
    struct writer w;
    int (*next)(struct ingest *in, struct rec *r);
    void (*rewind)(struct ingest *in);
    struct eg_mon_direct_batch *direct;
    char body_hash[65];
    const char *received_by;
    int64_t batch_id;
    int64_t rows, inserted, updated, unchanged;
    struct eg_mon_groups *wgroups; /* corrections: earlier rows' shares taken away */
    eg_day wday;                   /* the day whose text is in wday_text */
    char wday_text[11];
    /* work records of days the platform had none of before the batch go
     * in WORK_GROUP at a time; a conflict among them (a worker and date
     * twice in the batch) makes the writer run again, one row at a time,
     * which finds and reports it */
    struct pend_work pend[WORK_GROUP];
    size_t npend;
    int single_row;                    /* multi-row inserts off */
    int rerun_single;                  /* run again with single_row */
    eg_day fresh_day[FRESH_SLOTS];     /* by day % FRESH_SLOTS; 0 = empty */
    int8_t fresh[FRESH_SLOTS];         /* 1: no records of the platform before the batch */
    struct eg_mon_row_error *warnings; /* roster rows stored with occupation 'other' (arena) */
    size_t nwarnings;
    uint64_t warning_count;
    int check_only; /* the body had bad rows: apply the good ones only to find repeats
                     * among them, then roll back */
    struct eg_mon_row_error *errs; /* malloc'd (the writer may not use the arena) */
    size_t nerrs;
    uint64_t errcount;
    char *result; /* malloc'd */
};

/* CPU time of the calling thread, in microseconds (for the batch's log line). */
static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void close_file(void *p)
{
    fclose(p);
}

static void free_parser(void *p)
{
    eg_mon_parser_free(p);
}

static void free_groups(void *p)
{
    eg_mon_groups_free(p);
}

/* District code → index in the batch's table; 0 ("") when unknown. */
static uint8_t district_index(const struct ingest *in, const char *code)
{
    for (size_t i = 1; code && *code && i < in->ndistricts; i++)
        if (strcmp(in->districts[i], code) == 0)
            return (uint8_t)i;
    return 0;
}

/* Load the active districts (at most 250) into the batch's table. */
static enum eg_status load_districts(struct ingest *in, struct eg_db *db, struct eg_arena *a)
{
    struct eg_stmt *st = NULL;
    in->districts = eg_arena_alloc(a, 251 * sizeof *in->districts);
    if (!in->districts)
        return EG_E_INTERNAL;
    in->ndistricts = 1;
    enum eg_status rc =
        eg_db_query(db, &st, "SELECT code FROM mon_districts WHERE active = 1 ORDER BY code", "");
    while (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        if (in->ndistricts < 251)
            snprintf(in->districts[in->ndistricts++], 8, "%s", eg_stmt_text(st, 0));
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc == EG_DONE ? EG_OK : rc;
}

/* Load the occupation catalogue: codes, names and aliases all map to codes. */
static enum eg_status load_occupations(struct ingest *in)
{
    struct eg_stmt *st = NULL;
    size_t cap = 64;
    in->occ_names = eg_arena_alloc(in->arena, cap * sizeof(char *));
    in->occ_codes = eg_arena_alloc(in->arena, cap * sizeof(char *));
    if (!in->occ_names || !in->occ_codes)
        return EG_E_INTERNAL;
    enum eg_status rc = eg_db_query(
        in->db, &st, "SELECT code, name, aliases FROM mon_occupations WHERE active = 1", "");
    while (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        const char *code = eg_arena_strdup(in->arena, eg_stmt_text(st, 0));
        const char *names[66];
        size_t k = 0;
        names[k++] = code;
        names[k++] = eg_arena_strdup(in->arena, eg_stmt_text(st, 1));
        json_t *aliases = json_loads(eg_stmt_text(st, 2), 0, NULL);
        size_t i;
        json_t *a;
        json_array_foreach(aliases, i, a)
        {
            if (json_is_string(a) && k < 66)
                names[k++] = eg_arena_strdup(in->arena, json_string_value(a));
        }
        json_decref(aliases);
        rc = EG_OK;
        for (size_t j = 0; j < k && rc == EG_OK; j++) {
            if (in->nocc == cap) {
                size_t ncap = cap * 2;
                char **nn = eg_arena_alloc(in->arena, ncap * sizeof(char *));
                char **nc = eg_arena_alloc(in->arena, ncap * sizeof(char *));
                if (!nn || !nc) {
                    rc = EG_E_INTERNAL;
                    break;
                }
                memcpy(nn, in->occ_names, cap * sizeof(char *));
                memcpy(nc, in->occ_codes, cap * sizeof(char *));
                in->occ_names = nn;
                in->occ_codes = nc;
                cap = ncap;
            }
            in->occ_names[in->nocc] = (char *)names[j];
            in->occ_codes[in->nocc] = (char *)code;
            in->nocc++;
        }
        if (rc != EG_OK)
            break;
    }
    eg_stmt_done(st);
    return rc == EG_DONE ? EG_OK : rc;
}

static const char *occupation_code(const struct ingest *in, const char *s)
{
    for (size_t i = 0; i < in->nocc; i++)
        if (in->occ_names[i] && strcmp(in->occ_names[i], s) == 0)
            return in->occ_codes[i];
    return NULL;
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static const char *wkey(const struct wentry *e)
{
    return e->klen <= WKEY_INLINE ? e->key.in : e->key.out;
}

static int wmatch(const struct wentry *e, const char *key, size_t klen)
{
    return e->klen == klen && memcmp(wkey(e), key, klen) == 0;
}

static struct wentry *map_find(struct wmap *m, const char *key, size_t klen, uint32_t h)
{
    if (m->cap == 0)
        return NULL;
    size_t i = h & (m->cap - 1);
    while (m->slots[i]) {
        struct wentry *e = &m->entries[m->slots[i] - 1];
        if (e->hash == h && wmatch(e, key, klen))
            return e;
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

static void free_map(void *p)
{
    struct wmap *m = p;
    free(m->slots);
    free(m->entries);
    m->slots = NULL;
    m->entries = NULL;
}

/* Room for one more entry: the entry array doubles, the table at 70 % full. */
static int map_grow(struct wmap *m)
{
    if (m->n == m->cap_entries) {
        size_t ncap = m->cap_entries ? m->cap_entries * 2 : 1024;
        struct wentry *ne = realloc(m->entries, ncap * sizeof *ne);
        if (!ne)
            return -1;
        m->entries = ne;
        m->cap_entries = ncap;
    }
    if ((m->n + 1) * 10 > m->cap * 7) {
        size_t ncap = m->cap ? m->cap * 2 : 2048;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return -1;
        for (size_t k = 0; k < m->n; k++) {
            size_t j = m->entries[k].hash & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = (uint32_t)(k + 1);
        }
        free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    return 0;
}

/* Add an entry (the key is copied). */
static struct wentry *map_put(struct ingest *in, const char *key, size_t klen, uint32_t h,
                              int64_t id, uint8_t district)
{
    struct wmap *m = &in->map;
    if (klen == 0 || klen > 64 || m->n >= UINT32_MAX - 1 || map_grow(m) != 0)
        return NULL;
    struct wentry *e = &m->entries[m->n];
    memset(e, 0, sizeof *e);
    if (klen <= WKEY_INLINE) {
        memcpy(e->key.in, key, klen);
    } else {
        e->key.out = eg_arena_strndup(in->arena, key, klen);
        if (!e->key.out)
            return NULL;
    }
    e->id = id;
    e->hash = h;
    e->klen = (uint16_t)klen;
    e->district = district;
    size_t i = h & (m->cap - 1);
    while (m->slots[i])
        i = (i + 1) & (m->cap - 1);
    m->slots[i] = (uint32_t)(m->n + 1);
    m->n++;
    return e;
}

/* Load the platform's whole roster into the map. */
static enum eg_status map_load_all(struct ingest *in)
{
    struct eg_stmt *st = NULL;
    enum eg_status rc =
        eg_db_query(in->db, &st,
                    /* in the index's order (by worker id), which is how platforms
                     * usually list their workers, and without a sort */
                    "SELECT id, platform_worker_id, district FROM mon_roster WHERE platform_id = ?",
                    "i", in->platform_id);
    while (rc == EG_OK && (rc = eg_stmt_step(st)) == EG_ROW) {
        size_t klen = 0;
        const char *key = eg_stmt_text_len(st, 1, &klen);
        uint32_t h = fnv1a(key, klen);
        uint8_t district = district_index(in, eg_stmt_text(st, 2));
        struct wentry *e =
            in->map.n < MAP_LAZY_MISSES + 1 ? map_find(&in->map, key, klen, h) : NULL;
        if (e) {
            e->id = eg_stmt_i64(st, 0);
            e->district = district;
        } else if (!map_put(in, key, klen, h, eg_stmt_i64(st, 0), district)) {
            rc = EG_E_INTERNAL;
            break;
        }
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc == EG_DONE) {
        in->map.complete = 1;
        in->map.last = 0;
        rc = EG_OK;
    }
    return rc;
}

/* The roster entry of a platform worker id (NULL: not on the roster). */
static enum eg_status worker_lookup(struct ingest *in, const char *key, size_t klen,
                                    const struct wentry **out)
{
    struct wmap *m = &in->map;
    /* Feeds mostly follow the roster's order: try the entry after the last one. */
    if (m->n > 0) {
        size_t guess = m->last + 1 < m->n ? m->last + 1 : 0;
        if (wmatch(&m->entries[guess], key, klen)) {
            m->last = guess;
            *out = &m->entries[guess];
            return EG_OK;
        }
    }
    uint32_t h = fnv1a(key, klen);
    struct wentry *e = map_find(m, key, klen, h);
    enum eg_status rc = EG_OK;
    if (e || m->complete) {
        if (e)
            m->last = (size_t)(e - m->entries);
        *out = e;
        return EG_OK;
    }
    if (++m->misses > MAP_LAZY_MISSES) {
        rc = map_load_all(in);
        e = rc == EG_OK ? map_find(m, key, klen, h) : NULL;
        if (e)
            m->last = (size_t)(e - m->entries);
        *out = e;
        return rc;
    }
    struct eg_stmt *st = NULL;
    int64_t id = 0;
    uint8_t district = 0;
    rc = eg_db_query(in->db, &st,
                     "SELECT id, district FROM mon_roster WHERE platform_id = ? AND "
                     "platform_worker_id = ?",
                     "ib", in->platform_id, key, klen);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        id = eg_stmt_i64(st, 0);
        district = district_index(in, eg_stmt_text(st, 1));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    e = map_put(in, key, klen, h, id, district);
    if (!e)
        return EG_E_INTERNAL;
    m->last = (size_t)(e - m->entries);
    *out = e;
    return EG_OK;
}

/* ------------------------------------------------------------- spool */

static void rec_str(struct rec *r, int i, const char *s, size_t n)
{
    r->s[i] = s ? s : "";
    r->slen[i] = (uint16_t)(s ? n : 0);
}

static unsigned char *put_varint(unsigned char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

/* Write out the encoded bytes (the writer reads the file). */
static enum eg_status spool_flush(struct ingest *in)
{
    size_t off = 0;
    while (off < in->spool_wlen) {
        ssize_t n = write(in->w.fd, in->spool_w + off, in->spool_wlen - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eg_log(EG_LOG_ERROR, "event=feed_spool_write_failed errno=%d", errno);
            return EG_E_INTERNAL;
        }
        off += (size_t)n;
    }
    in->spool_wlen = 0;
    return EG_OK;
}

static enum eg_status spool_put(struct ingest *in, const struct rec *r)
{
    if (SPOOL_WBUF - in->spool_wlen < SPOOL_REC_MAX && spool_flush(in) != EG_OK)
        return EG_E_INTERNAL;
    unsigned char *start = in->spool_w + in->spool_wlen, *p = start;
    p = put_varint(p, r->line);
    p = put_varint(p, r->index);
    for (int i = 0; i < SPOOL_NUMS; i++)
        p = put_varint(p, ((uint64_t)r->n[i] << 1) ^ (uint64_t)(r->n[i] >> 63));
    unsigned char *mask = p++;
    *mask = 0;
    for (int i = 0; i < SPOOL_STRS; i++) {
        if (r->slen[i] == 0)
            continue;
        if (r->slen[i] > EG_MON_FIELD_MAX)
            return EG_E_INTERNAL;
        *mask |= (unsigned char)(1u << i);
        p = put_varint(p, r->slen[i]);
        memcpy(p, r->s[i], r->slen[i]);
        p += r->slen[i];
    }
    in->spool_wlen += (size_t)(p - start);
    in->spool_bytes += (uint64_t)(p - start);
    return EG_OK;
}

/*
 * At least `need` bytes of the spool in the writer's buffer from buf_pos:
 * what is left is moved to the front and the rest read with pread, up to
 * what the request's thread has published, waiting for more until the end.
 * Returns how many bytes are there (fewer than need only at the end of the
 * data; 0 when told to stop).
 */
static size_t wfill(struct writer *w, size_t need)
{
    if (w->buf_len - w->buf_pos >= need)
        return w->buf_len - w->buf_pos;
    if (w->buf_pos > 0) {
        memmove(w->buf, w->buf + w->buf_pos, w->buf_len - w->buf_pos);
        w->buf_len -= w->buf_pos;
        w->buf_pos = 0;
    }
    while (w->buf_len < need) {
        uint64_t avail;
        if (w->sync_ready) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += WRITER_STALL_S;
            pthread_mutex_lock(&w->mu);
            while (w->off >= w->published && !w->end && !w->abort) {
                if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0 && w->off >= w->published &&
                    !w->end && !w->abort) {
                    /* The client went quiet (or away): do not sit on the
                     * write lock; the batch is applied again at its end. */
                    w->stalled = 1;
                    break;
                }
            }
            int stop = w->abort || w->stalled;
            avail = stop ? 0 : w->published - w->off;
            pthread_mutex_unlock(&w->mu);
            if (stop)
                return 0;
        } else {
            avail = w->published - w->off;
        }
        if (avail == 0)
            break;
        size_t room = READ_BUF - w->buf_len;
        size_t want = avail < room ? (size_t)avail : room;
        ssize_t got = pread(w->fd, w->buf + w->buf_len, want, (off_t)w->off);
        if (got <= 0)
            break;
        w->off += (uint64_t)got;
        w->buf_len += (size_t)got;
    }
    return w->buf_len - w->buf_pos;
}

/* A varint from *p (below end); 0 when it runs past end or is too long. */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return 0;
}

/*
 * The next spooled record; its strings live in spool_buf until the next
 * call. The buffer is kept holding a whole record (or all that is left).
 */
static int spool_next(struct ingest *in, struct rec *r)
{
    struct writer *w = &in->w;
    size_t have = wfill(w, SPOOL_REC_MAX);
    if (have == 0)
        return 0;
    const unsigned char *p = (const unsigned char *)w->buf + w->buf_pos, *end = p + have;
    uint64_t v;
    if (!get_varint(&p, end, &v))
        return 0;
    r->line = (uint32_t)v;
    if (!get_varint(&p, end, &v))
        return 0;
    r->index = (uint32_t)v;
    for (int i = 0; i < SPOOL_NUMS; i++) {
        if (!get_varint(&p, end, &v))
            return 0;
        r->n[i] = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
    }
    if (p >= end)
        return 0;
    unsigned mask = *p++;
    size_t off = 0;
    for (int i = 0; i < SPOOL_STRS; i++) {
        size_t n = 0;
        if (mask & (1u << i)) {
            if (!get_varint(&p, end, &v) || v > EG_MON_FIELD_MAX || (uint64_t)(end - p) < v)
                return 0;
            n = (size_t)v;
            memcpy(in->spool_buf + off, p, n);
            p += n;
        }
        in->spool_buf[off + n] = '\0';
        r->s[i] = in->spool_buf + off;
        r->slen[i] = (uint16_t)n;
        off += n + 1u;
    }
    w->buf_pos = (size_t)(p - (const unsigned char *)w->buf);
    return 1;
}

static void spool_rewind(struct ingest *in)
{
    in->w.off = 0;
    in->w.buf_len = in->w.buf_pos = 0;
}

/* ----------------------------------------------------- rows → records */

/*
 * A checked row, resolved, in record form (the spool's and the database
 * step's). worker_id / district come from the roster look-up (platform
 * feeds); person_id from the blind index (department feeds).
 */
static void row_to_rec(const struct eg_mon_row *row, int64_t worker_id, const char *district,
                       int64_t person_id, const char *occupation, struct rec *r)
{
    const struct eg_mon_value *v = row->v;
    memset(r, 0, sizeof *r);
    r->line = row->line;
    r->index = row->index;
    for (int i = 0; i < SPOOL_STRS; i++)
        r->s[i] = "";
    switch (row->feed) {
    case EG_MON_FEED_ROSTER:
        r->n[0] = v[EG_MON_RO_JOINED_ON].i;
        rec_str(r, 0, v[EG_MON_RO_WORKER].s, v[EG_MON_RO_WORKER].len);
        rec_str(r, 1, v[EG_MON_RO_NAME].s, v[EG_MON_RO_NAME].len);
        rec_str(r, 2, v[EG_MON_RO_ID_NUMBER].s, v[EG_MON_RO_ID_NUMBER].len);
        rec_str(r, 3, v[EG_MON_RO_PHONE].s, v[EG_MON_RO_PHONE].len);
        rec_str(r, 4, occupation, occupation ? strlen(occupation) : 0);
        rec_str(r, 5, v[EG_MON_RO_STATUS].s, v[EG_MON_RO_STATUS].len);
        rec_str(r, 6, v[EG_MON_RO_DISTRICT].s, v[EG_MON_RO_DISTRICT].len);
        break;
    case EG_MON_FEED_WORK:
        r->n[0] = worker_id;
        r->n[1] = v[EG_MON_WR_DATE].i;
        r->n[2] = v[EG_MON_WR_ORDERS].i;
        r->n[3] = v[EG_MON_WR_ONLINE].i;
        r->n[4] = v[EG_MON_WR_ORDER_MIN].i;
        r->n[5] = v[EG_MON_WR_INCOME].i;
        r->n[6] = v[EG_MON_WR_PEN_COUNT].i;
        r->n[7] = v[EG_MON_WR_PEN_FEN].i;
        rec_str(r, 0, district, district ? strlen(district) : 0);
        break;
    case EG_MON_FEED_PENALTIES:
        r->n[0] = worker_id;
        r->n[1] = v[EG_MON_PE_AT].i;
        r->n[2] = v[EG_MON_PE_AMOUNT].i;
        r->n[3] = v[EG_MON_PE_APPEALED].i;
        rec_str(r, 0, district, district ? strlen(district) : 0);
        rec_str(r, 1, v[EG_MON_PE_REASON].s, v[EG_MON_PE_REASON].len);
        break;
    case EG_MON_FEED_DEACTIVATIONS:
        r->n[0] = worker_id;
        r->n[1] = v[EG_MON_DE_AT].i;
        rec_str(r, 0, district, district ? strlen(district) : 0);
        rec_str(r, 1, v[EG_MON_DE_REASON].s, v[EG_MON_DE_REASON].len);
        rec_str(r, 2, v[EG_MON_DE_CHANNEL].s, v[EG_MON_DE_CHANNEL].len);
        break;
    case EG_MON_FEED_TRAFFIC:
        r->n[0] = person_id;
        r->n[1] = v[EG_MON_TI_AT].i;
        rec_str(r, 0, v[EG_MON_TI_DISTRICT].s, v[EG_MON_TI_DISTRICT].len);
        rec_str(r, 1, v[EG_MON_TI_KIND].s, v[EG_MON_TI_KIND].len);
        rec_str(r, 2, v[EG_MON_TI_SEVERITY].s, v[EG_MON_TI_SEVERITY].len);
        rec_str(r, 3, v[EG_MON_TI_VEHICLE].s, v[EG_MON_TI_VEHICLE].len);
        rec_str(r, 4, v[EG_MON_TI_REFERENCE].s, v[EG_MON_TI_REFERENCE].len);
        break;
    case EG_MON_FEED_SOCIAL:
        r->n[0] = person_id;
        r->n[1] = v[EG_MON_SI_MONTH].i;
        rec_str(r, 0, v[EG_MON_SI_SCHEME].s, v[EG_MON_SI_SCHEME].len);
        rec_str(r, 1, v[EG_MON_SI_STATUS].s, v[EG_MON_SI_STATUS].len);
        rec_str(r, 2, v[EG_MON_SI_PAYER].s, v[EG_MON_SI_PAYER].len);
        break;
    default:
        break;
    }
}

/*
 * The aggregate group (day, district) of the request's side, where every
 * row is counted as new. NULL when the batch touches too many pairs.
 */
static struct eg_mon_agg *rgroup(struct ingest *in, eg_day day, uint8_t district)
{
    if (in->first_day == 0 || day < in->first_day)
        in->first_day = day;
    if (day > in->last_day)
        in->last_day = day;
    if (in->last_agg && in->last_key_day == day && in->last_key_district == district)
        return in->last_agg;
    if (eg_mon_groups_count(in->rgroups) >= GROUPS_MAX)
        return NULL;
    in->last_agg = eg_mon_groups_get(in->rgroups, day, in->districts[district]);
    in->last_key_day = day;
    in->last_key_district = district;
    return in->last_agg;
}

/* Count a platform row's share of the aggregates (as if new). 0, or -1
 * when the batch spans too many (day, district) pairs. */
static int account(struct ingest *in, const struct rec *r)
{
    struct eg_mon_agg *a;
    uint8_t di = district_index(in, r->s[0]);
    switch (in->feed) {
    case EG_MON_FEED_WORK: {
        struct eg_mon_work w = {r->n[2], r->n[3], r->n[4], r->n[5], r->n[6], r->n[7]};
        if (!(a = rgroup(in, (eg_day)r->n[1], di)))
            return -1;
        eg_mon_agg_add_work(a, &in->params, &w, 1);
        return 0;
    }
    case EG_MON_FEED_PENALTIES:
        if (!(a = rgroup(in, eg_day_of(r->n[1]), di)))
            return -1;
        eg_mon_agg_add_penalty(a, r->n[2], r->n[3] != 0, 1);
        return 0;
    case EG_MON_FEED_DEACTIVATIONS:
        if (!(a = rgroup(in, eg_day_of(r->n[1]), di)))
            return -1;
        eg_mon_agg_add_deactivation(a, r->slen[2] > 0, 1);
        return 0;
    default:
        return 0;
    }
}

/* Note a roster row whose occupation was stored as 'other' (the first
 * WARNINGS_MAX are listed in the answer; all are counted). */
static void warn_other(struct ingest *in, const struct eg_mon_row *row, const char *sent)
{
    in->warning_count++;
    if (in->nwarnings >= WARNINGS_MAX)
        return;
    if (!in->warnings) {
        in->warnings = eg_arena_alloc(in->arena, WARNINGS_MAX * sizeof *in->warnings);
        if (!in->warnings)
            return;
    }
    struct eg_mon_row_error *e = &in->warnings[in->nwarnings++];
    e->line = row->line;
    e->index = row->index;
    snprintf(e->field, sizeof e->field, "occupation");
    snprintf(e->reason, sizeof e->reason,
             "\"%.60s\" is not in the occupation catalogue; stored as other", sent);
}

/*
 * The row callback while the body arrives: the database look-ups a row
 * needs (read-only, outside any transaction), its share of the aggregates,
 * then the spool.
 */
static enum eg_status sink(void *ctx, struct eg_mon_parser *p, const struct eg_mon_row *row)
{
    struct ingest *in = ctx;
    struct rec r;
    const struct wentry *w = NULL;
    const char *district = NULL;
    const char *occupation = NULL;
    int other = 0;
    int64_t person_id = 0;
    enum eg_status rc = EG_OK;
    const struct eg_mon_value *v = row->v;

    switch (row->feed) {
    case EG_MON_FEED_ROSTER:
        occupation = occupation_code(in, v[EG_MON_RO_OCCUPATION].s);
        if (!occupation) {
            /* Not in the catalogue: stored as 'other' with the value as sent,
             * and listed as a warning in the batch's answer. */
            occupation = OCCUPATION_OTHER;
            other = 1;
        }
        if (v[EG_MON_RO_DISTRICT].present && !district_index(in, v[EG_MON_RO_DISTRICT].s)) {
            eg_mon_parser_row_error(p, row, "district", "is not a district of this city");
            return EG_OK;
        }
        break;
    case EG_MON_FEED_WORK:
    case EG_MON_FEED_PENALTIES:
    case EG_MON_FEED_DEACTIVATIONS:
        rc = worker_lookup(in, v[0].s, v[0].len, &w);
        if (rc != EG_OK)
            return rc;
        if (!w || w->id == 0) {
            eg_mon_parser_row_error(p, row, "platform_worker_id",
                                    "is not on this platform's roster (send the roster first)");
            return EG_OK;
        }
        district = in->districts[w->district];
        if (row->feed == EG_MON_FEED_WORK && v[EG_MON_WR_DISTRICT].present) {
            uint8_t di = district_index(in, v[EG_MON_WR_DISTRICT].s);
            if (!di) {
                eg_mon_parser_row_error(p, row, "district", "is not a district of this city");
                return EG_OK;
            }
            district = in->districts[di];
        }
        break;
    case EG_MON_FEED_TRAFFIC:
    case EG_MON_FEED_SOCIAL:
        rc = eg_person_find_by_id_number(in->db, v[0].s, &person_id);
        if (rc == EG_E_NOT_FOUND) {
            eg_mon_parser_row_error(p, row, "id_number", "is not the ID number of a known worker");
            return EG_OK;
        }
        if (rc != EG_OK)
            return rc;
        if (row->feed == EG_MON_FEED_TRAFFIC && !district_index(in, v[EG_MON_TI_DISTRICT].s)) {
            eg_mon_parser_row_error(p, row, "district", "is not a district of this city");
            return EG_OK;
        }
        break;
    default:
        break;
    }
    row_to_rec(row, w ? w->id : 0, district, person_id, occupation, &r);
    if (account(in, &r) != 0) {
        eg_mon_parser_row_error(p, row, "",
                                "the batch spans too many days and districts (at most %d pairs); "
                                "split it",
                                GROUPS_MAX);
        return EG_OK;
    }
    if (other) {
        rec_str(&r, 7, v[EG_MON_RO_OCCUPATION].s, v[EG_MON_RO_OCCUPATION].len);
        warn_other(in, row, v[EG_MON_RO_OCCUPATION].s);
    }
    return spool_put(in, &r);
}

/* -------------------------------------------------------- apply (tx) */

/* Record an error found while applying (a row repeated within the batch). */
static void apply_error(struct ingest *in, const struct rec *r, const char *field,
                        const char *reason)
{
    in->errcount++;
    if (in->nerrs >= EG_MON_MAX_ERRORS)
        return;
    if (!in->errs) {
        in->errs = calloc(EG_MON_MAX_ERRORS, sizeof *in->errs);
        if (!in->errs)
            return;
    }
    struct eg_mon_row_error *e = &in->errs[in->nerrs++];
    e->line = r->line;
    e->index = r->index;
    snprintf(e->field, sizeof e->field, "%s", field);
    snprintf(e->reason, sizeof e->reason, "%s", reason);
}

/* The writer's correction group (day, district): earlier rows' shares. */
static struct eg_mon_agg *wgroup(struct ingest *in, eg_day day, const char *district)
{
    return eg_mon_groups_get(in->wgroups, day, district);
}

/* Write and forget the corrections gathered so far (keys are days). */
static enum eg_status flush_groups(struct eg_db *db, struct ingest *in, struct eg_mon_groups *g)
{
    size_t it = 0;
    int64_t key;
    const char *district;
    struct eg_mon_agg *agg;
    while (eg_mon_groups_next(g, &it, &key, &district, &agg)) {
        enum eg_status rc =
            eg_mon_daily_add(db, (eg_day)key, in->platform_id, district, in->sector, agg);
        if (rc != EG_OK)
            return rc;
    }
    eg_mon_groups_clear(g);
    return EG_OK;
}

/* The writer's text of a day (reformatted only when the day changes). */
static const char *day_text(struct ingest *in, eg_day d)
{
    if (d != in->wday) {
        eg_date_format(d, in->wday_text);
        in->wday = d;
    }
    return in->wday_text;
}

/* A platform's roster entry as stored (the fields a resend may change). */
struct roster_entry {
    int64_t batch_id, person_id;
    char name[EG_MON_FIELD_MAX + 1];
    char phone_idx[65];
    char occupation[65], occupation_sent[EG_MON_FIELD_MAX + 1];
    char status[16], joined[11], district[8];
};

static enum eg_status roster_entry_get(struct eg_db *db, struct ingest *in, const struct rec *r,
                                       struct roster_entry *e, int *found)
{
    struct eg_stmt *st = NULL;
    *found = 0;
    enum eg_status rc = eg_db_query(db, &st,
                                    "SELECT batch_id, person_id, name, phone_idx, occupation, "
                                    "occupation_sent, status, joined_on, district FROM mon_roster "
                                    "WHERE platform_id = ? AND platform_worker_id = ?",
                                    "it", in->platform_id, r->s[0]);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *found = 1;
        e->batch_id = eg_stmt_i64(st, 0);
        e->person_id = eg_stmt_i64(st, 1);
        eg_stmt_copy_text(st, 2, e->name, sizeof e->name);
        eg_stmt_copy_text(st, 3, e->phone_idx, sizeof e->phone_idx);
        eg_stmt_copy_text(st, 4, e->occupation, sizeof e->occupation);
        eg_stmt_copy_text(st, 5, e->occupation_sent, sizeof e->occupation_sent);
        eg_stmt_copy_text(st, 6, e->status, sizeof e->status);
        eg_stmt_copy_text(st, 7, e->joined, sizeof e->joined);
        eg_stmt_copy_text(st, 8, e->district, sizeof e->district);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

/*
 * A roster row. The platform's entry keeps what the platform sent (name,
 * phone encrypted, occupation, status, joined, district); the person record
 * is offered the name and phone when the entry is new or they changed in it,
 * and takes them unless a verified source set them (auth/person_roster.h).
 * "updated" counts entries whose stored values changed, "unchanged" the
 * others; a worker id already written by this batch is a repeat (an error).
 */
static enum eg_status apply_roster(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    struct roster_entry entry, *old = &entry;
    int found = 0;
    int64_t person_id = 0, changes = 0, now = eg_now();
    char joined[11], phone_idx[65] = "", phone_idx_other[65] = "", phone_masked[12] = "";
    const char *phone = r->slen[3] ? r->s[3] : NULL;
    enum eg_status rc = roster_entry_get(db, in, r, old, &found);
    if (rc != EG_OK)
        return rc;
    if (found && old->batch_id == in->batch_id) {
        apply_error(in, r, "platform_worker_id", "appears twice in this batch");
        return EG_OK;
    }
    const struct eg_keys *keys = eg_keys_global();
    if (!keys)
        return EG_E_INTERNAL;
    if (phone) {
        eg_pii_blind_index(keys, "phone:", phone, phone_idx);
        eg_pii_blind_index_other(keys, "phone:", phone, phone_idx_other); /* mid-rotation */
        eg_mask_phone(phone, phone_masked);
    }
    int name_changed = !found || strcmp(old->name, r->s[1]) != 0;
    int phone_changed = !found || (strcmp(old->phone_idx, phone_idx) != 0 &&
                                   strcmp(old->phone_idx, phone_idx_other) != 0);
    struct eg_person_input person = {r->s[1], r->s[2], phone};
    unsigned what = 0;
    const char *bad = NULL;
    rc = eg_person_from_roster(db, in->audit, &person, name_changed, phone_changed, &person_id,
                               &what, &bad);
    if (rc == EG_E_INVALID_FIELD) {
        apply_error(in, r, bad ? bad : "name",
                    bad && strcmp(bad, "phone") == 0 ? "is not a usable phone number"
                                                     : "is not a usable name");
        return EG_OK;
    }
    if (rc != EG_OK)
        return rc;
    eg_date_format((eg_day)r->n[0], joined);
    if (found && !name_changed && !phone_changed && old->person_id == person_id &&
        strcmp(old->occupation, r->s[4]) == 0 && strcmp(old->occupation_sent, r->s[7]) == 0 &&
        strcmp(old->status, r->s[5]) == 0 && strcmp(old->joined, joined) == 0 &&
        strcmp(old->district, r->s[6]) == 0) {
        /* Nothing to change: only mark the entry as this batch's (repeats). */
        in->unchanged++;
        return eg_db_run(db, NULL,
                         "UPDATE mon_roster SET batch_id = ? WHERE platform_id = ? AND "
                         "platform_worker_id = ?",
                         "iit", in->batch_id, in->platform_id, r->s[0]);
    }
    struct eg_arena *a = NULL;
    const char *phone_enc = NULL;
    if (phone) {
        a = eg_arena_new();
        phone_enc = a ? eg_pii_encrypt(keys, a, phone) : NULL;
        if (!phone_enc) {
            eg_arena_destroy(a);
            return EG_E_INTERNAL;
        }
    }
    if (!found) {
        rc =
            eg_db_run(db, &changes,
                      "INSERT INTO mon_roster (platform_id, platform_worker_id, person_id, "
                      "occupation, status, joined_on, district, batch_id, created_at, updated_at, "
                      "name, phone_enc, phone_idx, phone_masked, occupation_sent) VALUES (?, ?, ?, "
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform_id, "
                      "platform_worker_id) DO NOTHING",
                      "itittttiiittttt", in->platform_id, r->s[0], person_id, r->s[4], r->s[5],
                      joined, r->s[6], in->batch_id, now, now, r->s[1], phone_enc,
                      phone ? phone_idx : NULL, phone ? phone_masked : NULL, r->s[7]);
        if (rc == EG_OK && changes != 1)
            rc = EG_E_BUSY; /* stored meanwhile by another batch: start over, and see it */
        if (rc == EG_OK)
            in->inserted++;
    } else {
        rc = eg_db_run(db, NULL,
                       "UPDATE mon_roster SET person_id = ?, occupation = ?, status = ?, joined_on "
                       "= ?, district = ?, batch_id = ?, updated_at = ?, name = ?, phone_enc = ?, "
                       "phone_idx = ?, phone_masked = ?, occupation_sent = ? WHERE platform_id = ? "
                       "AND platform_worker_id = ?",
                       "ittttiitttttit", person_id, r->s[4], r->s[5], joined, r->s[6], in->batch_id,
                       now, r->s[1], phone_enc, phone ? phone_idx : NULL,
                       phone ? phone_masked : NULL, r->s[7], in->platform_id, r->s[0]);
        if (rc == EG_OK)
            in->updated++;
    }
    eg_arena_destroy(a);
    return rc;
}

/*
 * A work record: a plain insert under its key. When the key is taken, a row
 * of this batch is a repeat (an error) and a row of an earlier batch is a
 * correction: replaced, its share of the sums taken away (the new share
 * was counted already on the request's side).
 */
static enum eg_status apply_work_one(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    int64_t changes = 0;
    eg_day d = (eg_day)r->n[1];
    int64_t key = eg_mon_work_key(d, r->n[0]);
    enum eg_status rc = eg_db_run(
        db, &changes,
        /* The hot statement: short text, so the statement cache finds it fast. The
         * columns are in table order (0030_monitoring.sql). */
        "INSERT INTO mon_work_records VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
        "iiitiiiiiii", key, in->platform_id, r->n[0], r->s[0], r->n[2], r->n[3], r->n[4], r->n[5],
        r->n[6], r->n[7], in->batch_id);
    if (rc != EG_OK)
        return rc;
    if (changes == 1) {
        in->inserted++;
        return EG_OK;
    }
    struct eg_stmt *st = NULL;
    struct eg_mon_work old;
    char old_district[8] = "";
    int64_t prev_batch = 0;
    rc = eg_db_query(db, &st,
                     "SELECT batch_id, district, orders, online_minutes, order_minutes, "
                     "income_fen, penalty_count, penalty_fen FROM mon_work_records WHERE id = ?",
                     "i", key);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        prev_batch = eg_stmt_i64(st, 0);
        snprintf(old_district, sizeof old_district, "%s", eg_stmt_text(st, 1));
        old = (struct eg_mon_work){eg_stmt_i64(st, 2), eg_stmt_i64(st, 3), eg_stmt_i64(st, 4),
                                   eg_stmt_i64(st, 5), eg_stmt_i64(st, 6), eg_stmt_i64(st, 7)};
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_BUSY; /* removed meanwhile: try the whole batch again */
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (prev_batch == in->batch_id) {
        apply_error(in, r, "date", "this worker and date appear twice in this batch");
        return EG_OK;
    }
    struct eg_mon_agg *old_agg = wgroup(in, d, old_district);
    if (!old_agg)
        return EG_E_INTERNAL;
    eg_mon_agg_add_work(old_agg, &in->params, &old, -1);
    in->updated++;
    return eg_db_run(db, NULL,
                     "UPDATE mon_work_records SET district = ?, orders = ?, online_minutes = ?, "
                     "order_minutes = ?, income_fen = ?, penalty_count = ?, penalty_fen = ?, "
                     "batch_id = ? WHERE id = ?",
                     "tiiiiiiii", r->s[0], r->n[2], r->n[3], r->n[4], r->n[5], r->n[6], r->n[7],
                     in->batch_id, key);
}

/*
 * Whether the platform had no work records on day d before this batch (its
 * daily aggregates, written in the same transactions as the records, say
 * so). Remembered per batch. 1 fresh, 0 not, -1 on a database error.
 */
static int day_fresh(struct eg_db *db, struct ingest *in, eg_day d)
{
    size_t slot = (size_t)((uint64_t)d % FRESH_SLOTS);
    if (in->fresh_day[slot] == d)
        return in->fresh[slot];
    int64_t n = 0;
    if (eg_db_one_i64(db, &n,
                      "SELECT COUNT(*) FROM mon_daily WHERE day = ? AND platform_id = ? AND "
                      "records > 0",
                      "ti", day_text(in, d), in->platform_id) != EG_OK)
        return -1;
    in->fresh_day[slot] = d;
    in->fresh[slot] = n == 0;
    return n == 0;
}

/* The multi-row insert: WORK_GROUP rows of 11 columns, in table order. */
#define WR_ROW "(?,?,?,?,?,?,?,?,?,?,?)"
#define WR_4   WR_ROW "," WR_ROW "," WR_ROW "," WR_ROW
#define WR_16  WR_4 "," WR_4 "," WR_4 "," WR_4

/*
 * Insert the waiting work records: a full group with one statement, bound
 * through the driver (176 parameters), a partial one row by row. Every row
 * of a full group must be new — their days were fresh — so fewer changes
 * than rows means a worker and date twice in the batch: the transaction is
 * given up and run again row by row (rerun_single), which reports them.
 */
static enum eg_status flush_pending(struct eg_db *db, struct ingest *in)
{
    size_t n = in->npend;
    enum eg_status rc = EG_OK;
    in->npend = 0;
    if (n == 0)
        return EG_OK;
    if (n < WORK_GROUP) {
        for (size_t i = 0; i < n && rc == EG_OK; i++) {
            const struct pend_work *p = &in->pend[i];
            struct rec r;
            memset(&r, 0, sizeof r);
            r.line = p->line;
            r.index = p->index;
            memcpy(r.n, p->n, sizeof r.n);
            for (int k = 0; k < SPOOL_STRS; k++)
                r.s[k] = "";
            r.s[0] = p->district;
            r.slen[0] = p->dlen;
            rc = apply_work_one(db, in, &r);
        }
        return rc;
    }
    const struct eg_db_driver *drv = eg_db_driver_of(db);
    struct eg_stmt *st = NULL;
    rc = drv->prepare(db, "INSERT INTO mon_work_records VALUES " WR_16 " ON CONFLICT DO NOTHING",
                      &st);
    for (size_t i = 0; i < WORK_GROUP && rc == EG_OK; i++) {
        const struct pend_work *p = &in->pend[i];
        int b = (int)i * 11;
        const int64_t v[11] = {eg_mon_work_key((eg_day)p->n[1], p->n[0]),
                               in->platform_id,
                               p->n[0],
                               0,
                               p->n[2],
                               p->n[3],
                               p->n[4],
                               p->n[5],
                               p->n[6],
                               p->n[7],
                               in->batch_id};
        for (int k = 0; k < 11 && rc == EG_OK; k++)
            rc = k == 3 ? drv->bind_text(st, b + k + 1, p->district, p->dlen)
                        : drv->bind_i64(st, b + k + 1, v[k]);
    }
    if (rc == EG_OK) {
        rc = drv->step(st);
        rc = rc == EG_DONE ? EG_OK : rc == EG_ROW ? EG_E_INTERNAL : rc;
    }
    int64_t changes = rc == EG_OK ? drv->changes(db) : 0;
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (changes != WORK_GROUP) {
        in->rerun_single = 1;
        return EG_E_CONFLICT;
    }
    in->inserted += WORK_GROUP;
    return EG_OK;
}

/*
 * A work record: one of a multi-row group when its day is fresh for the
 * platform (nothing there to correct), else on its own.
 */
static enum eg_status apply_work(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    if (!in->single_row && r->slen[0] < sizeof in->pend[0].district) {
        int fresh = day_fresh(db, in, (eg_day)r->n[1]);
        if (fresh < 0)
            return EG_E_DB;
        if (fresh) {
            struct pend_work *p = &in->pend[in->npend++];
            p->line = r->line;
            p->index = r->index;
            memcpy(p->n, r->n, sizeof p->n);
            memcpy(p->district, r->s[0], r->slen[0]);
            p->district[r->slen[0]] = '\0';
            p->dlen = r->slen[0];
            return in->npend == WORK_GROUP ? flush_pending(db, in) : EG_OK;
        }
    }
    enum eg_status rc = flush_pending(db, in);
    return rc == EG_OK ? apply_work_one(db, in, r) : rc;
}

static enum eg_status apply_penalty(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    int64_t changes = 0;
    eg_day d = eg_day_of(r->n[1]);
    enum eg_status rc =
        eg_db_run(db, &changes,
                  "INSERT INTO mon_penalties (platform_id, worker_id, occurred_at, day, district, "
                  "reason, amount_fen, appealed, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
                  "CONFLICT (platform_id, worker_id, occurred_at) DO NOTHING",
                  "iiitttiii", in->platform_id, r->n[0], r->n[1], day_text(in, d), r->s[0], r->s[1],
                  r->n[2], r->n[3], in->batch_id);
    if (rc != EG_OK)
        return rc;
    if (changes == 1) {
        in->inserted++;
        return EG_OK;
    }
    struct eg_stmt *st = NULL;
    int64_t prev_batch = 0, old_amount = 0, old_appealed = 0;
    char old_day_text[11] = "", old_district[8] = "";
    rc = eg_db_query(db, &st,
                     "SELECT batch_id, day, district, amount_fen, appealed FROM mon_penalties "
                     "WHERE platform_id = ? AND worker_id = ? AND occurred_at = ?",
                     "iii", in->platform_id, r->n[0], r->n[1]);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        prev_batch = eg_stmt_i64(st, 0);
        snprintf(old_day_text, sizeof old_day_text, "%s", eg_stmt_text(st, 1));
        snprintf(old_district, sizeof old_district, "%s", eg_stmt_text(st, 2));
        old_amount = eg_stmt_i64(st, 3);
        old_appealed = eg_stmt_i64(st, 4);
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_BUSY;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (prev_batch == in->batch_id) {
        apply_error(in, r, "occurred_at", "this worker and instant appear twice in this batch");
        return EG_OK;
    }
    eg_day old_day = d;
    eg_date_parse(old_day_text, &old_day);
    struct eg_mon_agg *old_agg = wgroup(in, old_day, old_district);
    if (!old_agg)
        return EG_E_INTERNAL;
    eg_mon_agg_add_penalty(old_agg, old_amount, old_appealed != 0, -1);
    in->updated++;
    return eg_db_run(
        db, NULL,
        "UPDATE mon_penalties SET district = ?, reason = ?, amount_fen = ?, appealed "
        "= ?, batch_id = ? WHERE platform_id = ? AND worker_id = ? AND occurred_at = ?",
        "ttiiiiii", r->s[0], r->s[1], r->n[2], r->n[3], in->batch_id, in->platform_id, r->n[0],
        r->n[1]);
}

static enum eg_status apply_deactivation(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    int64_t changes = 0;
    eg_day d = eg_day_of(r->n[1]);
    enum eg_status rc =
        eg_db_run(db, &changes,
                  "INSERT INTO mon_deactivations (platform_id, worker_id, occurred_at, day, "
                  "district, reason, appeal_channel, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON "
                  "CONFLICT (platform_id, worker_id, occurred_at) DO NOTHING",
                  "iiitttti", in->platform_id, r->n[0], r->n[1], day_text(in, d), r->s[0], r->s[1],
                  r->s[2], in->batch_id);
    if (rc != EG_OK)
        return rc;
    if (changes == 1) {
        in->inserted++;
        return eg_db_run(db, NULL,
                         "UPDATE mon_roster SET status = 'deactivated', updated_at = ? WHERE id "
                         "= ? AND status = 'active'",
                         "ii", eg_now(), r->n[0]);
    }
    struct eg_stmt *st = NULL;
    int64_t prev_batch = 0;
    int had_channel = 0;
    char old_district[8] = "";
    rc = eg_db_query(db, &st,
                     "SELECT batch_id, district, appeal_channel FROM mon_deactivations WHERE "
                     "platform_id = ? AND worker_id = ? AND occurred_at = ?",
                     "iii", in->platform_id, r->n[0], r->n[1]);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        prev_batch = eg_stmt_i64(st, 0);
        snprintf(old_district, sizeof old_district, "%s", eg_stmt_text(st, 1));
        had_channel = eg_stmt_text(st, 2)[0] != '\0';
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_BUSY;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    if (prev_batch == in->batch_id) {
        apply_error(in, r, "occurred_at", "this worker and instant appear twice in this batch");
        return EG_OK;
    }
    struct eg_mon_agg *old_agg = wgroup(in, d, old_district);
    if (!old_agg)
        return EG_E_INTERNAL;
    eg_mon_agg_add_deactivation(old_agg, had_channel, -1);
    in->updated++;
    return eg_db_run(db, NULL,
                     "UPDATE mon_deactivations SET district = ?, reason = ?, appeal_channel = ?, "
                     "batch_id = ? WHERE platform_id = ? AND worker_id = ? AND occurred_at = ?",
                     "tttiiii", r->s[0], r->s[1], r->s[2], in->batch_id, in->platform_id, r->n[0],
                     r->n[1]);
}

static enum eg_status apply_traffic(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    int64_t changes = 0, prev_batch = 0;
    const char *day = day_text(in, eg_day_of(r->n[1]));
    enum eg_status rc = eg_db_run(
        db, &changes,
        "INSERT INTO mon_traffic_incidents (department_id, reference, person_id, occurred_at, "
        "day, district, kind, severity, vehicle, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (department_id, reference) DO NOTHING",
        "itiittttti", in->department_id, r->s[4], r->n[0], r->n[1], day, r->s[0], r->s[1], r->s[2],
        r->s[3], in->batch_id);
    if (rc != EG_OK || changes == 1) {
        in->inserted += changes == 1;
        return rc;
    }
    rc = eg_db_one_i64(db, &prev_batch,
                       "SELECT batch_id FROM mon_traffic_incidents WHERE department_id = ? AND "
                       "reference = ?",
                       "it", in->department_id, r->s[4]);
    if (rc != EG_OK)
        return rc;
    if (prev_batch == in->batch_id) {
        apply_error(in, r, "reference", "appears twice in this batch");
        return EG_OK;
    }
    in->updated++;
    return eg_db_run(db, NULL,
                     "UPDATE mon_traffic_incidents SET person_id = ?, occurred_at = ?, day = ?, "
                     "district = ?, kind = ?, severity = ?, vehicle = ?, batch_id = ? WHERE "
                     "department_id = ? AND reference = ?",
                     "iitttttiit", r->n[0], r->n[1], day, r->s[0], r->s[1], r->s[2], r->s[3],
                     in->batch_id, in->department_id, r->s[4]);
}

static enum eg_status apply_social(struct eg_db *db, struct ingest *in, const struct rec *r)
{
    char month[16];
    int64_t changes = 0, prev_batch = 0;
    snprintf(month, sizeof month, "%04d-%02d", (int)(r->n[1] / 12), (int)(r->n[1] % 12) + 1);
    enum eg_status rc = eg_db_run(
        db, &changes,
        "INSERT INTO mon_social_insurance (department_id, person_id, month, scheme, status, "
        "payer_credit_code, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, month, "
        "scheme) DO NOTHING",
        "iitttti", in->department_id, r->n[0], month, r->s[0], r->s[1], r->s[2], in->batch_id);
    if (rc != EG_OK || changes == 1) {
        in->inserted += changes == 1;
        return rc;
    }
    rc = eg_db_one_i64(db, &prev_batch,
                       "SELECT batch_id FROM mon_social_insurance WHERE person_id = ? AND month = "
                       "? AND scheme = ?",
                       "itt", r->n[0], month, r->s[0]);
    if (rc != EG_OK)
        return rc;
    if (prev_batch == in->batch_id) {
        apply_error(in, r, "scheme", "this person, month and scheme appear twice in this batch");
        return EG_OK;
    }
    in->updated++;
    return eg_db_run(db, NULL,
                     "UPDATE mon_social_insurance SET department_id = ?, status = ?, "
                     "payer_credit_code = ?, batch_id = ? WHERE person_id = ? AND month = ? AND "
                     "scheme = ?",
                     "ittiitt", in->department_id, r->s[1], r->s[2], in->batch_id, r->n[0], month,
                     r->s[0]);
}

static json_t *error_json(const struct eg_mon_row_error *e);

/* The stored answer of a batch. */
static char *result_text(struct ingest *in)
{
    json_t *o = json_object();
    char at[21], d1[11], d2[11];
    eg_instant_format(eg_now(), at);
    json_object_set_new(o, "id", json_integer(in->batch_id));
    json_object_set_new(o, "batch_id", json_string(in->key));
    json_object_set_new(o, "feed", json_string(eg_mon_feed_names[in->feed]));
    json_object_set_new(o, "format", json_string(in->fmt == EG_MON_CSV ? "csv" : "json"));
    json_object_set_new(o, "rows", json_integer(in->rows));
    json_object_set_new(o, "inserted", json_integer(in->inserted));
    json_object_set_new(o, "updated", json_integer(in->updated));
    if (in->feed == EG_MON_FEED_ROSTER) {
        /* roster entries resent as they were; rows stored with warnings */
        json_object_set_new(o, "unchanged", json_integer(in->unchanged));
        json_t *warnings = json_array();
        for (size_t i = 0; i < in->nwarnings; i++)
            json_array_append_new(warnings, error_json(&in->warnings[i]));
        json_object_set_new(o, "warnings", warnings);
        json_object_set_new(o, "warning_count", json_integer((json_int_t)in->warning_count));
    }
    eg_date_format(in->first_day, d1);
    eg_date_format(in->last_day, d2);
    json_object_set_new(o, "first_day", in->first_day ? json_string(d1) : json_null());
    json_object_set_new(o, "last_day", in->last_day ? json_string(d2) : json_null());
    json_object_set_new(o, "received_at", json_string(at));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* Whether the writer must stop: told to by the request's side, or the body stalled. */
static int told_to_abort(struct ingest *in)
{
    int abort = 0;
    if (!in->w.sync_ready)
        return 0;
    pthread_mutex_lock(&in->w.mu);
    abort = in->w.abort || in->w.stalled;
    pthread_mutex_unlock(&in->w.mu);
    return abort;
}

/* The whole batch in one transaction (started over from the first row when busy). */
static enum eg_status apply_tx(struct eg_db *db, void *p)
{
    struct ingest *in = p;
    struct rec r;
    enum eg_status rc;
    struct eg_stmt *st = NULL;
    in->rows = in->inserted = in->updated = in->unchanged = 0;
    in->nerrs = 0;
    in->errcount = 0;
    in->wday = 0;
    in->npend = 0;
    in->rerun_single = 0;
    memset(in->fresh_day, 0, sizeof in->fresh_day);
    eg_mon_groups_clear(in->wgroups);
    free(in->result);
    in->result = NULL;
    in->rewind(in);

    rc = eg_db_query(db, &st,
                     "INSERT INTO mon_batches (source_kind, source_id, feed, batch_key, body_hash, "
                     "format, rows, inserted, updated, result, received_by, created_at) VALUES "
                     "(?, ?, ?, ?, ?, ?, 0, 0, 0, '{}', ?, ?) RETURNING id",
                     "tittttti", in->source_kind, in->source_id, eg_mon_feed_names[in->feed],
                     in->key, in->body_hash, in->fmt == EG_MON_CSV ? "csv" : "json",
                     in->received_by, eg_now());
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        in->batch_id = eg_stmt_i64(st, 0);
        rc = eg_stmt_step(st);
    }
    eg_stmt_done(st);
    if (rc != EG_DONE)
        return rc == EG_OK ? EG_E_DB : rc;

    while (in->next(in, &r)) {
        in->rows++;
        switch (in->feed) {
        case EG_MON_FEED_ROSTER:
            rc = apply_roster(db, in, &r);
            break;
        case EG_MON_FEED_WORK:
            rc = apply_work(db, in, &r);
            break;
        case EG_MON_FEED_PENALTIES:
            rc = apply_penalty(db, in, &r);
            break;
        case EG_MON_FEED_DEACTIVATIONS:
            rc = apply_deactivation(db, in, &r);
            break;
        case EG_MON_FEED_TRAFFIC:
            rc = apply_traffic(db, in, &r);
            break;
        case EG_MON_FEED_SOCIAL:
            rc = apply_social(db, in, &r);
            break;
        default:
            rc = EG_E_INTERNAL;
        }
        if (rc != EG_OK)
            return rc;
        /* Told to stop (the request's side gave up waiting, or the client
         * went away): do not go on to the end of a long spool first. */
        if (in->rows % ABORT_CHECK_ROWS == 0 && told_to_abort(in))
            return EG_E_BATCH_REJECTED;
        if (eg_mon_groups_count(in->wgroups) > GROUPS_FLUSH &&
            (rc = flush_groups(db, in, in->wgroups)) != EG_OK)
            return rc;
    }
    /* The rows have all come (or the request's side gave up on the batch). */
    if (!told_to_abort(in) && (rc = flush_pending(db, in)) != EG_OK)
        return rc;
    if (told_to_abort(in) || in->errcount > 0 || in->check_only)
        return EG_E_BATCH_REJECTED;
    rc = flush_groups(db, in, in->wgroups);
    if (rc != EG_OK)
        return rc;
    /* The request's side counted every row as new: its sums, kept for a retry. */
    size_t it = 0;
    int64_t key;
    const char *district;
    struct eg_mon_agg *agg;
    while ((rc == EG_OK) && eg_mon_groups_next(in->rgroups, &it, &key, &district, &agg))
        rc = eg_mon_daily_add(db, (eg_day)key, in->platform_id, district, in->sector, agg);
    if (rc != EG_OK)
        return rc;
    in->result = result_text(in);
    if (!in->result)
        return EG_E_INTERNAL;
    in->w.applied_us = eg_now_us();
    /* The body's hash is known only now: the row was inserted when the
     * writer started, which for a large body is before its end. */
    assert(in->body_hash[0] != '\0');
    rc = eg_db_run(db, NULL,
                   "UPDATE mon_batches SET rows = ?, inserted = ?, updated = ?, result = ?, "
                   "body_hash = ? WHERE id = ?",
                   "iiitti", in->rows, in->inserted, in->updated, in->result, in->body_hash,
                   in->batch_id);
    if (rc != EG_OK)
        return rc;
    return eg_mon_audit_json(
        db, in->audit, "feed.batch", "feed_batch", in->batch_id,
        json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "feed", eg_mon_feed_names[in->feed],
                  "batch_key", in->key, "source", in->source_kind, "source_id",
                  (json_int_t)in->source_id, "rows", (json_int_t)in->rows, "inserted",
                  (json_int_t)in->inserted, "updated", (json_int_t)in->updated));
}

/* ------------------------------------------------------------ writer */

/*
 * The batch's transaction; run again one row at a time when a multi-row
 * insert met a repeated worker and date (see flush_pending). Inside a
 * caller's transaction (which cannot be given up) rows go one at a time.
 */
static enum eg_status apply_batch(struct eg_db *db, struct ingest *in)
{
    if (eg_db_in_tx(db)) {
        in->single_row = 1;
        return apply_tx(db, in);
    }
    enum eg_status rc = eg_db_tx(db, apply_tx, in);
    if (rc != EG_OK && in->rerun_single && !told_to_abort(in)) {
        eg_log(EG_LOG_DEBUG, "event=feed_rerun_single_rows");
        in->single_row = 1;
        rc = eg_db_tx(db, apply_tx, in);
    }
    return rc;
}

/*
 * The writer thread: the batch's transaction, then (SQLite) the checkpoint
 * of the write-ahead log it grew, after the request's side has been told the
 * outcome — so the reply does not wait for copying tens of megabytes into
 * the database file. Its connection has automatic checkpoints off.
 */
static void *writer_main(void *p)
{
    struct ingest *in = p;
    struct writer *w = &in->w;
    int64_t c0 = thread_cpu_us();
    enum eg_status st = apply_batch(w->db, in);
    if (told_to_abort(in) && st == EG_E_BATCH_REJECTED)
        eg_log(EG_LOG_DEBUG, "event=feed_writer_stopped");
    pthread_mutex_lock(&w->mu);
    w->status = st;
    w->committed_us = eg_now_us();
    w->cpu_us = thread_cpu_us() - c0;
    w->finished = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (st == EG_OK && eg_db_engine_of(w->db) == EG_DB_SQLITE &&
        eg_db_exec(w->db, "PRAGMA wal_checkpoint(PASSIVE)") != EG_OK)
        eg_log(EG_LOG_WARN, "event=feed_checkpoint_failed");
    return NULL;
}

/* Start the writer thread on its own connection. */
static enum eg_status writer_start(struct ingest *in)
{
    struct writer *w = &in->w;
    if (w->started)
        return EG_OK;
    enum eg_status rc = EG_OK;
    if (!w->db) {
        rc = eg_db_open(in->db_url, &w->db);
        /* the writer checkpoints itself once the request is answered */
        if (rc == EG_OK && eg_db_engine_of(w->db) == EG_DB_SQLITE)
            rc = eg_db_exec(w->db, "PRAGMA wal_autocheckpoint=0");
        if (rc != EG_OK) {
            eg_db_close(w->db);
            w->db = NULL;
            return rc;
        }
    }
    w->finished = 0;
    if (pthread_create(&w->thread, NULL, writer_main, in) != 0) {
        eg_db_close(w->db);
        w->db = NULL;
        return EG_E_INTERNAL;
    }
    pthread_setname_np(w->thread, "egret-feed");
    w->started = 1;
    return EG_OK;
}

/* Publish what has been spooled so far. */
static enum eg_status writer_publish(struct ingest *in, int end)
{
    if (spool_flush(in) != EG_OK)
        return EG_E_INTERNAL;
    pthread_mutex_lock(&in->w.mu);
    in->w.published = in->spool_bytes;
    if (end)
        in->w.end = 1;
    pthread_cond_broadcast(&in->w.cv);
    pthread_mutex_unlock(&in->w.mu);
    return EG_OK;
}

/* Tell the writer to stop (roll back) and wait for it. */
static void writer_stop(struct ingest *in, int abort)
{
    struct writer *w = &in->w;
    if (!w->started || w->joined)
        return;
    pthread_mutex_lock(&w->mu);
    if (abort)
        w->abort = 1;
    w->end = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->joined = 1;
}

/* Tell the writer the body is complete and wait for its transaction's end
 * (it may go on to checkpoint; the clean-up joins it), but not past the
 * deadline (CLOCK_REALTIME): an event-loop thread waits here. 0 when it
 * ended, -1 at the deadline. */
static int writer_wait(struct ingest *in, const struct timespec *until)
{
    struct writer *w = &in->w;
    int timed_out = 0;
    if (!w->started || w->joined)
        return 0;
    pthread_mutex_lock(&w->mu);
    w->end = 1;
    pthread_cond_broadcast(&w->cv);
    while (!w->finished && !timed_out)
        timed_out = pthread_cond_timedwait(&w->cv, &w->mu, until) != 0 && !w->finished;
    pthread_mutex_unlock(&w->mu);
    return timed_out ? -1 : 0;
}

/*
 * At the end of the body: a writer that let go because the body stalled is
 * run again over the whole spool (it cannot stall now: the end is known).
 */
static void writer_restart_if_stalled(struct ingest *in)
{
    struct writer *w = &in->w;
    if (!w->started || !w->stalled)
        return;
    writer_stop(in, 0);
    pthread_mutex_lock(&w->mu);
    w->stalled = 0;
    pthread_mutex_unlock(&w->mu);
    w->started = 0;
    w->joined = 0;
    w->status = EG_OK;
    if (writer_start(in) != EG_OK)
        w->status = EG_E_UNAVAILABLE;
}

/* The request's clean-up: a writer still running (the client went away) is
 * stopped, which rolls it back; then its connection and memory go. */
static void writer_cleanup(void *p)
{
    struct ingest *in = p;
    writer_stop(in, 1);
    if (in->w.db)
        eg_db_close(in->w.db);
    in->w.db = NULL;
    if (in->w.sync_ready) {
        pthread_cond_destroy(&in->w.cv);
        pthread_mutex_destroy(&in->w.mu);
    }
    free(in->w.buf);
    free(in->errs);
    free(in->result);
    eg_mon_groups_free(in->wgroups);
    in->w.buf = NULL;
    in->errs = NULL;
    in->result = NULL;
    in->wgroups = NULL;
}

/* --------------------------------------------------------- replies */

static json_t *error_json(const struct eg_mon_row_error *e)
{
    json_t *o = json_pack("{s:I, s:s, s:s}", "line", (json_int_t)e->line, "field", e->field,
                          "reason", e->reason);
    if (o && e->index > 0)
        json_object_set_new(o, "row", json_integer(e->index));
    return o;
}

/* 422 batch_rejected with every bad row (the first EG_MON_MAX_ERRORS). */
static void reply_rejected(struct eg_req *req, const struct eg_mon_row_error *errs, size_t n,
                           uint64_t total, const char *message)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, error_json(&errs[i]));
    char msg[300];
    if (message)
        snprintf(msg, sizeof msg, "%s; nothing was stored.", message);
    else
        snprintf(msg, sizeof msg, "The batch has %llu error%s; nothing was stored.",
                 (unsigned long long)total, total == 1 ? "" : "s");
    json_t *err = json_pack("{s:s, s:s, s:o, s:I, s:I}", "code", "batch_rejected", "message", msg,
                            "errors", list, "error_count", (json_int_t)total, "errors_omitted",
                            (json_int_t)(total > n ? total - n : 0));
    eg_reply_json(req, 422, json_pack("{s:o}", "error", err));
}

/* ----------------------------------------------------------- stream */

/* The format of a Content-Type: text/csv or application/json (charset, if
 * given, UTF-8); -1 otherwise. */
static int content_format(const char *ct)
{
    size_t n;
    int fmt;
    if (!ct)
        return -1;
    ct += strspn(ct, " \t");
    if (strncasecmp(ct, "text/csv", 8) == 0) {
        fmt = EG_MON_CSV;
        n = 8;
    } else if (strncasecmp(ct, "application/json", 16) == 0) {
        fmt = EG_MON_JSON;
        n = 16;
    } else {
        return -1;
    }
    const char *p = ct + n;
    p += strspn(p, " \t");
    if (*p != '\0' && *p != ';')
        return -1;
    while (*p == ';') {
        p++;
        p += strspn(p, " \t");
        if (strncasecmp(p, "charset=", 8) == 0) {
            const char *v = p + 8;
            if (*v == '"')
                v++;
            if (strncasecmp(v, "utf-8", 5) != 0 ||
                (v[5] != '\0' && v[5] != ';' && v[5] != '"' && v[5] != ' '))
                return -1;
        }
        p = strchr(p, ';') ? strchr(p, ';') : p + strlen(p);
    }
    return fmt;
}

/* Whether a batch id is 1–128 characters of [A-Za-z0-9._:-]. */
static int key_ok(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    return n >= 1 && n <= KEY_MAX &&
           strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") == n;
}

/* Whether the department may send this feed. */
static enum eg_status department_may(struct eg_db *db, int64_t dept, enum eg_mon_feed feed)
{
    struct eg_stmt *st = NULL;
    char code[33] = "";
    enum eg_status rc = eg_db_query(
        db, &st, "SELECT code FROM departments WHERE id = ? AND archived = 0", "i", dept);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        snprintf(code, sizeof code, "%s", eg_stmt_text(st, 0));
        rc = EG_OK;
    } else if (rc == EG_DONE) {
        rc = EG_E_FORBIDDEN;
    }
    eg_stmt_done(st);
    if (rc != EG_OK)
        return rc;
    for (size_t i = 0; i < sizeof feed_departments / sizeof feed_departments[0]; i++) {
        if (feed_departments[i].feed != feed)
            continue;
        for (size_t k = 0; k < FEED_DEPARTMENTS_MAX && feed_departments[i].codes[k]; k++)
            if (strcmp(feed_departments[i].codes[k], code) == 0)
                return EG_OK;
    }
    return EG_E_FORBIDDEN;
}

/*
 * Take a slot for an upload from a source (kind 1 platform, 2 department).
 * 0 when taken; 1 when every slot is in use; 2 when the source has its
 * share already.
 */
static int stream_slot_take(int kind, int64_t id)
{
    int rc = 0, mine = -1, free_i = -1;
    pthread_mutex_lock(&streams.mu);
    for (int i = 0; i < STREAMS_MAX; i++) {
        if (streams.src[i].kind == kind && streams.src[i].id == id)
            mine = i;
        else if (streams.src[i].kind == 0 && free_i < 0)
            free_i = i;
    }
    if (streams.total >= STREAMS_MAX) {
        rc = 1;
    } else if (mine >= 0 && streams.src[mine].n >= STREAMS_PER_SOURCE) {
        rc = 2;
    } else {
        if (mine < 0) {
            mine = free_i; /* there is one: fewer than STREAMS_MAX uploads run */
            streams.src[mine].kind = kind;
            streams.src[mine].id = id;
            streams.src[mine].n = 0;
        }
        streams.src[mine].n++;
        streams.total++;
    }
    pthread_mutex_unlock(&streams.mu);
    return rc;
}

static void stream_slot_release(void *p)
{
    struct ingest *in = p;
    if (!in->slot_kind)
        return;
    pthread_mutex_lock(&streams.mu);
    for (int i = 0; i < STREAMS_MAX; i++) {
        if (streams.src[i].kind == in->slot_kind && streams.src[i].id == in->slot_id) {
            if (--streams.src[i].n == 0)
                streams.src[i].kind = 0;
            streams.total--;
            break;
        }
    }
    pthread_mutex_unlock(&streams.mu);
    in->slot_kind = 0;
}

static void close_db(void *p)
{
    eg_db_close(p);
}

/*
 * The upload's slot (429 over a cap) and its own connection for look-ups:
 * the pooled connection of begin() goes back when it returns.
 */
static enum eg_status stream_take(struct eg_req *req, struct ingest *in)
{
    int kind = strcmp(in->source_kind, "platform") == 0 ? 1 : 2;
    int full = stream_slot_take(kind, in->source_id);
    if (full) {
        eg_reply_header(req, "Retry-After", STREAMS_RETRY_S);
        if (full == 1)
            eg_reply_error(req, EG_E_THROTTLED, NULL,
                           "%d feed uploads are in progress, the most at once; send this one "
                           "when one of them has finished.",
                           STREAMS_MAX);
        else
            eg_reply_error(req, EG_E_THROTTLED, NULL,
                           "This %s has %d feed uploads in progress, the most at once; send "
                           "this one when one of them has finished.",
                           in->source_kind, STREAMS_PER_SOURCE);
        return EG_E_THROTTLED;
    }
    in->slot_kind = kind;
    in->slot_id = in->source_id;
    if (eg_arena_defer(req->arena, stream_slot_release, in) != 0) {
        stream_slot_release(in);
        return EG_E_INTERNAL;
    }
    struct eg_db *db = NULL;
    enum eg_status rc = eg_db_open(in->db_url, &db);
    if (rc != EG_OK) {
        eg_log(EG_LOG_ERROR, "event=feed_db_open_failed rid=%s code=%s", req->request_id,
               eg_status_code(rc));
        return EG_E_UNAVAILABLE;
    }
    if (eg_arena_defer(req->arena, close_db, db) != 0) {
        eg_db_close(db);
        return EG_E_INTERNAL;
    }
    in->db = db;
    return EG_OK;
}

/* An earlier batch with this id: its hash and result. */
static enum eg_status find_batch(struct eg_db *db, struct ingest *in, int *found)
{
    struct eg_stmt *st = NULL;
    *found = 0;
    enum eg_status rc =
        eg_db_query(db, &st,
                    "SELECT body_hash, result FROM mon_batches WHERE source_kind "
                    "= ? AND source_id = ? AND feed = ? AND batch_key = ?",
                    "titt", in->source_kind, in->source_id, eg_mon_feed_names[in->feed], in->key);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW) {
        *found = 1;
        snprintf(in->stored_hash, sizeof in->stored_hash, "%s", eg_stmt_text(st, 0));
        in->stored_result = eg_arena_strdup(in->arena, eg_stmt_text(st, 1));
        rc = in->stored_result ? EG_OK : EG_E_INTERNAL;
    } else if (rc == EG_DONE) {
        rc = EG_OK;
    }
    eg_stmt_done(st);
    return rc;
}

static enum eg_status stream_begin(struct eg_req *req)
{
    const char *seg = strrchr(req->route->pattern, '/');
    int feed = eg_mon_feed_parse(seg ? seg + 1 : "");
    if (feed < 0)
        return EG_E_NOT_FOUND;
    int fmt = content_format(eg_req_header(req, "Content-Type"));
    if (fmt < 0) {
        eg_reply_error(req, EG_E_UNSUPPORTED_MEDIA_TYPE, NULL,
                       "Send the feed as text/csv or application/json (UTF-8).");
        return EG_E_UNSUPPORTED_MEDIA_TYPE;
    }
    const char *key = eg_req_header(req, "Idempotency-Key");
    if (!key || !*key) {
        eg_reply_error(req, EG_E_MISSING_IDEMPOTENCY_KEY, "Idempotency-Key",
                       "Send the batch id in the Idempotency-Key header.");
        return EG_E_MISSING_IDEMPOTENCY_KEY;
    }
    if (!key_ok(key)) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "Idempotency-Key",
                       "The batch id must be 1 to 128 characters of letters, digits and . _ : -");
        return EG_E_INVALID_PARAMETER;
    }
    /* Not from the arena: struct ingest holds libsodium's hash state, which
     * must be 64-byte aligned, more than the arena's 16. Freed with the arena. */
    struct ingest *in = NULL;
    if (posix_memalign((void **)&in, _Alignof(struct ingest), sizeof *in) != 0)
        return EG_E_INTERNAL;
    memset(in, 0, sizeof *in);
    if (eg_arena_defer(req->arena, free, in) != 0)
        return EG_E_INTERNAL;
    struct eg_audit_ctx *audit = eg_arena_alloc(req->arena, sizeof *audit);
    if (!audit)
        return EG_E_INTERNAL;
    *audit = eg_mon_audit(req);
    in->audit = audit;
    in->feed = (enum eg_mon_feed)feed;
    in->fmt = (enum eg_mon_format)fmt;
    in->arena = req->arena;
    in->received_by = req->who.login;
    in->w.fd = -1;
    snprintf(in->key, sizeof in->key, "%s", key);
    snprintf(in->db_url, sizeof in->db_url, "%s", req->config->db);
    eg_mon_params_of(req->config, &in->params);
    enum eg_status rc;
    if (eg_mon_feed_is_department(in->feed)) {
        if (req->who.role != EG_ROLE_DEPARTMENT || req->who.department_id <= 0)
            return EG_E_FORBIDDEN;
        rc = department_may(req->db, req->who.department_id, in->feed);
        if (rc == EG_E_FORBIDDEN) {
            eg_reply_error(req, rc, NULL, "Your department does not send the %s feed.",
                           eg_mon_feed_names[in->feed]);
            return rc;
        }
        if (rc != EG_OK)
            return rc;
        in->source_kind = "department";
        in->source_id = in->department_id = req->who.department_id;
    } else {
        if (req->who.role != EG_ROLE_PLATFORM || req->who.organisation_id <= 0)
            return EG_E_FORBIDDEN;
        rc = eg_mon_platform_sector(req->db, req->who.organisation_id, in->sector);
        if (rc == EG_E_NOT_FOUND) {
            eg_reply_error(req, EG_E_FORBIDDEN, NULL,
                           "Only an active platform sends feeds; this account's organisation is "
                           "not one.");
            return EG_E_FORBIDDEN;
        }
        if (rc != EG_OK)
            return rc;
        in->source_kind = "platform";
        in->source_id = in->platform_id = req->who.organisation_id;
    }
    if ((rc = stream_take(req, in)) != EG_OK)
        return rc;
    int found = 0;
    rc = find_batch(in->db, in, &found);
    if (rc != EG_OK)
        return rc;
    in->replay = found;
    crypto_generichash_init(&in->hash, NULL, 0, 32);
    crypto_generichash_update(&in->hash,
                              (const unsigned char *)(fmt == EG_MON_CSV ? "csv\n" : "json\n"),
                              fmt == EG_MON_CSV ? 4 : 5);
    req->stream_ctx = in;
    in->began_us = eg_now_us();
    in->began_cpu_us = thread_cpu_us();
    if (in->replay)
        return EG_OK;

    if ((rc = load_districts(in, in->db, in->arena)) != EG_OK)
        return rc;
    if (in->feed == EG_MON_FEED_ROSTER && (rc = load_occupations(in)) != EG_OK)
        return rc;
    in->parser = eg_mon_parser_new(in->feed, in->fmt, eg_mon_today(), eg_now(), sink, in);
    in->spool = tmpfile();
    in->spool_buf = eg_arena_alloc(req->arena, SPOOL_STRS * (EG_MON_FIELD_MAX + 1));
    in->spool_w = eg_arena_alloc(req->arena, SPOOL_WBUF);
    in->rgroups = eg_mon_groups_new();
    in->wgroups = eg_mon_groups_new();
    in->w.buf = malloc(READ_BUF);
    if (in->parser && eg_arena_defer(req->arena, free_parser, in->parser) != 0)
        in->parser = NULL;
    if (in->spool && eg_arena_defer(req->arena, close_file, in->spool) != 0)
        in->spool = NULL;
    if (in->rgroups && eg_arena_defer(req->arena, free_groups, in->rgroups) != 0)
        in->rgroups = NULL;
    if (eg_arena_defer(req->arena, free_map, &in->map) != 0)
        return EG_E_INTERNAL;
    if (pthread_mutex_init(&in->w.mu, NULL) != 0)
        return EG_E_INTERNAL;
    if (pthread_cond_init(&in->w.cv, NULL) != 0) {
        pthread_mutex_destroy(&in->w.mu);
        return EG_E_INTERNAL;
    }
    in->w.sync_ready = 1;
    /* Registered last, so it runs first: the writer stops before anything it reads goes. */
    if (eg_arena_defer(req->arena, writer_cleanup, in) != 0)
        return EG_E_INTERNAL;
    if (!in->parser || !in->spool || !in->spool_buf || !in->spool_w || !in->rgroups ||
        !in->wgroups || !in->w.buf) {
        eg_log(EG_LOG_ERROR, "event=feed_setup_failed rid=%s", req->request_id);
        return EG_E_INTERNAL;
    }
    in->w.fd = fileno(in->spool); /* written with write(), never through the FILE */
    in->next = spool_next;
    in->rewind = spool_rewind;
    return EG_OK;
}

static enum eg_status stream_chunk(struct eg_req *req, const char *data, size_t len)
{
    struct ingest *in = req->stream_ctx;
    crypto_generichash_update(&in->hash, (const unsigned char *)data, len);
    if (in->replay || in->sink_error != EG_OK)
        return EG_OK;
    enum eg_status st = eg_mon_parser_push(in->parser, data, len);
    if (st != EG_OK && st != EG_E_BAD_CSV && st != EG_E_BAD_JSON && st != EG_E_BATCH_REJECTED) {
        /* The database failed under a look-up: nothing can be decided. */
        in->sink_error = st;
        return EG_OK;
    }
    /* Hand the writer what is spooled; start it once there is enough to be
     * worth holding the write lock while the rest arrives. */
    if (st == EG_OK && eg_mon_parser_error_count(in->parser) == 0 &&
        in->spool_bytes >= WRITER_START_BYTES) {
        if (writer_publish(in, 0) != EG_OK)
            in->sink_error = EG_E_INTERNAL;
        else if (!in->w.started && writer_start(in) != EG_OK)
            in->sink_error = EG_E_UNAVAILABLE;
    }
    return EG_OK;
}

/* Answer a resend: the stored result for the same bytes, 409 for others. */
static void reply_replay(struct eg_req *req, struct ingest *in)
{
    if (strcmp(in->body_hash, in->stored_hash) != 0) {
        eg_reply_error(req, EG_E_CONFLICT, "Idempotency-Key",
                       "This batch id was already used for a different body; send new data "
                       "under a new batch id.");
        return;
    }
    json_t *stored = json_loads(in->stored_result ? in->stored_result : "{}", 0, NULL);
    if (!stored) {
        eg_reply_error(req, EG_E_INTERNAL, NULL, NULL);
        return;
    }
    eg_reply_header(req, "Idempotency-Replayed", "true");
    eg_reply_json(req, 200, stored);
}

/*
 * A body with bad rows: run the writer over its good rows all the same,
 * rolled back at the end, so that rows repeated within the batch (found only
 * by applying them) are listed with the others and the sender cleans the
 * file in one round. Bounded by the deadline like a real apply; past it the
 * repeats go unlisted.
 */
static void check_repeats(struct ingest *in, const struct timespec *until)
{
    if (in->spool_bytes == 0)
        return;
    in->check_only = 1;
    if (writer_publish(in, 1) != EG_OK || writer_start(in) != EG_OK)
        return;
    int late = writer_wait(in, until);
    if (!late) {
        writer_restart_if_stalled(in);
        late = writer_wait(in, until);
    }
    writer_stop(in, 1);
    if (late) {
        free(in->errs);
        in->errs = NULL;
        in->nerrs = 0;
        in->errcount = 0;
    }
}

static int by_line(const void *a, const void *b)
{
    const struct eg_mon_row_error *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The parser's errors and the writer's (repeats) as one list by line, capped. */
static void reply_all_rejected(struct eg_req *req, struct ingest *in)
{
    size_t n = 0;
    const struct eg_mon_row_error *errs = eg_mon_parser_errors(in->parser, &n);
    uint64_t total = eg_mon_parser_error_count(in->parser) + in->errcount;
    struct eg_mon_row_error *all = NULL;
    size_t nall = n + in->nerrs;
    if (in->nerrs > 0)
        all = eg_arena_alloc(req->arena, nall * sizeof *all);
    if (!all) {
        reply_rejected(req, errs, n, total, NULL);
        return;
    }
    memcpy(all, errs, n * sizeof *all);
    memcpy(all + n, in->errs, in->nerrs * sizeof *all);
    qsort(all, nall, sizeof *all, by_line);
    reply_rejected(req, all, nall < EG_MON_MAX_ERRORS ? nall : EG_MON_MAX_ERRORS, total, NULL);
}

static void stream_finish_reply(struct eg_req *req)
{
    struct ingest *in = req->stream_ctx;
    unsigned char digest[32];
    crypto_generichash_final(&in->hash, digest, sizeof digest);
    sodium_bin2hex(in->body_hash, sizeof in->body_hash, digest, sizeof digest);
    if (in->replay) {
        reply_replay(req, in);
        return;
    }
    int64_t body_us = eg_now_us();
    enum eg_status st = in->sink_error != EG_OK ? in->sink_error : eg_mon_parser_finish(in->parser);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += APPLY_WAIT_S;
    if (st == EG_OK && eg_mon_parser_error_count(in->parser) == 0 && in->sink_error == EG_OK) {
        /* Everything arrived and checked: let the writer finish (or do it all). */
        st = writer_publish(in, 1);
        if (st == EG_OK)
            st = writer_start(in);
        if (st == EG_OK) {
            int late = writer_wait(in, &until);
            if (!late) {
                writer_restart_if_stalled(in);
                late = writer_wait(in, &until);
            }
            st = in->w.status;
            if (late) {
                /* Roll it back (the writer looks at the flag between rows) rather
                 * than hold this thread: the client sends the batch again. */
                writer_stop(in, 1);
                eg_log(EG_LOG_WARN, "event=feed_apply_timeout rid=%s wait_s=%d", req->request_id,
                       APPLY_WAIT_S);
                eg_reply_header(req, "Retry-After", APPLY_RETRY_S);
                eg_reply_error(req, EG_E_BUSY, NULL,
                               "The batch could not be stored in time; nothing was stored. "
                               "Send it again later under the same batch id.");
                return;
            }
        }
    } else if (st == EG_OK && in->sink_error == EG_OK) {
        /* Only bad rows: find the repeats among the good ones too. */
        check_repeats(in, &until);
        reply_all_rejected(req, in);
        return;
    } else {
        writer_stop(in, 1);
        if (in->sink_error != EG_OK) {
            eg_reply_error(req, in->sink_error, NULL, NULL);
            return;
        }
        size_t n = 0;
        const struct eg_mon_row_error *errs = eg_mon_parser_errors(in->parser, &n);
        if (st == EG_E_BAD_CSV || st == EG_E_BAD_JSON)
            eg_reply_error(req, st, NULL, "%s", eg_mon_parser_stop_message(in->parser));
        else if (st == EG_E_BATCH_REJECTED)
            reply_rejected(req, errs, n, eg_mon_parser_error_count(in->parser),
                           eg_mon_parser_stop_message(in->parser));
        else
            eg_reply_error(req, st, NULL, NULL);
        return;
    }
    int64_t done_us = eg_now_us(), done_cpu = thread_cpu_us();
    if (st == EG_E_DUPLICATE) {
        /* The same batch id was stored meanwhile by another request. */
        int found = 0;
        if (find_batch(in->db, in, &found) == EG_OK && found) {
            reply_replay(req, in);
            return;
        }
    }
    if (st == EG_E_BATCH_REJECTED) {
        reply_rejected(req, in->errs, in->nerrs, in->errcount, NULL);
        return;
    }
    if (st != EG_OK) {
        eg_reply_error(req, st, NULL, NULL);
        return;
    }
    json_t *out = json_loads(in->result, 0, NULL);
    if (in->last_day > 0) {
        int64_t changes = 0;
        if (eg_mon_alerts_evaluate(in->db, &in->params, in->last_day, "system", &changes) != EG_OK)
            eg_log(EG_LOG_WARN, "event=alerts_evaluate_failed rid=%s", req->request_id);
    }
    int64_t evaluated_us = eg_now_us();
    eg_log(EG_LOG_INFO,
           "event=feed_batch rid=%s feed=%s source=%s:%lld rows=%lld inserted=%lld updated=%lld "
           "body_ms=%lld applied_ms=%lld committed_ms=%lld ms=%lld alerts_ms=%lld "
           "request_cpu_ms=%lld writer_cpu_ms=%lld",
           req->request_id, eg_mon_feed_names[in->feed], in->source_kind, (long long)in->source_id,
           (long long)in->rows, (long long)in->inserted, (long long)in->updated,
           (long long)((body_us - in->began_us) / 1000),
           (long long)((in->w.applied_us - in->began_us) / 1000),
           (long long)((in->w.committed_us - in->began_us) / 1000),
           (long long)((done_us - in->began_us) / 1000),
           (long long)((evaluated_us - done_us) / 1000),
           (long long)((done_cpu - in->began_cpu_us) / 1000), (long long)(in->w.cpu_us / 1000));
    eg_reply_json(req, 201, out);
}

/* Answer, then count the batch by what it was answered. */
static void stream_finish(struct eg_req *req)
{
    struct ingest *in = req->stream_ctx;

    stream_finish_reply(req);
    if (in == NULL)
        return;
    eg_mon_feed_count((int)in->feed, req->status, (uint64_t)in->inserted, (uint64_t)in->updated,
                      (in->parser ? eg_mon_parser_error_count(in->parser) : 0) + in->errcount,
                      eg_now_us() - in->began_us);
}

const struct eg_stream_ops eg_mon_feed_stream = {stream_begin, stream_chunk, stream_finish};

/* ----------------------------------------------------- direct batches */

static int direct_next(struct ingest *in, struct rec *r)
{
    struct eg_mon_row row;
    int64_t worker_id = 0;
    const char *district = NULL;
    memset(&row, 0, sizeof row);
    row.feed = in->feed;
    if (!in->direct->next(in->direct->ctx, &row, &worker_id, &district))
        return 0;
    int64_t person_id = eg_mon_feed_is_department(in->feed) ? worker_id : 0;
    const char *occupation = in->feed == EG_MON_FEED_ROSTER ? row.v[EG_MON_RO_OCCUPATION].s : NULL;
    row_to_rec(&row, worker_id, district ? district : "", person_id, occupation, r);
    if (account(in, r) != 0)
        return 0;
    return 1;
}

/* A retry starts over: the generator from its first row, the sums from zero. */
static void direct_rewind(struct ingest *in)
{
    eg_mon_groups_clear(in->rgroups);
    in->last_agg = NULL;
    in->first_day = in->last_day = 0;
    if (in->direct->rewind)
        in->direct->rewind(in->direct->ctx);
}

enum eg_status eg_mon_direct_apply(struct eg_db *db, struct eg_mon_direct_batch *b)
{
    struct ingest *in = calloc(1, sizeof *in);
    enum eg_status rc = EG_E_INTERNAL;
    if (!in)
        return rc;
    in->arena = eg_arena_new();
    in->rgroups = eg_mon_groups_new();
    in->wgroups = eg_mon_groups_new();
    if (!in->arena || !in->rgroups || !in->wgroups)
        goto out;
    in->feed = b->feed;
    in->fmt = EG_MON_CSV;
    in->db = db;
    in->audit = b->audit;
    in->params = *b->params;
    in->direct = b;
    in->next = direct_next;
    in->rewind = direct_rewind;
    in->received_by = "system";
    snprintf(in->key, sizeof in->key, "%s", b->batch_key);
    snprintf(in->sector, sizeof in->sector, "%s", b->sector ? b->sector : "");
    snprintf(in->body_hash, sizeof in->body_hash, "direct");
    if ((rc = load_districts(in, db, in->arena)) != EG_OK)
        goto out;
    if (eg_mon_feed_is_department(b->feed)) {
        in->source_kind = "department";
        in->source_id = in->department_id = b->department_id;
    } else {
        in->source_kind = "platform";
        in->source_id = in->platform_id = b->platform_id;
    }
    rc = apply_batch(db, in);
    b->rows = in->rows;
    b->inserted = in->inserted;
    b->updated = in->updated;
    if (rc == EG_E_BATCH_REJECTED && in->nerrs > 0)
        eg_log(EG_LOG_ERROR, "event=direct_batch_rejected line=%u field=%s reason=\"%s\"",
               in->errs[0].line, in->errs[0].field, in->errs[0].reason);
out:
    free(in->result);
    free(in->errs);
    eg_mon_groups_free(in->rgroups);
    eg_mon_groups_free(in->wgroups);
    eg_arena_destroy(in->arena);
    free(in);
    return rc;
}

/* ------------------------------------------------------ batch listing */

/* The caller's own batches only (platforms, departments); staff see all. */
static void batch_filter(const struct eg_req *req, const char **kind, int64_t *id)
{
    *kind = NULL;
    *id = 0;
    if (req->who.role == EG_ROLE_PLATFORM) {
        *kind = "platform";
        *id = req->who.organisation_id;
    } else if (req->who.role == EG_ROLE_DEPARTMENT) {
        *kind = "department";
        *id = req->who.department_id;
    }
}

static json_t *batch_json(struct eg_stmt *st)
{
    json_t *o = json_loads(eg_stmt_text(st, 9), 0, NULL);
    if (!o)
        o = json_object();
    json_object_set_new(o, "id", json_integer(eg_stmt_i64(st, 0)));
    json_object_set_new(o, "source_kind", json_string(eg_stmt_text(st, 1)));
    json_object_set_new(o, "source_id", json_integer(eg_stmt_i64(st, 2)));
    json_object_set_new(o, "feed", json_string(eg_stmt_text(st, 3)));
    json_object_set_new(o, "batch_id", json_string(eg_stmt_text(st, 4)));
    json_object_set_new(o, "format", json_string(eg_stmt_text(st, 5)));
    json_object_set_new(o, "rows", json_integer(eg_stmt_i64(st, 6)));
    json_object_set_new(o, "inserted", json_integer(eg_stmt_i64(st, 7)));
    json_object_set_new(o, "updated", json_integer(eg_stmt_i64(st, 8)));
    json_object_set_new(o, "received_by", json_string(eg_stmt_text(st, 10)));
    json_object_set_new(o, "created_at", eg_mon_instant_json(eg_stmt_i64(st, 11)));
    return o;
}

#define BATCH_COLS                                                                                 \
    "id, source_kind, source_id, feed, batch_key, format, rows, inserted, updated, result, "       \
    "received_by, created_at FROM mon_batches"

void eg_mon_api_batches_list(struct eg_req *req)
{
    int64_t limit, cursor;
    const char *kind;
    int64_t id;
    if (eg_mon_page_args(req, &limit, &cursor) != EG_OK || eg_mon_wants_xlsx(req) < 0)
        return;
    const char *feed = eg_req_query(req, "feed");
    if (feed && eg_mon_feed_parse(feed) < 0) {
        eg_reply_error(req, EG_E_INVALID_PARAMETER, "feed", "feed is not a feed name");
        return;
    }
    batch_filter(req, &kind, &id);
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(
        req->db, &st,
        "SELECT " BATCH_COLS " WHERE (? = '' OR (source_kind = ? AND source_id = ?)) AND "
        "(? = '' OR feed = ?) AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
        "ttittiii", kind ? kind : "", kind ? kind : "", id, feed ? feed : "", feed ? feed : "",
        cursor, cursor, limit + 1);
    json_t *items = json_array();
    int64_t last = 0, n = 0, more = 0;
    while (eg_db_next(st, &rc)) {
        if (n == limit) {
            more = 1;
            continue;
        }
        last = eg_stmt_i64(st, 0);
        json_array_append_new(items, batch_json(st));
        n++;
    }
    eg_stmt_done(st);
    if (rc != EG_OK) {
        json_decref(items);
        eg_reply_error(req, rc, NULL, NULL);
        return;
    }
    eg_mon_reply_list(req, items, more ? last : 0, "feed-batches");
}

void eg_mon_api_batches_get(struct eg_req *req)
{
    int64_t bid = 0, id;
    const char *kind;
    if (eg_req_param_id(req, "id", &bid) != EG_OK) {
        eg_reply_error(req, EG_E_NOT_FOUND, NULL, NULL);
        return;
    }
    batch_filter(req, &kind, &id);
    struct eg_stmt *st = NULL;
    enum eg_status rc = eg_db_query(req->db, &st,
                                    "SELECT " BATCH_COLS " WHERE id = ? AND (? = '' OR "
                                    "(source_kind = ? AND source_id = ?))",
                                    "itti", bid, kind ? kind : "", kind ? kind : "", id);
    if (rc == EG_OK)
        rc = eg_stmt_step(st);
    if (rc == EG_ROW)
        eg_reply_json(req, 200, batch_json(st));
    else
        eg_reply_error(req, rc == EG_DONE ? EG_E_NOT_FOUND : rc, NULL, NULL);
    eg_stmt_done(st);
}
