/*
 * Shared by the compiled kernels (included): the IoU of every box of a with every box of b, boxes given as
 * coordinate rows a (4, n) and b (4, m) (x1, y1, x2, y2), with the operations of the trackers' numpy formula in the
 * same order (width = min(x2) - max(x1) [+ 1], clipped at 0; union = area_a + area_b - intersection; 0 where the
 * union is not positive), so the same bits come out. plus_one gives cython_bbox's pixel-inclusive areas.
 */
#ifndef TRACKBENCH_BOX_IOU_H
#define TRACKBENCH_BOX_IOU_H

#include <stdint.h>

static void box_iou_rows_fill(const double *a, int64_t n, const double *b, int64_t m, int plus_one, double *iou)
{
    const double e = plus_one ? 1.0 : 0.0;
    for (int64_t i = 0; i < n; i++) {
        double ax1 = a[i], ay1 = a[n + i], ax2 = a[2 * n + i], ay2 = a[3 * n + i];
        double sw = ax2 - ax1, sh = ay2 - ay1;
        if (plus_one) { sw += e; sh += e; }
        double area_a = sw * sh;
        for (int64_t j = 0; j < m; j++) {
            double bx1 = b[j], by1 = b[m + j], bx2 = b[2 * m + j], by2 = b[3 * m + j];
            double w = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1);
            double h = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1);
            if (plus_one) { w += e; h += e; }
            if (w < 0) w = 0.0;
            if (h < 0) h = 0.0;
            double inter = w * h;
            double bw = bx2 - bx1, bh = by2 - by1;
            if (plus_one) { bw += e; bh += e; }
            double uni = area_a + bw * bh;
            uni -= inter;
            iou[i * m + j] = uni > 0 ? inter / uni : 0.0;
        }
    }
}

#endif
