/*
 * The whole-epoch training loop of gradlab._trainloop for one float type, included twice by
 * _trainloop.c with T = double, SUF = f64 and T = float, SUF = f32 (see that file for what it does), and
 * KIND (0, 1: the index of NumPy's loops for the type), SQRT and FABS; all are undefined at the end.
 */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

/* C (m × n, row stride cs) = A (m × p) B (p × n, row stride bs), A read through strides (a row, a column), so
 * A may be a transpose. Every entry is one sum over p in order, from zero, with the multiply-adds fused where
 * the CPU has them (as BLAS does), so an entry's value does not depend on which of the blocks below computed
 * it. Strips of two vectors of columns (GCC's
 * vector extension: 64 bytes, split into the widths the CPU has) are taken over every block of four rows, so
 * a strip of B stays in the first-level cache while it is used; then one vector of columns, then the
 * columns left over (fewer than a vector): with ``bpad`` (each row of B readable up to n rounded up to a whole
 * vector, as in the loop's transposed weights) as a vector whose extra lanes are dropped, otherwise one at a
 * time. */
typedef T FN(vec) __attribute__((vector_size(64)));
#define LOADV(v, ptr) memcpy(&(v), (ptr), 64)
GEMM_CLONES
static void FN(gemm)(Py_ssize_t m, Py_ssize_t n, Py_ssize_t p, const T *restrict A, Py_ssize_t ars, Py_ssize_t acs,
                     const T *restrict B, Py_ssize_t bs, int bpad, T *restrict C, Py_ssize_t cs) {
    const Py_ssize_t VW = (Py_ssize_t)(64 / sizeof(T)), nv = n - n % VW, m4 = m - m % 4, n2 = nv - nv % (2 * VW);
    for (Py_ssize_t j = 0; j < n2; j += 2 * VW)
        for (Py_ssize_t r = 0; r < m4; r += 4) {
            const T *restrict a0 = A + r * ars, *restrict a1 = a0 + ars, *restrict a2 = a1 + ars, *restrict a3 = a2 + ars;
            FN(vec) c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0}, b0, b1;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * bs + j);
                LOADV(b1, B + q * bs + j + VW);
                const T x0 = a0[q * acs], x1 = a1[q * acs], x2 = a2[q * acs], x3 = a3[q * acs];
                c00 += x0 * b0;
                c01 += x0 * b1;
                c10 += x1 * b0;
                c11 += x1 * b1;
                c20 += x2 * b0;
                c21 += x2 * b1;
                c30 += x3 * b0;
                c31 += x3 * b1;
            }
            T *c = C + r * cs + j;
            memcpy(c, &c00, 64);
            memcpy(c + VW, &c01, 64);
            memcpy(c + cs, &c10, 64);
            memcpy(c + cs + VW, &c11, 64);
            memcpy(c + 2 * cs, &c20, 64);
            memcpy(c + 2 * cs + VW, &c21, 64);
            memcpy(c + 3 * cs, &c30, 64);
            memcpy(c + 3 * cs + VW, &c31, 64);
        }
    /* one vector of columns at a time: [n2, nv), and with bpad the partial vector [nv, n) */
    const Py_ssize_t nend = bpad && nv < n ? nv + VW : nv;
    for (Py_ssize_t j = n2; j < nend; j += VW) {
        const size_t bytes = sizeof(T) * (size_t)((n - j) < VW ? n - j : VW);
        Py_ssize_t r = 0;
        for (; r < m4; r += 4) {
            const T *restrict a0 = A + r * ars, *restrict a1 = a0 + ars, *restrict a2 = a1 + ars, *restrict a3 = a2 + ars;
            FN(vec) c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, b0;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * bs + j);
                c0 += a0[q * acs] * b0;
                c1 += a1[q * acs] * b0;
                c2 += a2[q * acs] * b0;
                c3 += a3[q * acs] * b0;
            }
            T *c = C + r * cs + j;
            memcpy(c, &c0, bytes);
            memcpy(c + cs, &c1, bytes);
            memcpy(c + 2 * cs, &c2, bytes);
            memcpy(c + 3 * cs, &c3, bytes);
        }
        for (; r < m; r++) {
            const T *restrict a = A + r * ars;
            FN(vec) acc = {0}, b0;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * bs + j);
                acc += a[q * acs] * b0;
            }
            memcpy(C + r * cs + j, &acc, bytes);
        }
    }
    for (Py_ssize_t r = m4; r < m; r++) /* the strips' rows left over, one at a time */
        for (Py_ssize_t j = 0; j < n2; j += VW) {
            const T *restrict a = A + r * ars;
            FN(vec) acc = {0}, b0;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * bs + j);
                acc += a[q * acs] * b0;
            }
            memcpy(C + r * cs + j, &acc, 64);
        }
    for (Py_ssize_t j = nend; j < n; j++) { /* without bpad: the columns left over, four rows at a time */
        Py_ssize_t r = 0;
        for (; r < m4; r += 4) {
            const T *restrict a0 = A + r * ars, *restrict a1 = a0 + ars, *restrict a2 = a1 + ars, *restrict a3 = a2 + ars;
            T s0 = (T)0, s1 = (T)0, s2 = (T)0, s3 = (T)0;
            for (Py_ssize_t q = 0; q < p; q++) {
                const T bq = B[q * bs + j];
                s0 += a0[q * acs] * bq;
                s1 += a1[q * acs] * bq;
                s2 += a2[q * acs] * bq;
                s3 += a3[q * acs] * bq;
            }
            C[r * cs + j] = s0;
            C[(r + 1) * cs + j] = s1;
            C[(r + 2) * cs + j] = s2;
            C[(r + 3) * cs + j] = s3;
        }
        for (; r < m; r++) {
            const T *restrict a = A + r * ars;
            T s = (T)0;
            for (Py_ssize_t q = 0; q < p; q++) s += a[q * acs] * B[q * bs + j];
            C[r * cs + j] = s;
        }
    }
}
#undef LOADV

/* d (n × m, row stride ds) = wᵀ for w (m × n, row stride ws), exactly (values are only moved): square tiles
 * of TW × TW numbers (TW a 32-byte vector) transposed in registers by shuffles, the edges one number at a time. */
typedef T FN(tile) __attribute__((vector_size(32)));
#if KIND == 0 /* 4 × 4 */
typedef long long FN(tmask) __attribute__((vector_size(32)));
#define SH(x, y, ...) __builtin_shuffle((x), (y), (FN(tmask)){__VA_ARGS__})
static inline __attribute__((always_inline)) void FN(transpose_tile)(FN(tile) *r) {
    const FN(tile) t0 = SH(r[0], r[1], 0, 4, 2, 6), t1 = SH(r[0], r[1], 1, 5, 3, 7);
    const FN(tile) t2 = SH(r[2], r[3], 0, 4, 2, 6), t3 = SH(r[2], r[3], 1, 5, 3, 7);
    r[0] = SH(t0, t2, 0, 1, 4, 5);
    r[1] = SH(t1, t3, 0, 1, 4, 5);
    r[2] = SH(t0, t2, 2, 3, 6, 7);
    r[3] = SH(t1, t3, 2, 3, 6, 7);
}
#else /* 8 × 8 */
typedef int FN(tmask) __attribute__((vector_size(32)));
#define SH(x, y, ...) __builtin_shuffle((x), (y), (FN(tmask)){__VA_ARGS__})
static inline __attribute__((always_inline)) void FN(transpose_tile)(FN(tile) *r) {
    FN(tile) t[8], u[8];
    for (int k = 0; k < 8; k += 2) { /* neighbouring rows' elements interleaved */
        t[k] = SH(r[k], r[k + 1], 0, 8, 2, 10, 4, 12, 6, 14);
        t[k + 1] = SH(r[k], r[k + 1], 1, 9, 3, 11, 5, 13, 7, 15);
    }
    for (int k = 0; k < 8; k += 4) { /* then pairs of pairs: columns c and c + 4 of four rows */
        u[k] = SH(t[k], t[k + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        u[k + 1] = SH(t[k + 1], t[k + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        u[k + 2] = SH(t[k], t[k + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        u[k + 3] = SH(t[k + 1], t[k + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int c = 0; c < 4; c++) { /* then the two halves of the rows */
        r[c] = SH(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        r[c + 4] = SH(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}
#endif
#undef SH

VECTOR_CLONES
static void FN(transpose_into)(Py_ssize_t m, Py_ssize_t n, const T *restrict w, Py_ssize_t ws, T *restrict d,
                               Py_ssize_t ds) {
    const Py_ssize_t TW = (Py_ssize_t)(32 / sizeof(T)), mt = m - m % TW, nt = n - n % TW;
    for (Py_ssize_t j0 = 0; j0 < mt; j0 += TW)
        for (Py_ssize_t i0 = 0; i0 < nt; i0 += TW) {
            FN(tile) r[32 / sizeof(T)];
            for (Py_ssize_t t = 0; t < TW; t++) memcpy(&r[t], w + (j0 + t) * ws + i0, 32);
            FN(transpose_tile)(r);
            for (Py_ssize_t t = 0; t < TW; t++) memcpy(d + (i0 + t) * ds + j0, &r[t], 32);
        }
    for (Py_ssize_t j = 0; j < m; j++) /* the edges: the last rows, and the last columns of the others */
        for (Py_ssize_t i = j < mt ? nt : 0; i < n; i++) d[i * ds + j] = w[j * ws + i];
}

/* The row stride of a transposed weight matrix (in × out) in the loop's own buffer: out rounded up to whole
 * vectors (the products read the last partial vector whole), plus one vector, and one more where that would
 * make the rows a multiple of 512 bytes apart (rows that fall into the same cache sets). */
static inline Py_ssize_t FN(wt_stride)(Py_ssize_t out) {
    const Py_ssize_t VW = (Py_ssize_t)(64 / sizeof(T)), s = (out + VW - 1) / VW * VW + VW;
    return (s * (Py_ssize_t)sizeof(T)) % 512 ? s : s + VW;
}
#define WT_STRIDE(out) FN(wt_stride)(out)

/* One epoch's state. */
typedef struct {
    const Net *net;
    const Opt *o;
    T *acts[MAX_LAYERS + 1], *wt[MAX_LAYERS]; /* each layer's input and output rows; Wᵀ, row stride WT_STRIDE */
    T *g, *other;       /* δ of the top layer (k × C), then of each layer in turn; ∂L/∂x into the layer below */
    T *scratch;         /* k × widest, for the sigmoid */
    int first;          /* SGD's momentum buffers are made on this step */
    T eps, step;        /* Adam's ε √(1 − β₂ᵗ) and η √(1 − β₂ᵗ) / (1 − β₁ᵗ) for this step */
} FN(Ctx);

/* δ = g ⊙ f′ on n numbers, from the output a = f(z) (inlined into each caller's vector widths) */
static inline __attribute__((always_inline)) void FN(derivative)(int act, T slope, T *restrict g, const T *restrict a, Py_ssize_t n) {
    switch (act) {
    case ACT_RELU:
        for (Py_ssize_t i = 0; i < n; i++) g[i] = a[i] > (T)0 ? g[i] : (T)0;
        break;
    case ACT_LEAKY:
        for (Py_ssize_t i = 0; i < n; i++) g[i] = a[i] > (T)0 ? g[i] : slope * g[i];
        break;
    case ACT_SIGMOID:
        for (Py_ssize_t i = 0; i < n; i++) g[i] = (g[i] * a[i]) * ((T)1 - a[i]);
        break;
    case ACT_TANH:
        for (Py_ssize_t i = 0; i < n; i++) g[i] = g[i] * ((T)1 - a[i] * a[i]);
        break;
    default:
        break;
    }
}

/* z ← f(z) on n numbers; exp and tanh are NumPy's own loops, as the rows use (inlined as derivative is). */
static inline __attribute__((always_inline)) void FN(activate)(int act, T slope, T *restrict z, Py_ssize_t n, T *scratch) {
    switch (act) {
    case ACT_RELU:
        for (Py_ssize_t i = 0; i < n; i++) z[i] = z[i] > (T)0 ? z[i] : (T)0;
        break;
    case ACT_LEAKY:
        for (Py_ssize_t i = 0; i < n; i++) z[i] = z[i] > (T)0 ? z[i] : slope * z[i];
        break;
    case ACT_SIGMOID: /* e = exp(−|z|), r = 1/(1 + e), σ = r for z ≥ 0 else e·r */
        for (Py_ssize_t i = 0; i < n; i++) scratch[i] = -FABS(z[i]);
        run_loop(&exp_loops[KIND], scratch, scratch, n, sizeof(T));
        for (Py_ssize_t i = 0; i < n; i++) {
            const T e = scratch[i], q = (T)1 / ((T)1 + e);
            z[i] = z[i] >= (T)0 ? q : e * q;
        }
        break;
    case ACT_TANH:
        run_loop(&tanh_loops[KIND], z, z, n, sizeof(T));
        break;
    default:
        break;
    }
}

/* Layer l's k output rows z (k × out) ← f(z + b), in one pass over the batch (scratch: k × out, the sigmoid's). */
VECTOR_CLONES
static void FN(bias_activate)(const Net *net, int l, T *z, Py_ssize_t k, T *scratch) {
    const Py_ssize_t out = net->out[l];
    const T *b = net->b[l] < 0 ? NULL : (const T *)net->p[net->b[l]];
    if (b)
        for (Py_ssize_t r = 0; r < k; r++) {
            T *restrict zr = z + r * out;
            for (Py_ssize_t j = 0; j < out; j++) zr[j] += b[j];
        }
    FN(activate)(net->act[l], (T)net->slope[l], z, k * out, scratch);
}

/* The optimizer's step on elements [lo, lo + n) of parameter q: the operations of optim/sgd.py and
 * optim/adam.py in their order and dtype, each weight copied into the backups (net->k) as it is read. */
VECTOR_CLONES
static void FN(update)(const FN(Ctx) *x, int q, Py_ssize_t lo, Py_ssize_t n) {
    const Net *net = x->net;
    const Opt *o = x->o;
    const int first = x->first;
    T *restrict p = (T *)net->p[q] + lo, *restrict k = (T *)net->k[q] + lo; /* k: the weights before */
    const T *restrict g = (const T *)net->g[q] + lo;
    if (o->kind == OPT_SGD_PLAIN) { /* every branch outside the loops, so each loop vectorizes */
        const T lr = (T)o->lr;
        for (Py_ssize_t i = 0; i < n; i++) {
            const T pi = p[i];
            k[i] = pi;
            p[i] = pi - lr * g[i];
        }
    } else if (o->kind == OPT_SGD) {
        T *restrict buf = o->s1 ? (T *)o->s1[q] + lo : NULL;
        const T lr = (T)o->lr, wd = (T)o->wd, mu = (T)o->mu, keep = (T)o->keep;
        const int decay = o->wd != 0.0, damp = o->keep != 1.0;
        if (!buf) { /* weight decay alone: g + λp */
            for (Py_ssize_t i = 0; i < n; i++) {
                const T pi = p[i];
                k[i] = pi;
                p[i] = pi - lr * (g[i] + wd * pi);
            }
        } else {
            for (Py_ssize_t i = 0; i < n; i++) { /* b ← g (first step) or μ b + (1 − τ) g */
                const T gi = decay ? g[i] + wd * p[i] : g[i];
                buf[i] = first ? gi : buf[i] * mu + (damp ? keep * gi : gi);
            }
            if (o->nesterov)
                for (Py_ssize_t i = 0; i < n; i++) {
                    const T pi = p[i], gi = decay ? g[i] + wd * pi : g[i];
                    k[i] = pi;
                    p[i] = pi - lr * (gi + mu * buf[i]);
                }
            else
                for (Py_ssize_t i = 0; i < n; i++) {
                    const T pi = p[i];
                    k[i] = pi;
                    p[i] = pi - lr * buf[i];
                }
        }
    } else { /* Adam (L2 decay in the gradient) or AdamW (decoupled: p scaled first, a pass of its own) */
        T *restrict m = (T *)o->s1[q] + lo, *restrict v = (T *)o->s2[q] + lo;
        const T b1 = (T)o->b1, c1 = (T)(1.0 - o->b1), b2 = (T)o->b2, c2 = (T)(1.0 - o->b2);
        const T eps = x->eps, step = x->step, wd = (T)o->wd, decay = (T)(1.0 - o->lr * o->wd);
        const int decoupled = o->kind == OPT_ADAMW && o->wd != 0.0, l2 = o->kind == OPT_ADAM && o->wd != 0.0;
        if (decoupled) /* AdamW: p (1 − ηλ) first, a pass of its own (the backups taken in it) */
            for (Py_ssize_t i = 0; i < n; i++) {
                k[i] = p[i];
                p[i] = p[i] * decay;
            }
        for (Py_ssize_t i = 0; i < n; i++) {
            const T pi = p[i], gi = l2 ? g[i] + pi * wd : g[i];
            const T mi = m[i] * b1 + gi * c1, vi = v[i] * b2 + (gi * gi) * c2;
            m[i] = mi;
            v[i] = vi;
            if (!decoupled) k[i] = pi; /* (AdamW's were kept in its first pass) */
            p[i] = pi - (mi / (SQRT(vi) + eps)) * step;
        }
    }
}

/* The loss of k rows of the output a (k × C) against the targets t, and into g its gradient ∂L/∂a. */
static double FN(loss)(const Net *net, const T *a, const T *t, T *g, Py_ssize_t k, T *scratch) {
    const Py_ssize_t C = net->out[net->L - 1], n = k * C;
    double total = 0.0;
    if (net->loss == LOSS_MSE) {
        const T scale = (T)(net->sum ? 2.0 : 2.0 / (double)n);
        for (Py_ssize_t i = 0; i < n; i++) {
            const T d = a[i] - t[i];
            total += (double)(d * d);
            g[i] = d * scale;
        }
        return net->sum ? total : total / (double)n;
    }
    if (net->loss == LOSS_BCE_LOGITS) { /* max(z, 0) − z y + ln(1 + e), e = exp(−|z|); ∂/∂z = σ(z) − y */
        const T scale = (T)(net->sum ? 1.0 : 1.0 / (double)n);
        for (Py_ssize_t i = 0; i < n; i++) scratch[i] = -FABS(a[i]);
        run_loop(&exp_loops[KIND], scratch, scratch, n, sizeof(T));
        run_loop(&log1p_loops[KIND], scratch, g, n, sizeof(T));
        for (Py_ssize_t i = 0; i < n; i++) {
            const T z = a[i], y = t[i], e = scratch[i];
            total += (double)(((z > (T)0 ? z : (T)0) - z * y) + g[i]);
            const T q = (T)1 / ((T)1 + e);
            g[i] = ((z >= (T)0 ? q : e * q) - y) * scale;
        }
        return net->sum ? total : total / (double)n;
    }
    /* softmax cross-entropy with probability rows t: −Σ_c t_c ln softmax(a)_c; ∂/∂a = softmax(a) Σt − t */
    const T scale = (T)(net->sum ? 1.0 : 1.0 / (double)k);
    T *sums = scratch, *lse = scratch + k;
    for (Py_ssize_t r = 0; r < k; r++) { /* shifted = z − max z, per row */
        const T *ar = a + r * C;
        T *gr = g + r * C;
        T m = ar[0];
        for (Py_ssize_t c = 1; c < C; c++) m = ar[c] > m ? ar[c] : m;
        for (Py_ssize_t c = 0; c < C; c++) gr[c] = ar[c] - m;
    }
    run_loop(&exp_loops[KIND], g, g, n, sizeof(T)); /* e = exp(shifted), NumPy's loop */
    for (Py_ssize_t r = 0; r < k; r++) {
        T s = (T)0;
        for (Py_ssize_t c = 0; c < C; c++) s += g[r * C + c];
        sums[r] = s;
    }
    run_loop(&log_loops[KIND], sums, lse, k, sizeof(T));
    for (Py_ssize_t r = 0; r < k; r++) {
        const T *ar = a + r * C, *tr = t + r * C;
        T *gr = g + r * C;
        T m = ar[0], ts = (T)0;
        for (Py_ssize_t c = 1; c < C; c++) m = ar[c] > m ? ar[c] : m;
        for (Py_ssize_t c = 0; c < C; c++) ts += tr[c];
        double row = 0.0;
        for (Py_ssize_t c = 0; c < C; c++) {
            if (tr[c] != (T)0) row -= (double)(tr[c] * ((ar[c] - m) - lse[r]));
            gr[c] = ((gr[c] / sums[r]) * ts - tr[c]) * scale;
        }
        total += row;
    }
    return net->sum ? total : total / (double)k;
}

/* ----------------------------------------------------------------------------------- any chain, one thread */

/* The forward pass through every layer: acts[l + 1] (k × out) = f(acts[l] Wᵀ + b), over the transposed
 * weights wt[l]. */
VECTOR_CLONES
static void FN(forward)(const FN(Ctx) *x, Py_ssize_t k) {
    const Net *net = x->net;
    for (int l = 0; l < net->L; l++) {
        const Py_ssize_t in = net->in[l], out = net->out[l];
        FN(gemm)(k, out, in, x->acts[l], in, 1, x->wt[l], WT_STRIDE(out), 1, x->acts[l + 1], out);
        FN(bias_activate)(net, l, x->acts[l + 1], k, x->scratch);
    }
}

/* ∂L/∂b = 1ᵀ δ for layer l's δ (k × out), if it has biases */
VECTOR_CLONES
static void FN(bias_grad)(const Net *net, int l, const T *d, Py_ssize_t k) {
    if (net->b[l] < 0) return;
    const Py_ssize_t out = net->out[l];
    T *restrict gb = (T *)net->g[net->b[l]];
    for (Py_ssize_t j = 0; j < out; j++) gb[j] = (T)0;
    for (Py_ssize_t r = 0; r < k; r++)
        for (Py_ssize_t j = 0; j < out; j++) gb[j] += d[r * out + j];
}

/* The δ recursion from x->g = ∂L/∂a of the top layer (k × C; ⊙ f′ here): every parameter's gradient
 * into net->g (∂L/∂W = δᵀ x, ∂L/∂b = 1ᵀ δ, and ∂L/∂x = δ W ⊙ f′ below, through x->g and x->other). */
VECTOR_CLONES
static void FN(backward)(const FN(Ctx) *x, Py_ssize_t k) {
    const Net *net = x->net;
    T *g = x->g, *other = x->other;
    FN(derivative)(net->act[net->L - 1], (T)net->slope[net->L - 1], g, x->acts[net->L], k * net->out[net->L - 1]);
    for (int l = net->L - 1; l >= 0; l--) {
        const Py_ssize_t in = net->in[l], out = net->out[l];
        FN(gemm)(out, in, k, g, 1, out, x->acts[l], in, 0, (T *)net->g[net->w[l]], in);
        FN(bias_grad)(net, l, g, k);
        if (l > 0) {
            FN(gemm)(k, in, out, g, out, 1, (const T *)net->p[net->w[l]], in, 0, other, in);
            FN(derivative)(net->act[l - 1], (T)net->slope[l - 1], other, x->acts[l], k * in);
            T *swap = g;
            g = other;
            other = swap;
        }
    }
}

/* Every parameter's step; a weight matrix in blocks of rows, each transposed into wt while it is in cache. */
static void FN(update_all)(const FN(Ctx) *x) {
    const Net *net = x->net;
    const Py_ssize_t TW = (Py_ssize_t)(32 / sizeof(T));
    for (int l = 0; l < net->L; l++) {
        const Py_ssize_t in = net->in[l], out = net->out[l], rows = (1024 / in) / TW * TW > TW ? (1024 / in) / TW * TW : TW;
        const T *w = (const T *)net->p[net->w[l]];
        for (Py_ssize_t j = 0; j < out; j += rows) {
            const Py_ssize_t n = j + rows < out ? rows : out - j;
            FN(update)(x, net->w[l], j * in, n * in);
            FN(transpose_into)(n, in, w + j * in, in, x->wt[l] + j, WT_STRIDE(out));
        }
        if (net->b[l] >= 0) FN(update)(x, net->b[l], 0, out);
    }
}

/* One epoch over the N rows of X (N × in) and their targets Y (N × C), in batches of B rows, in order (or,
 * given ``order``, over the rows order[0], ..., order[N − 1]: outputs are then in that order).
 * Per batch: forward, loss (into losses[batch]), output rows into outputs, stop if the loss is not finite
 * (returns the batch's index with *diverged set; nothing of it was applied), the weights copied into the
 * backups (and, given a trajectory, appended to it), the δ recursion, the optimizer's step. The loop
 * runs without the GIL; every 32 batches it takes it back to run pending signals (Python's Ctrl-C handler)
 * and read ``interrupt.requested``: true stops after that batch. Returns the number of batches done (a
 * Python exception may be set: a second Ctrl-C), or −1 with one set (no memory). */
static Py_ssize_t FN(epoch)(const Net *net, const Opt *o, const T *X, const T *Y, Py_ssize_t N, Py_ssize_t B,
                            double *losses, T *outputs, long t0, int first, PyObject *interrupt, int *diverged,
                            T *trajectory, const npy_int64 *order) {
    const int L = net->L;
    const Py_ssize_t C = net->out[L - 1], in0 = net->in[0];
    Py_ssize_t widest = 2, wsize = 0; /* at least 2: the cross-entropy loss keeps two numbers a row in `other` */
    for (int l = 0; l < L; l++) {
        widest = net->out[l] > widest ? net->out[l] : widest;
        widest = net->in[l] > widest ? net->in[l] : widest;
        wsize += net->in[l] * WT_STRIDE(net->out[l]);
    }
    Py_ssize_t asize = 0;
    for (int l = 0; l < L; l++) asize += B * net->out[l];
    const Py_ssize_t gathered = order ? B * (in0 + C) : 0; /* a batch's rows, when given an order */
    T *mem = (T *)PyMem_Malloc(sizeof(T) * (size_t)(asize + 2 * B * widest + wsize + gathered));
    if (!mem) {
        PyErr_NoMemory();
        return -1;
    }
    FN(Ctx) x;
    memset(&x, 0, sizeof x);
    x.net = net;
    x.o = o;
    T *cursor = mem;
    for (int l = 0; l < L; l++) {
        x.acts[l + 1] = cursor;
        cursor += B * net->out[l];
    }
    T *g = cursor, *other = cursor + B * widest;
    cursor += 2 * B * widest;
    x.g = g;
    x.other = other;
    x.scratch = other;
    for (int l = 0; l < L; l++) {
        x.wt[l] = cursor;
        cursor += net->in[l] * WT_STRIDE(net->out[l]);
    }
    memset(x.wt[0], 0, sizeof(T) * (size_t)wsize); /* the rows' padding: read by the products, never used */
    for (int l = 0; l < L; l++) /* Wᵀ for the first step; each update then writes the rows it changed */
        FN(transpose_into)(net->out[l], net->in[l], (const T *)net->p[net->w[l]], net->in[l], x.wt[l],
                           WT_STRIDE(net->out[l]));
    T *xb = cursor, *yb = cursor + B * in0;
    const Py_ssize_t steps = (N + B - 1) / B;
    Py_ssize_t done = 0;
    *diverged = 0;
    PyThreadState *ts = PyEval_SaveThread(); /* other threads (a web server's, a timer's) run meanwhile */
    for (Py_ssize_t s = 0; s < steps; s++) {
        const Py_ssize_t r0 = s * B, k = N - r0 < B ? N - r0 : B;
        const T *y = Y + r0 * C;
        if (order) { /* the batch's rows of X and Y, gathered in the epoch's order */
            for (Py_ssize_t i = 0; i < k; i++) {
                memcpy(xb + i * in0, X + order[r0 + i] * in0, sizeof(T) * (size_t)in0);
                memcpy(yb + i * C, Y + order[r0 + i] * C, sizeof(T) * (size_t)C);
            }
            y = yb;
        }
        x.acts[0] = order ? xb : (T *)(X + r0 * in0);
        FN(forward)(&x, k);
        const T *a = x.acts[L];
        const double value = (double)(T)FN(loss)(net, a, y, g, k, other);
        losses[s] = value;
        memcpy(outputs + r0 * C, a, sizeof(T) * (size_t)(k * C));
        if (!isfinite(value)) {
            *diverged = 1;
            break;
        }
        if (trajectory) /* every step's weights before it, one row per step */
            for (int q = 0; q < net->P; q++) {
                memcpy(trajectory, net->p[q], sizeof(T) * (size_t)net->size[q]);
                trajectory += net->size[q];
            }
        const long t = t0 + s + 1;
        if (o->kind == OPT_ADAM || o->kind == OPT_ADAMW) {
            const double root = sqrt(1.0 - pow(o->b2, (double)t));
            x.eps = (T)(o->eps * root);
            x.step = (T)(o->lr * root / (1.0 - pow(o->b1, (double)t)));
        }
        x.first = first && s == 0;
        FN(backward)(&x, k);
        FN(update_all)(&x);
        done = s + 1;
        if ((s & 31) == 31 && s + 1 < steps) { /* every 32 steps: Python's signal handlers, then the request */
            PyEval_RestoreThread(ts);
            int stop = PyErr_CheckSignals();
            if (!stop && interrupt != Py_None) {
                PyObject *req = PyObject_GetAttrString(interrupt, "requested");
                stop = req ? PyObject_IsTrue(req) : -1;
                Py_XDECREF(req);
            }
            if (stop) { /* asked to stop, or an exception (a second Ctrl-C): left set for the caller */
                ts = NULL;
                break;
            }
            ts = PyEval_SaveThread();
        }
    }
    if (ts) PyEval_RestoreThread(ts);
    PyMem_Free(mem);
    return done;
}

#undef FN
#undef CAT
#undef CAT_
#undef T
#undef KIND
#undef SUF
#undef SQRT
#undef FABS
