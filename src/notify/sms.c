/*
 * sms.c — the SMS channel over libcurl (see sms.h for the wire format).
 *
 * One easy handle per message: messages are few (a registration code, later
 * urgent notices), so no connection is kept between them. Only http and
 * https are allowed, redirects are not followed, and the gateway's answer
 * is read into a small capped buffer.
 */
#include "notify/sms.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ident.h"
#include "core/log.h"

#define REPLY_MAX      4096 /* bytes of the gateway's answer we read */
#define CONNECT_MAX_MS 2000

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

static void curl_init_once(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

int eg_sms_configured(const struct eg_config *cfg)
{
    return cfg && cfg->sms_url[0] != '\0';
}

struct reply_buf {
    char data[REPLY_MAX + 1];
    size_t len;
};

/* Keep the first REPLY_MAX bytes; more is refused (the transfer fails). */
static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct reply_buf *b = userdata;
    size_t n = size * nmemb;
    if (n > REPLY_MAX - b->len)
        return 0;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* The request body, or NULL when out of memory. Caller frees. */
static char *message_json(const struct eg_config *cfg, const char *phone, const char *template_id,
                          const char *const *params)
{
    json_t *p = json_object();
    json_t *o = json_pack("{s:s, s:s, s:o, s:s}", "to", phone, "template", template_id, "params", p,
                          "signature", cfg->sms_signature);
    if (!o)
        return NULL;
    for (size_t i = 0; params && params[i] && params[i + 1]; i += 2)
        json_object_set_new(p, params[i], json_string(params[i + 1]));
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return text;
}

/* Hex HMAC-SHA256 under key of "<ts>.<body>". */
static void sign(const char *key, const char *ts, const char *body, char out[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, 65, mac, sizeof mac);
}

/* Template ids and references: 1–63 of [A-Za-z0-9_.-]. */
static int template_ok(const char *t)
{
    size_t n = t ? strlen(t) : 0;
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
              (t[i] >= '0' && t[i] <= '9') || t[i] == '_' || t[i] == '-' || t[i] == '.'))
            return 0;
    return 1;
}

/* The reference in a 2xx answer {"id": "..."} (or "reference"). */
static void read_reference(const struct reply_buf *b, struct eg_sms_result *out)
{
    json_t *o = json_loadb(b->data, b->len, 0, NULL);
    const char *ref = NULL;
    if (json_is_object(o)) {
        ref = json_string_value(json_object_get(o, "id"));
        if (!ref)
            ref = json_string_value(json_object_get(o, "reference"));
    }
    if (ref && template_ok(ref)) /* the same safe alphabet: it goes into log lines */
        snprintf(out->reference, sizeof out->reference, "%s", ref);
    json_decref(o);
}

enum eg_status eg_sms_send(const struct eg_config *cfg, const char *phone, const char *template_id,
                           const char *const *params, struct eg_sms_result *out)
{
    enum eg_status rc = EG_E_UNAVAILABLE;
    struct reply_buf *reply = NULL;
    struct curl_slist *headers = NULL;
    CURL *h = NULL;
    char *body = NULL;
    char hdr[256], ts[24], mac[65];
    long status = 0;

    memset(out, 0, sizeof *out);
    if (!eg_sms_configured(cfg))
        return EG_E_UNAVAILABLE;
    if (!phone || eg_phone_check(phone) != EG_OK || !template_ok(template_id))
        return EG_E_INVALID_PARAMETER;
    pthread_once(&curl_once, curl_init_once);
    if (!curl_ready)
        goto out;
    body = message_json(cfg, phone, template_id, params);
    reply = calloc(1, sizeof *reply);
    h = curl_easy_init();
    if (!body || !reply || !h) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    sign(cfg->sms_secret, ts, body, mac);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(hdr, sizeof hdr, "X-Egret-Account: %s", cfg->sms_account);
    headers = curl_slist_append(headers, hdr);
    snprintf(hdr, sizeof hdr, "X-Egret-Timestamp: %s", ts);
    headers = curl_slist_append(headers, hdr);
    snprintf(hdr, sizeof hdr, "X-Egret-Signature: %s", mac);
    headers = curl_slist_append(headers, hdr);
    if (!headers) {
        rc = EG_E_INTERNAL;
        goto out;
    }
    long connect_ms = cfg->sms_timeout_ms < CONNECT_MAX_MS ? cfg->sms_timeout_ms : CONNECT_MAX_MS;
    curl_easy_setopt(h, CURLOPT_URL, cfg->sms_url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)cfg->sms_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, reply);
    CURLcode cc = curl_easy_perform(h);
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->http_status = (int)status;
    if (cc != CURLE_OK) {
        eg_log(EG_LOG_WARN, "event=sms_failed template=%s error=\"%s\"", template_id,
               curl_easy_strerror(cc));
        goto out;
    }
    if (status < 200 || status > 299) {
        eg_log(EG_LOG_WARN, "event=sms_refused template=%s status=%ld", template_id, status);
        goto out;
    }
    read_reference(reply, out);
    eg_log(EG_LOG_INFO, "event=sms_sent template=%s reference=%s", template_id,
           out->reference[0] ? out->reference : "-");
    rc = EG_OK;
out:
    if (body) {
        sodium_memzero(body, strlen(body)); /* it holds the code */
        free(body);
    }
    curl_slist_free_all(headers);
    if (h)
        curl_easy_cleanup(h);
    free(reply);
    return rc;
}
