#include "tools/stress/svg_plot.h"

#include <math.h>
#include <string.h>

#define FONT "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

static void write_escaped(FILE *f, const char *s);

void plot_begin_document(FILE *f, int width, int height, const char *description)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\">\n",
            width, height, width, height);
    if (description) {
        fputs("<desc>", f);
        write_escaped(f, description);
        fputs("</desc>\n", f);
    }
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width,
            height);
}

void plot_end_document(FILE *f)
{
    fputs("</svg>\n", f);
}

static void write_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

void plot_text(FILE *f, double x, double y, int size, const char *anchor, const char *weight,
               const char *text)
{
    fprintf(f,
            "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"%d\" text-anchor=\"%s\"%s%s%s "
            "fill=\"#222222\">",
            x, y, size, anchor, weight ? " font-weight=\"" : "", weight ? weight : "",
            weight ? "\"" : "");
    write_escaped(f, text);
    fputs("</text>\n", f);
}

double plot_nice_max(double value, double *step)
{
    if (!(value > 0) || !isfinite(value))
        value = 1;
    double magnitude = pow(10, floor(log10(value)));
    /* Each candidate top with a step giving four or five round ticks. */
    static const double tops[] = {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
    static const double steps[] = {0.2, 0.2, 0.25, 0.5, 0.5, 0.5, 1, 1, 1, 2, 2};
    for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++) {
        if (tops[i] * magnitude >= value * 0.9999) {
            *step = steps[i] * magnitude;
            return tops[i] * magnitude;
        }
    }
    *step = 2 * magnitude;
    return 10 * magnitude;
}

void plot_format_number(char *out, size_t size, double v)
{
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(out, size, "%gG", v / 1e9);
    else if (a >= 1e6)
        snprintf(out, size, "%gM", v / 1e6);
    else if (a >= 1e3)
        snprintf(out, size, "%gk", v / 1e3);
    else
        snprintf(out, size, "%g", v);
}

static double map_x(const struct plot *p, double x)
{
    double span = p->x_max - p->x_min;
    return p->left + (span > 0 ? (x - p->x_min) / span : 0.5) * p->width;
}

static double map_y(const struct plot *p, double y)
{
    return p->top + p->height - (p->y_max > 0 ? y / p->y_max : 0) * p->height;
}

static void x_ticks_numeric(const struct plot *p)
{
    double step;
    plot_nice_max(p->x_max - p->x_min, &step);
    char label[32];
    double first = ceil(p->x_min / step) * step;
    for (double x = first; x <= p->x_max + step * 1e-6; x += step) {
        double px = map_x(p, x);
        fprintf(p->f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", px,
                p->top, px, p->top + p->height);
        plot_format_number(label, sizeof(label), x);
        plot_text(p->f, px, p->top + p->height + 18, 12, "middle", NULL, label);
    }
}

static void x_ticks_categorical(const struct plot *p)
{
    for (size_t i = 0; i < p->x_category_count; i++) {
        double px = map_x(p, (double)i);
        fprintf(p->f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", px,
                p->top, px, p->top + p->height);
        plot_text(p->f, px, p->top + p->height + 18, 12, "middle", NULL, p->x_categories[i]);
    }
}

void plot_axes(const struct plot *p)
{
    double step;
    plot_nice_max(p->y_max, &step);
    char label[32];
    for (double y = 0; y <= p->y_max + step * 1e-6; y += step) {
        double py = map_y(p, y);
        fprintf(p->f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n",
                p->left, py, p->left + p->width, py);
        plot_format_number(label, sizeof(label), y);
        plot_text(p->f, p->left - 8, py + 4, 12, "end", NULL, label);
    }
    if (p->x_categories)
        x_ticks_categorical(p);
    else
        x_ticks_numeric(p);
    fprintf(p->f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
            "stroke=\"#888888\"/>\n",
            p->left, p->top, p->width, p->height);
    plot_text(p->f, p->left + p->width / 2, p->top + p->height + 40, 13, "middle", NULL,
              p->x_label);
    double cx = p->left - 58, cy = p->top + p->height / 2;
    fprintf(p->f, "<g transform=\"rotate(-90 %.1f %.1f)\">\n", cx, cy);
    plot_text(p->f, cx, cy, 13, "middle", NULL, p->y_label);
    fputs("</g>\n", p->f);
}

void plot_line(const struct plot *p, const struct plot_line *line)
{
    if (line->n == 0)
        return;
    fprintf(p->f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\"%s%s%s points=\"",
            line->color, line->dash ? " stroke-dasharray=\"" : "", line->dash ? line->dash : "",
            line->dash ? "\"" : "");
    for (size_t i = 0; i < line->n; i++)
        fprintf(p->f, "%s%.1f,%.1f", i ? " " : "", map_x(p, line->x[i]), map_y(p, line->y[i]));
    fputs("\"/>\n", p->f);
    if (line->n <= 40) /* markers while they stay readable */
        for (size_t i = 0; i < line->n; i++)
            fprintf(p->f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    map_x(p, line->x[i]), map_y(p, line->y[i]), line->color);
}

void plot_legend(FILE *f, double x, double y, const struct plot_line *lines, size_t n)
{
    double row = 20, width = 170;
    fprintf(f,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#ffffff\" "
            "stroke=\"#bbbbbb\"/>\n",
            x, y, width, row * (double)n + 10);
    for (size_t i = 0; i < n; i++) {
        double ly = y + 15 + row * (double)i;
        fprintf(f,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"2.2\"%s%s%s/>\n",
                x + 8, ly, x + 38, ly, lines[i].color, lines[i].dash ? " stroke-dasharray=\"" : "",
                lines[i].dash ? lines[i].dash : "", lines[i].dash ? "\"" : "");
        plot_text(f, x + 46, ly + 4, 12, "start", NULL, lines[i].label);
    }
}
