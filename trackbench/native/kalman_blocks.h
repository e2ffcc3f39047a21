/*
 * Shared by the association trackers' kernels (included): the constant-velocity box filters of SORT/OC-SORT
 * (``xysr``, abewley/sort's matrices as filterpy runs them) and ByteTrack (``xyah``, deep_sort's), one track at a
 * time, in block form.
 *
 * Without a camera warp, every covariance these filters reach is block-diagonal over (coordinate, its velocity)
 * pairs: the initial, process and measurement noises are diagonal and F/H only pair coordinate i with velocity i.
 * So a track's covariance is four 2x2 blocks [[xx, xv], [vx, vv]] and every step is a few scalar operations: the
 * same products and sums, in the same order, as the dense matrix products of the Python filter
 * (trackbench/runners/trackers/common/kalman.py: F P F^T, filterpy's Joseph form, deep_sort's P - K S K^T), whose
 * other terms are exact zeros and ones, so the results are bit-identical (tests/runners/trackers/test_parity.py
 * runs each compiled tracker against its dense twin).
 *
 * A track is 24 doubles: 0-3 the measured coordinates, 4-7 their velocities, then the blocks' xx (8-11),
 * xv (12-15), vx (16-19) and vv (20-23) entries. xysr's aspect ratio has no velocity in the reference: its velocity
 * and xv/vx/vv entries stay exactly zero, which leaves every other number unchanged.
 */
#ifndef TRACKBENCH_KALMAN_BLOCKS_H
#define TRACKBENCH_KALMAN_BLOCKS_H

#include <math.h>

enum { KALMAN_ROWS = 24 };

static const double STD_POSITION = 1.0 / 20;
static const double STD_VELOCITY = 1.0 / 160;
static const double A_POS_VAR = 1e-2 * 1e-2;  /* xyah: the aspect ratio's fixed noises */
static const double A_VEL_VAR = 1e-5 * 1e-5;
static const double A_MEAS_VAR = 1e-1 * 1e-1;

static const double R_MEAS[4] = {1.0, 1.0, 10.0, 10.0};  /* abewley/sort's matrices */
static const double Q_POS[4] = {1.0, 1.0, 1.0, 1.0};
static const double Q_VEL[4] = {0.01, 0.01, 1e-4, 0.0};
static const double P0_POS[4] = {10.0, 10.0, 10.0, 10.0};
static const double P0_VEL[4] = {1e4, 1e4, 1e4, 0.0};


/* the constant-velocity step of every coordinate's block: mean = F mean, P = F P F^T + Q */
static void predict_blocks(double *k, const double *q_pos, const double *q_vel)
{
    for (int c = 0; c < 4; c++) {
        double xx = k[8 + c], xv = k[12 + c], vx = k[16 + c], vv = k[20 + c];
        xx = xx + vx; /* F P */
        xv = xv + vv;
        xx = xx + xv; /* (F P) F^T */
        vx = vx + vv;
        xx += q_pos[c];
        vv += q_vel[c];
        k[8 + c] = xx; k[12 + c] = xv; k[16 + c] = vx; k[20 + c] = vv;
        k[c] += k[4 + c];
    }
}

/* ---- the xyah filter on one track (its first 24 doubles) ------------------------------------------------------ */

static void predict_xyah(double *k)
{
    double h = k[3], q_pos[4], q_vel[4];
    for (int c = 0; c < 4; c++) {
        double p = STD_POSITION * h, v = STD_VELOCITY * h;
        q_pos[c] = p * p;
        q_vel[c] = v * v;
    }
    q_pos[2] = A_POS_VAR;
    q_vel[2] = A_VEL_VAR;
    predict_blocks(k, q_pos, q_vel);
}

static void xyxy_to_xyah(const double *b, double *z)
{
    double w = b[2] - b[0], h = b[3] - b[1];
    z[0] = b[0] + w / 2;
    z[1] = b[1] + h / 2;
    z[2] = w / h;
    z[3] = h;
}

static void xyah_to_xyxy(const double *k, double *x1, double *y1, double *x2, double *y2)
{
    double w = k[2] * k[3], h = k[3];
    *x1 = k[0] - w / 2;
    *y1 = k[1] - h / 2;
    *x2 = w + *x1;
    *y2 = h + *y1;
}

static void update_xyah(double *k, const double *z)
{
    double h = k[3], r[4];
    for (int c = 0; c < 4; c++) {
        double s = STD_POSITION * h;
        r[c] = s * s;
    }
    r[2] = A_MEAS_VAR;
    for (int c = 0; c < 4; c++) {
        double xx = k[8 + c], xv = k[12 + c], vx = k[16 + c], vv = k[20 + c];
        double s = xx + r[c];
        double kx = xx / s, kv = vx / s;
        double gx = kx * s, gv = kv * s;
        double innovation = z[c] - k[c];
        k[8 + c] = xx - gx * kx;
        k[12 + c] = xv - gx * kv;
        k[16 + c] = vx - gv * kx;
        k[20 + c] = vv - gv * kv;
        k[c] += kx * innovation;
        k[4 + c] += kv * innovation;
    }
}

static void initiate_xyah(double *k, const double *z)
{
    for (int r = 0; r < KALMAN_ROWS; r++) k[r] = 0.0;
    for (int c = 0; c < 4; c++) {
        double p = (2 * STD_POSITION) * z[3], v = (10 * STD_VELOCITY) * z[3];
        k[c] = z[c];
        k[8 + c] = p * p;
        k[20 + c] = v * v;
    }
    k[10] = A_POS_VAR;
    k[22] = A_VEL_VAR;
}

/* ---- the xysr filter on one track (its first 24 doubles) ------------------------------------------------------ */

static void predict_xysr(double *k) { predict_blocks(k, Q_POS, Q_VEL); }

/* filterpy's update with the Joseph-form covariance (per 2x2 block) */
static void update_xysr(double *k, const double *z)
{
    for (int c = 0; c < 4; c++) {
        double xx = k[8 + c], xv = k[12 + c], vx = k[16 + c], vv = k[20 + c], r = R_MEAS[c];
        double s = xx + r;
        double kx = xx / s, kv = vx / s;
        double one_kx = 1.0 - kx, neg_kv = -kv;
        double a_xx = one_kx * xx, a_xv = one_kx * xv;
        double a_vx = neg_kv * xx, a_vv = neg_kv * xv;
        a_vx += vx;
        a_vv += vv;
        double kr_x = kx * r, kr_v = kv * r;
        double innovation = z[c] - k[c];
        double n_xx = a_xx * one_kx, n_vx = a_vx * one_kx;
        double n_xv = a_xx * neg_kv, n_vv = a_vx * neg_kv;
        n_xv += a_xv;
        n_vv += a_vv;
        n_xx += kr_x * kx;
        n_xv += kr_x * kv;
        n_vx += kr_v * kx;
        n_vv += kr_v * kv;
        k[8 + c] = n_xx; k[12 + c] = n_xv; k[16 + c] = n_vx; k[20 + c] = n_vv;
        k[c] += kx * innovation;
        k[4 + c] += kv * innovation;
    }
}

static void xyxy_to_xysr(const double *b, double *z)
{
    double w = b[2] - b[0], h = b[3] - b[1];
    z[0] = b[0] + w / 2;
    z[1] = b[1] + h / 2;
    z[2] = w * h;
    z[3] = w / h;
}

static void xysr_to_xyxy(const double *k, double *x1, double *y1, double *x2, double *y2)
{
    double w = sqrt(k[2] * k[3]);
    double h = k[2] / w;
    double w2 = w / 2, h2 = h / 2;
    *x1 = k[0] - w2;
    *y1 = k[1] - h2;
    *x2 = k[0] + w2;
    *y2 = k[1] + h2;
}


/* a new track's filter from its first box */
static void initiate_xysr(double *k, const double *box)
{
    for (int r = 0; r < 24; r++) k[r] = 0.0;
    xyxy_to_xysr(box, k);
    for (int c = 0; c < 4; c++) { k[8 + c] = P0_POS[c]; k[20 + c] = P0_VEL[c]; }
}

#endif
