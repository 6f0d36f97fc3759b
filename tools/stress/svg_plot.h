/*
 * The drawing primitives behind svg.c: a rectangular plot with axes, grid,
 * ticks, labels and polylines, mapped from data coordinates. Internal to
 * magpie-stress.
 */
#ifndef MAGPIE_STRESS_SVG_PLOT_H
#define MAGPIE_STRESS_SVG_PLOT_H

#include <stddef.h>
#include <stdio.h>

struct plot_line {
    const char *label;
    const double *x;
    const double *y;
    size_t n;
    const char *color;
    const char *dash; /* stroke-dasharray, or NULL for solid */
};

struct plot {
    FILE *f;
    double left, top, width, height; /* pixel rectangle of the data area */
    double x_min, x_max, y_max;      /* y starts at 0 */
    const char *x_label, *y_label;
    /* Categorical x axis: ticks at 0..n-1 with these labels; NULL: numeric. */
    const char *const *x_categories;
    size_t x_category_count;
};

/* The document, with `description` (may be NULL) as its <desc>. */
void plot_begin_document(FILE *f, int width, int height, const char *description);
void plot_end_document(FILE *f);
/* Text, escaped; anchor is "start", "middle" or "end". */
void plot_text(FILE *f, double x, double y, int size, const char *anchor, const char *weight,
               const char *text);
/* A round axis maximum >= value (1, 1.2, 1.5, 2, ... 8 x 10^k) and a tick
 * step giving four to eight ticks. */
double plot_nice_max(double value, double *step);
/* 1234567 -> "1.23M", 25000 -> "25k", 0.5 -> "0.5". */
void plot_format_number(char *out, size_t size, double v);
void plot_axes(const struct plot *p);
void plot_line(const struct plot *p, const struct plot_line *line);
/* A legend box at (x, y) listing the lines' labels. */
void plot_legend(FILE *f, double x, double y, const struct plot_line *lines, size_t n);

#endif
