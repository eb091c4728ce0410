/*
 * qr.c — QR codes (libqrencode) as SVG text or PNG images (libpng), for the
 * posters that lead workers to the online complaint form.
 *
 * Error correction level M, 8-bit mode, and a quiet zone of four modules as
 * ISO/IEC 18004 asks. The SVG draws each run of dark modules in a row as
 * one rectangle of a single path; the PNG is 1-bit greyscale.
 */
#include "cases/api.h"

#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define QUIET   4
#define OUT_CAP ((size_t)16 * 1024 * 1024)

/* Encode text; NULL when it does not fit a QR code. */
static QRcode *encode(const char *text)
{
    if (text == NULL || text[0] == '\0' || strlen(text) > 2000)
        return NULL;
    return QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
}

static int dark(const QRcode *q, int x, int y)
{
    return q->data[y * q->width + x] & 1;
}

enum eg_status eg_cases_qr_svg(const char *text, void **out, size_t *len)
{
    QRcode *q = encode(text);
    struct eg_buf b;
    enum eg_status rc;
    int size;

    *out = NULL;
    *len = 0;
    if (q == NULL)
        return EG_E_INVALID_PARAMETER;
    size = q->width + 2 * QUIET;
    eg_buf_init(&b, OUT_CAP);
    rc =
        eg_buf_printf(&b,
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
                      "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                      "shape-rendering=\"crispEdges\">\n"
                      "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n<path fill=\"#000000\" "
                      "d=\"",
                      size, size, size * 8, size * 8, size, size);
    for (int y = 0; rc == EG_OK && y < q->width; y++) {
        for (int x = 0; rc == EG_OK && x < q->width;) {
            int run = 0;

            while (x + run < q->width && dark(q, x + run, y))
                run++;
            if (run > 0) {
                rc = eg_buf_printf(&b, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
                x += run;
            } else {
                x++;
            }
        }
    }
    if (rc == EG_OK)
        rc = eg_buf_puts(&b, "\"/>\n</svg>\n");
    QRcode_free(q);
    if (rc != EG_OK) {
        eg_buf_free(&b);
        return rc;
    }
    *out = eg_buf_take(&b, len);
    return *out ? EG_OK : EG_E_INTERNAL;
}

/* libpng write callback: append to the eg_buf behind the png struct. */
static void png_write_cb(png_structp png, png_bytep data, png_size_t n)
{
    struct eg_buf *b = png_get_io_ptr(png);

    if (eg_buf_append(b, data, n) != EG_OK)
        png_error(png, "output too large");
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

/*
 * Write the image rows through libpng. libpng reports errors by longjmp,
 * so this function keeps nothing in locals that changes after setjmp; 0 on
 * success, -1 on a libpng error.
 */
static int write_png(png_structp png, png_infop info, struct eg_buf *b, const QRcode *q, int scale,
                     int size, unsigned char *row, size_t row_bytes)
{
    if (setjmp(png_jmpbuf(png)))
        return -1;
    png_set_write_fn(png, b, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)size, (png_uint_32)size, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int py = 0; py < size; py++) {
        int my = py / scale - QUIET;

        memset(row, 0xff, row_bytes); /* 1 = white */
        for (int px = 0; px < size; px++) {
            int mx = px / scale - QUIET;

            if (mx >= 0 && my >= 0 && mx < q->width && my < q->width && dark(q, mx, my))
                row[px / 8] &= (unsigned char)~(0x80u >> (px % 8));
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    return 0;
}

enum eg_status eg_cases_qr_png(const char *text, int scale, void **out, size_t *len)
{
    QRcode *q = encode(text);
    struct eg_buf b;
    png_structp png = NULL;
    png_infop info = NULL;
    unsigned char *row = NULL;
    enum eg_status rc = EG_E_INTERNAL;
    int size;
    size_t row_bytes;

    *out = NULL;
    *len = 0;
    if (q == NULL)
        return EG_E_INVALID_PARAMETER;
    if (scale < 1)
        scale = 1;
    size = (q->width + 2 * QUIET) * scale;
    row_bytes = ((size_t)size + 7) / 8;
    eg_buf_init(&b, OUT_CAP);
    row = malloc(row_bytes);
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (png != NULL)
        info = png_create_info_struct(png);
    if (row != NULL && png != NULL && info != NULL &&
        write_png(png, info, &b, q, scale, size, row, row_bytes) == 0)
        rc = EG_OK;
    if (png != NULL)
        png_destroy_write_struct(&png, info ? &info : NULL);
    free(row);
    QRcode_free(q);
    if (rc != EG_OK) {
        eg_buf_free(&b);
        return rc;
    }
    *out = eg_buf_take(&b, len);
    return *out ? EG_OK : EG_E_INTERNAL;
}
