/*
 * pdf.c — the mediation agreement (调解协议书) as a PDF document (libharu).
 *
 * All text, Chinese and Latin, is set in one TrueType font with CJK glyphs
 * (files.pdf_font, by default WenQuanYi Micro Hei from the Debian package
 * fonts-wqy-microhei; the first font of a .ttc collection), embedded in the
 * document with libharu's UTF-8 encoder, so any viewer shows it without a
 * Chinese font of its own and text extraction gives back the UTF-8. libharu
 * embeds only the glyphs the document uses (the other glyph outlines are
 * left empty), so the file stays small. Lines wrap at the right margin;
 * pages break at the bottom.
 */
#include "cases/api.h"

#include <hpdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/money.h"

#define PAGE_W 595.0f /* A4 in points */
#define PAGE_H 842.0f
#define MARGIN 60.0f
#define BODY   11.0f
#define LEAD   1.6f

struct doc {
    HPDF_Doc pdf;
    HPDF_Page page;
    HPDF_Font font;
    float y;
    int failed;
};

/* libharu reports errors here; the document is then refused. */
static void on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
    struct doc *d = user;

    (void)error_no;
    (void)detail_no;
    d->failed = 1;
}

static void new_page(struct doc *d)
{
    d->page = HPDF_AddPage(d->pdf);
    HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    d->y = PAGE_H - MARGIN;
}

/* Length in bytes of the UTF-8 character at s (1 for a stray byte). */
static size_t u8len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

    for (size_t i = 1; i < n; i++)
        if (s[i] == '\0')
            return 1;
    return n;
}

/* Width of one UTF-8 character (n bytes at s) at size. */
static float char_width(struct doc *d, const char *s, size_t n, float size)
{
    char c[5];

    memcpy(c, s, n);
    c[n] = '\0';
    if (n == 1 && (unsigned char)c[0] < 0x20)
        c[0] = ' ';
    HPDF_Page_SetFontAndSize(d->page, d->font, size);
    return HPDF_Page_TextWidth(d->page, c);
}

/*
 * Draw the n bytes of UTF-8 at s from x on the current line. Control
 * characters become spaces; bold is accepted for the callers' sake but the
 * one embedded font has a single weight.
 */
static void draw_run(struct doc *d, float x, const char *s, size_t n, float size, int bold)
{
    char buf[1024];

    (void)bold;
    while (n > 0) {
        size_t used = 0, k = 0;

        while (k < n && used < sizeof buf - 5) {
            size_t cl = u8len(s + k);

            if (cl == 1)
                buf[used++] = ((unsigned char)s[k] >= 0x20) ? s[k] : ' ';
            else
                for (size_t i = 0; i < cl; i++)
                    buf[used++] = s[k + i];
            k += cl;
        }
        buf[used] = '\0';
        HPDF_Page_SetFontAndSize(d->page, d->font, size);
        HPDF_Page_BeginText(d->page);
        HPDF_Page_TextOut(d->page, x, d->y, buf);
        HPDF_Page_EndText(d->page);
        x += HPDF_Page_TextWidth(d->page, buf);
        s += k;
        n -= k;
    }
}

/* Move down one line of this size, breaking the page when needed. */
static void next_line(struct doc *d, float size)
{
    d->y -= size * LEAD;
    if (d->y < MARGIN) {
        new_page(d);
        d->y -= size;
    }
}

/* Whether the UTF-8 character at s is punctuation that may not begin a
 * line (Chinese line-breaking rules, 避头点). */
static int no_line_start(const char *s)
{
    static const char *const marks[] = {"，", "。", "、", "；", "：", "！", "？",
                                        "）", "》", "」", "』", "”",  "’",  NULL};

    for (int i = 0; marks[i]; i++)
        if (strncmp(s, marks[i], strlen(marks[i])) == 0)
            return 1;
    return 0;
}

/*
 * Write a paragraph from x0 wrapped at the right margin, starting on a new
 * line; hanging lines indent to x_wrap. Newlines in the text start new
 * lines. A closing punctuation mark never starts a line: the character
 * before it moves down with it.
 */
static void para_at(struct doc *d, float x0, float x_wrap, const char *text, float size, int bold)
{
    const char *line = text, *p = text, *prev = NULL;
    float x = x0, w = 0, prev_w = 0, limit = PAGE_W - MARGIN;

    next_line(d, size);
    while (*p) {
        size_t cl = u8len(p);
        float cw;

        if (*p == '\n') {
            draw_run(d, x, line, (size_t)(p - line), size, bold);
            next_line(d, size);
            p++;
            line = p;
            prev = NULL;
            x = x_wrap;
            w = 0;
            continue;
        }
        cw = char_width(d, p, cl, size);
        if (x + w + cw > limit && p > line) {
            const char *brk = p;
            float carried = 0;

            if (no_line_start(p) && prev != NULL && prev > line) {
                brk = prev;
                carried = prev_w;
            }
            draw_run(d, x, line, (size_t)(brk - line), size, bold);
            next_line(d, size);
            line = brk;
            x = x_wrap;
            w = carried;
        }
        prev = p;
        prev_w = cw;
        w += cw;
        p += cl;
    }
    if (p > line)
        draw_run(d, x, line, (size_t)(p - line), size, bold);
}

static void para(struct doc *d, const char *text)
{
    para_at(d, MARGIN, MARGIN, text, BODY, 0);
}

/* A section heading with a little space above it. */
static void heading(struct doc *d, const char *text)
{
    d->y -= 6;
    para_at(d, MARGIN, MARGIN, text, BODY + 1, 1);
}

/* "2026-11-29 08:25" in Shanghai time. */
static void local_time(int64_t t, char out[17])
{
    char day[11];
    int64_t secs = (t + EG_SHANGHAI_OFFSET_S) % 86400;

    if (secs < 0)
        secs += 86400;
    eg_date_format(eg_day_of(t), day);
    snprintf(out, 17, "%s %02d:%02d", day, (int)(secs / 3600), (int)(secs / 60 % 60));
}

/* The amounts as lines "  劳动报酬：3500.00 元", and the total. */
static void amounts(struct doc *d, const struct eg_case_amounts *a, const char *total_label)
{
    char line[160], money[24];
    int any = 0;

    for (int i = 0; i < EG_CAT_COUNT; i++) {
        if (a->fen[i] <= 0)
            continue;
        eg_money_format(a->fen[i], money);
        snprintf(line, sizeof line, "%s：%s 元", eg_case_category_labels[i], money);
        para_at(d, MARGIN + 22, MARGIN + 22, line, BODY, 0);
        any = 1;
    }
    eg_money_format(eg_case_amounts_total(a), money);
    snprintf(line, sizeof line, "%s：%s 元", total_label, money);
    para_at(d, MARGIN + 22, MARGIN + 22, any ? line : "（无金额事项）", BODY, 0);
}

static int nonblank(const char *s)
{
    return s != NULL && s[0] != '\0';
}

enum eg_status eg_cases_pdf_agreement(const struct eg_cases_agreement_doc *doc, void **out,
                                      size_t *len)
{
    struct doc d;
    char line[600], money[24], when[17];
    static const char *const party_labels[EG_PARTY_COUNT] = {"申请人", "被申请人", "调解员"};
    const char *const party_names[EG_PARTY_COUNT] = {doc->applicant_name, doc->respondent_name,
                                                     doc->mediator};
    enum eg_status rc = EG_E_INTERNAL;
    HPDF_UINT32 size;
    char *buf = NULL;

    *out = NULL;
    *len = 0;
    memset(&d, 0, sizeof d);
    if (doc->font_path == NULL || access(doc->font_path, R_OK) != 0)
        return EG_E_UNAVAILABLE;
    d.pdf = HPDF_New(on_error, &d);
    if (d.pdf == NULL)
        goto out;
    HPDF_SetCompressionMode(d.pdf, HPDF_COMP_ALL);
    HPDF_UseUTFEncodings(d.pdf);
    HPDF_SetCurrentEncoder(d.pdf, "UTF-8");
    {
        size_t pl = strlen(doc->font_path);
        const char *name = pl > 4 && strcasecmp(doc->font_path + pl - 4, ".ttc") == 0
                               ? HPDF_LoadTTFontFromFile2(d.pdf, doc->font_path, 0, HPDF_TRUE)
                               : HPDF_LoadTTFontFromFile(d.pdf, doc->font_path, HPDF_TRUE);

        if (name != NULL)
            d.font = HPDF_GetFont(d.pdf, name, "UTF-8");
    }
    if (d.failed || !d.font)
        goto out;
    HPDF_SetInfoAttr(d.pdf, HPDF_INFO_CREATOR, "egret");
    HPDF_SetInfoAttr(d.pdf, HPDF_INFO_TITLE, doc->number);
    new_page(&d);

    /* Title, centred, and the case number. */
    {
        const char *title = "调解协议书";
        float w = 0;

        for (const char *p = title; *p; p += u8len(p))
            w += char_width(&d, p, u8len(p), 22);
        d.y -= 22;
        draw_run(&d, (PAGE_W - w) / 2, title, strlen(title), 22, 1);
        d.y -= 10;
    }
    snprintf(line, sizeof line, "案件编号：%s", doc->number);
    para(&d, line);
    if (nonblank(doc->city) || nonblank(doc->centre)) {
        snprintf(line, sizeof line, "调解组织：%s",
                 nonblank(doc->centre) ? doc->centre : doc->city);
        para(&d, line);
    }
    snprintf(line, sizeof line, "承办部门：%s", doc->department_name);
    para(&d, line);

    heading(&d, "当事人");
    snprintf(line, sizeof line, "申请人：%s（公民身份号码：%s）", doc->applicant_name,
             nonblank(doc->applicant_id_masked) ? doc->applicant_id_masked : "—");
    para(&d, line);
    snprintf(line, sizeof line, "被申请人：%s（统一社会信用代码：%s）", doc->respondent_name,
             nonblank(doc->respondent_credit_code) ? doc->respondent_credit_code : "—");
    para(&d, line);

    heading(&d, "一、争议事项");
    snprintf(line, sizeof line, "案由：%s。%s", doc->type_label, doc->matter);
    para(&d, line);
    heading(&d, "二、申请人的请求与理由");
    if (nonblank(doc->facts))
        para(&d, doc->facts);
    if (nonblank(doc->reasons))
        para(&d, doc->reasons);
    para(&d, "申请人请求：");
    amounts(&d, &doc->claims, "请求金额合计");
    heading(&d, "三、被申请人的意见");
    para(&d, nonblank(doc->respondent_position) ? doc->respondent_position : "（未记录）");

    heading(&d, "四、经调解，双方自愿达成如下协议");
    if (eg_case_amounts_total(&doc->terms) > 0) {
        snprintf(line, sizeof line, "被申请人于 %s 前以%s方式向申请人支付：", doc->pay_by,
                 nonblank(doc->pay_method) ? doc->pay_method : "约定");
        para(&d, line);
        amounts(&d, &doc->terms, "合计");
    }
    if (nonblank(doc->other_terms))
        para(&d, doc->other_terms);
    para(&d, "本协议经申请人、被申请人和调解员三方确认后生效，双方应当自觉履行。"
             "一方当事人在协议约定期限内不履行的，另一方当事人可以依法申请仲裁。");

    heading(&d, "五、确认");
    for (int p = 0; p < EG_PARTY_COUNT; p++) {
        if (doc->confirmed[p] > 0) {
            local_time(doc->confirmed[p], when);
            snprintf(line, sizeof line, "%s：%s，已于 %s 确认", party_labels[p],
                     nonblank(party_names[p]) ? party_names[p] : "", when);
        } else {
            snprintf(line, sizeof line, "%s：%s，尚未确认", party_labels[p],
                     nonblank(party_names[p]) ? party_names[p] : "");
        }
        para(&d, line);
    }
    if (doc->effective_at > 0) {
        local_time(doc->effective_at, when);
        snprintf(line, sizeof line, "本协议于 %s 生效。", when);
    } else {
        snprintf(line, sizeof line, "本协议尚未生效（第 %d 稿）。", doc->version);
    }
    para(&d, line);
    eg_money_format(eg_case_amounts_total(&doc->terms), money);
    snprintf(line, sizeof line, "%s  %s  Total %s CNY", doc->number, doc->city ? doc->city : "",
             money);
    d.y -= 10;
    para_at(&d, MARGIN, MARGIN, line, 8, 0);

    if (d.failed)
        goto out;
    if (HPDF_SaveToStream(d.pdf) != HPDF_OK)
        goto out;
    size = HPDF_GetStreamSize(d.pdf);
    buf = malloc(size > 0 ? size : 1);
    if (buf == NULL)
        goto out;
    {
        HPDF_UINT32 got = size;

        HPDF_ResetStream(d.pdf);
        if (HPDF_ReadFromStream(d.pdf, (HPDF_BYTE *)buf, &got) != HPDF_OK && got != size) {
            free(buf);
            buf = NULL;
            goto out;
        }
        *len = got;
    }
    *out = buf;
    rc = EG_OK;
out:
    if (d.pdf)
        HPDF_Free(d.pdf);
    return rc;
}
