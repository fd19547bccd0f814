/*
 * The whole-epoch training loop of gradlab._trainloop for one float type, included twice by
 * _trainloop.c with T = double, SUF = f64 and T = float, SUF = f32 (see that file for what it does).
 */
#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define FN(name) CAT(name, SUF)

/* C (m × n) = A (m × p) B (p × n), B and C row-major, A read through strides (a row, a column), so
 * A may be a transpose. Blocks of four rows × two vectors of columns are summed in registers (GCC's
 * vector extension: 64 bytes, split into the widths the CPU has; multiply-adds fused where the CPU has
 * them, as BLAS does), each entry over p in order; then the rows left over, one vector of columns, and
 * the columns left over (fewer than a vector) four rows at a time. */
typedef T FN(vec) __attribute__((vector_size(64)));
#define LOADV(v, ptr) memcpy(&(v), (ptr), 64)
GEMM_CLONES
static void FN(gemm)(Py_ssize_t m, Py_ssize_t n, Py_ssize_t p, const T *restrict A, Py_ssize_t ars, Py_ssize_t acs,
                     const T *restrict B, T *restrict C) {
    const Py_ssize_t VW = (Py_ssize_t)(64 / sizeof(T)), nv = n - n % VW;
    for (Py_ssize_t j = nv; j < n; j++) { /* the columns left over, four rows at a time (independent sums) */
        Py_ssize_t r = 0;
        for (; r + 4 <= m; r += 4) {
            const T *restrict a0 = A + r * ars, *restrict a1 = a0 + ars, *restrict a2 = a1 + ars, *restrict a3 = a2 + ars;
            T s0 = (T)0, s1 = (T)0, s2 = (T)0, s3 = (T)0;
            for (Py_ssize_t q = 0; q < p; q++) {
                const T bq = B[q * n + j];
                s0 += a0[q * acs] * bq;
                s1 += a1[q * acs] * bq;
                s2 += a2[q * acs] * bq;
                s3 += a3[q * acs] * bq;
            }
            C[r * n + j] = s0;
            C[(r + 1) * n + j] = s1;
            C[(r + 2) * n + j] = s2;
            C[(r + 3) * n + j] = s3;
        }
        for (; r < m; r++) {
            const T *restrict a = A + r * ars;
            T s = (T)0;
            for (Py_ssize_t q = 0; q < p; q++) s += a[q * acs] * B[q * n + j];
            C[r * n + j] = s;
        }
    }
    if (!nv) return;
    Py_ssize_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const T *restrict a0 = A + r * ars, *restrict a1 = a0 + ars, *restrict a2 = a1 + ars, *restrict a3 = a2 + ars;
        Py_ssize_t j = 0;
        for (; j + 2 * VW <= nv; j += 2 * VW) {
            FN(vec) c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0}, b0, b1;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * n + j);
                LOADV(b1, B + q * n + j + VW);
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
            T *c = C + r * n + j;
            memcpy(c, &c00, 64);
            memcpy(c + VW, &c01, 64);
            memcpy(c + n, &c10, 64);
            memcpy(c + n + VW, &c11, 64);
            memcpy(c + 2 * n, &c20, 64);
            memcpy(c + 2 * n + VW, &c21, 64);
            memcpy(c + 3 * n, &c30, 64);
            memcpy(c + 3 * n + VW, &c31, 64);
        }
        for (; j < nv; j += VW) {
            FN(vec) c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, b0;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * n + j);
                c0 += a0[q * acs] * b0;
                c1 += a1[q * acs] * b0;
                c2 += a2[q * acs] * b0;
                c3 += a3[q * acs] * b0;
            }
            T *c = C + r * n + j;
            memcpy(c, &c0, 64);
            memcpy(c + n, &c1, 64);
            memcpy(c + 2 * n, &c2, 64);
            memcpy(c + 3 * n, &c3, 64);
        }
    }
    for (; r < m; r++) {
        const T *restrict a = A + r * ars;
        T *restrict c = C + r * n;
        for (Py_ssize_t j = 0; j < nv; j += VW) {
            FN(vec) acc = {0}, b0;
            for (Py_ssize_t q = 0; q < p; q++) {
                LOADV(b0, B + q * n + j);
                acc += a[q * acs] * b0;
            }
            memcpy(c + j, &acc, 64);
        }
    }
}

/* C (m × n) = A (m × p) Wᵀ for W (n × p), both row-major: each entry a dot product of two rows, summed in
 * vector-wide partial sums (then added across), blocks of four rows × two columns at a time. For the
 * forward pass through a layer with many inputs, where it saves transposing W every step. */
static inline T FN(hsum)(FN(vec) v) {
    T s = (T)0;
    for (Py_ssize_t e = 0; e < (Py_ssize_t)(64 / sizeof(T)); e++) s += v[e];
    return s;
}

GEMM_CLONES
static void FN(gemm_nt)(Py_ssize_t m, Py_ssize_t n, Py_ssize_t p, const T *restrict A, const T *restrict W,
                        T *restrict C) {
    const Py_ssize_t VW = (Py_ssize_t)(64 / sizeof(T)), pv = p - p % VW;
    Py_ssize_t r = 0;
    for (; r + 4 <= m; r += 4) {
        const T *restrict a0 = A + r * p, *restrict a1 = a0 + p, *restrict a2 = a1 + p, *restrict a3 = a2 + p;
        Py_ssize_t j = 0;
        for (; j + 2 <= n; j += 2) {
            const T *restrict w0 = W + j * p, *restrict w1 = w0 + p;
            FN(vec) s00 = {0}, s01 = {0}, s10 = {0}, s11 = {0}, s20 = {0}, s21 = {0}, s30 = {0}, s31 = {0};
            FN(vec) x0, x1, x2, x3, y0, y1;
            for (Py_ssize_t q = 0; q < pv; q += VW) {
                LOADV(y0, w0 + q);
                LOADV(y1, w1 + q);
                LOADV(x0, a0 + q);
                LOADV(x1, a1 + q);
                LOADV(x2, a2 + q);
                LOADV(x3, a3 + q);
                s00 += x0 * y0;
                s01 += x0 * y1;
                s10 += x1 * y0;
                s11 += x1 * y1;
                s20 += x2 * y0;
                s21 += x2 * y1;
                s30 += x3 * y0;
                s31 += x3 * y1;
            }
            T t00 = FN(hsum)(s00), t01 = FN(hsum)(s01), t10 = FN(hsum)(s10), t11 = FN(hsum)(s11);
            T t20 = FN(hsum)(s20), t21 = FN(hsum)(s21), t30 = FN(hsum)(s30), t31 = FN(hsum)(s31);
            for (Py_ssize_t q = pv; q < p; q++) {
                t00 += a0[q] * w0[q];
                t01 += a0[q] * w1[q];
                t10 += a1[q] * w0[q];
                t11 += a1[q] * w1[q];
                t20 += a2[q] * w0[q];
                t21 += a2[q] * w1[q];
                t30 += a3[q] * w0[q];
                t31 += a3[q] * w1[q];
            }
            T *c = C + r * n + j;
            c[0] = t00;
            c[1] = t01;
            c[n] = t10;
            c[n + 1] = t11;
            c[2 * n] = t20;
            c[2 * n + 1] = t21;
            c[3 * n] = t30;
            c[3 * n + 1] = t31;
        }
        for (; j < n; j++)
            for (int i = 0; i < 4; i++) {
                const T *restrict a = A + (r + i) * p, *restrict w = W + j * p;
                FN(vec) acc = {0}, x, y;
                for (Py_ssize_t q = 0; q < pv; q += VW) {
                    LOADV(x, a + q);
                    LOADV(y, w + q);
                    acc += x * y;
                }
                T t = FN(hsum)(acc);
                for (Py_ssize_t q = pv; q < p; q++) t += a[q] * w[q];
                C[(r + i) * n + j] = t;
            }
    }
    for (; r < m; r++)
        for (Py_ssize_t j = 0; j < n; j++) {
            const T *restrict a = A + r * p, *restrict w = W + j * p;
            FN(vec) acc = {0}, x, y;
            for (Py_ssize_t q = 0; q < pv; q += VW) {
                LOADV(x, a + q);
                LOADV(y, w + q);
                acc += x * y;
            }
            T t = FN(hsum)(acc);
            for (Py_ssize_t q = pv; q < p; q++) t += a[q] * w[q];
            C[r * n + j] = t;
        }
}
#undef LOADV

/* Whether layer l's forward product runs on W itself (gemm_nt, many inputs) rather than on Wᵀ. */
#define NT_LAYER(net, l) ((net)->in[l] >= (Py_ssize_t)(128 / sizeof(T)))

/* One batch's forward pass through every layer: acts[l + 1] (k rows × out[l]) = f(acts[l] Wᵀ + b), the
 * product over the transposed weights wt[l] (in × out). */
VECTOR_CLONES
static void FN(forward)(const Net *net, T **acts, T *const *wt, Py_ssize_t k, T *scratch) {
    for (int l = 0; l < net->L; l++) {
        const Py_ssize_t in = net->in[l], out = net->out[l];
        const T *b = net->b[l] < 0 ? NULL : (const T *)net->p[net->b[l]];
        T *z = acts[l + 1];
        const int act = net->act[l];
        const T slope = (T)net->slope[l];
        if (NT_LAYER(net, l))
            FN(gemm_nt)(k, out, in, acts[l], (const T *)net->p[net->w[l]], z);
        else
            FN(gemm)(k, out, in, acts[l], in, 1, wt[l], z);
        if (b)
            for (Py_ssize_t r = 0; r < k; r++) {
                T *restrict zr = z + r * out;
                for (Py_ssize_t j = 0; j < out; j++) zr[j] += b[j];
            }
        const Py_ssize_t n = k * out;
        switch (act) { /* on the whole batch; exp and tanh are NumPy's own loops, as the rows use */
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

/* The δ recursion from g = ∂L/∂a_L (k × C, overwritten): every parameter's gradient into net->g. */
VECTOR_CLONES
static void FN(backward)(const Net *net, T *const *acts, T *g, T *other, Py_ssize_t k) {
    for (int l = net->L - 1; l >= 0; l--) {
        const Py_ssize_t in = net->in[l], out = net->out[l], n = k * out;
        const T *a = acts[l + 1], *x = acts[l];
        const T slope = (T)net->slope[l];
        switch (net->act[l]) { /* δ = g ⊙ f′, from the output a = f(z) */
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
        FN(gemm)(out, in, k, g, 1, out, x, (T *)net->g[net->w[l]]); /* ∂L/∂W = δᵀ x (out × in) */
        if (net->b[l] >= 0) { /* ∂L/∂b = 1ᵀ δ */
            T *gb = (T *)net->g[net->b[l]];
            for (Py_ssize_t j = 0; j < out; j++) gb[j] = (T)0;
            for (Py_ssize_t r = 0; r < k; r++)
                for (Py_ssize_t j = 0; j < out; j++) gb[j] += g[r * out + j];
        }
        if (l > 0) { /* ∂L/∂x = δ W (k × in), into the other buffer */
            FN(gemm)(k, in, out, g, out, 1, (const T *)net->p[net->w[l]], other);
            T *swap = g;
            g = other;
            other = swap;
        }
    }
}

/* The optimizer's update of every parameter from its gradient, the operations of optim/sgd.py and
 * optim/adam.py in their order and dtype, each weight copied into the backups (net->k) as it is read.
 * ``first``: SGD's momentum buffers are made on this step. */
VECTOR_CLONES
static void FN(update)(const Net *net, const Opt *o, long t, int first) {
    for (int q = 0; q < net->P; q++) { /* every branch outside the loops, so each loop vectorizes */
        T *restrict p = (T *)net->p[q], *restrict k = (T *)net->k[q]; /* k: the weights before, kept in passing */
        const T *restrict g = (const T *)net->g[q];
        const Py_ssize_t n = net->size[q];
        if (o->kind == OPT_SGD_PLAIN) {
            const T lr = (T)o->lr;
            for (Py_ssize_t i = 0; i < n; i++) {
                const T pi = p[i];
                k[i] = pi;
                p[i] = pi - lr * g[i];
            }
        } else if (o->kind == OPT_SGD) {
            T *restrict buf = o->s1 ? (T *)o->s1[q] : NULL;
            const T lr = (T)o->lr, wd = (T)o->wd, mu = (T)o->mu, keep = (T)o->keep;
            const int decay = o->wd != 0.0, damp = o->keep != 1.0;
            if (!buf) { /* weight decay alone: g + λp */
                for (Py_ssize_t i = 0; i < n; i++) {
                    const T pi = p[i];
                    k[i] = pi;
                    p[i] = pi - lr * (g[i] + wd * pi);
                }
                continue;
            }
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
        } else { /* Adam (L2 decay in the gradient) or AdamW (decoupled: p scaled first, a pass of its own) */
            T *restrict m = (T *)o->s1[q], *restrict v = (T *)o->s2[q];
            const double root = sqrt(1.0 - pow(o->b2, (double)t));
            const T b1 = (T)o->b1, c1 = (T)(1.0 - o->b1), b2 = (T)o->b2, c2 = (T)(1.0 - o->b2);
            const T eps = (T)(o->eps * root), step = (T)(o->lr * root / (1.0 - pow(o->b1, (double)t)));
            const T wd = (T)o->wd, decay = (T)(1.0 - o->lr * o->wd);
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
}

/* wt[l] = W[l]ᵀ (in × out), for the forward pass's products; in 8 × 8 tiles, so both sides stay in cache. */
VECTOR_CLONES
static void FN(transpose)(const Net *net, T **wt) {
    for (int l = 0; l < net->L; l++) {
        if (NT_LAYER(net, l)) continue; /* its forward product reads W */
        const Py_ssize_t in = net->in[l], out = net->out[l];
        const T *restrict w = (const T *)net->p[net->w[l]];
        T *restrict d = wt[l];
        for (Py_ssize_t j0 = 0; j0 < out; j0 += 8)
            for (Py_ssize_t i0 = 0; i0 < in; i0 += 8) {
                const Py_ssize_t j1 = j0 + 8 < out ? j0 + 8 : out, i1 = i0 + 8 < in ? i0 + 8 : in;
                for (Py_ssize_t j = j0; j < j1; j++)
                    for (Py_ssize_t i = i0; i < i1; i++) d[i * out + j] = w[j * in + i];
            }
    }
}

/* One epoch over the N rows of X (N × in) and their targets Y (N × C), in batches of B rows, in order (or,
 * given ``order``, over the rows order[0], ..., order[N − 1]: outputs are then in that order).
 * Per batch: forward, loss (into losses[batch]), output rows into outputs, stop if the loss is not finite
 * (returns the batch's index with *diverged set; nothing of it was applied), the weights copied into the
 * backups (and, given a trajectory, appended to it), the δ recursion, the optimizer's step. The loop
 * runs without the GIL; every 32 batches it takes it back to run pending signals (Python's Ctrl-C handler)
 * and read ``interrupt.requested``: true stops after that batch. Returns the number of
 * batches done (a Python exception may be set: a second Ctrl-C), or −1 with one set (no memory). */
static Py_ssize_t FN(epoch)(const Net *net, const Opt *o, const T *X, const T *Y, Py_ssize_t N, Py_ssize_t B,
                            double *losses, T *outputs, long t0, int first, PyObject *interrupt, int *diverged,
                            T *trajectory, const npy_int64 *order) {
    const int L = net->L;
    const Py_ssize_t C = net->out[L - 1];
    Py_ssize_t widest = net->in[0], wsize = 0;
    for (int l = 0; l < L; l++) {
        widest = net->out[l] > widest ? net->out[l] : widest;
        widest = net->in[l] > widest ? net->in[l] : widest;
        wsize += net->in[l] * net->out[l];
    }
    Py_ssize_t asize = 0;
    for (int l = 0; l < L; l++) asize += B * net->out[l];
    const Py_ssize_t gathered = order ? B * (net->in[0] + C) : 0; /* a batch's rows, when given an order */
    T *mem = (T *)PyMem_Malloc(sizeof(T) * (size_t)(asize + 2 * B * widest + wsize + gathered));
    if (!mem) {
        PyErr_NoMemory();
        return -1;
    }
    T *acts[MAX_LAYERS + 1], *wt[MAX_LAYERS];
    T *cursor = mem;
    for (int l = 0; l < L; l++) {
        acts[l + 1] = cursor;
        cursor += B * net->out[l];
    }
    T *g = cursor, *other = cursor + B * widest;
    cursor += 2 * B * widest;
    for (int l = 0; l < L; l++) {
        wt[l] = cursor;
        cursor += net->in[l] * net->out[l];
    }
    T *xb = cursor, *yb = cursor + B * net->in[0];
    FN(transpose)(net, wt);
    const Py_ssize_t steps = (N + B - 1) / B;
    Py_ssize_t done = 0;
    *diverged = 0;
    PyThreadState *ts = PyEval_SaveThread(); /* other threads (a web server's, a timer's) run meanwhile */
    for (Py_ssize_t s = 0; s < steps; s++) {
        const Py_ssize_t r0 = s * B, k = N - r0 < B ? N - r0 : B;
        const T *y = Y + r0 * C;
        if (order) { /* the batch's rows of X and Y, gathered in the epoch's order */
            const Py_ssize_t in = net->in[0];
            for (Py_ssize_t i = 0; i < k; i++) {
                memcpy(xb + i * in, X + order[r0 + i] * in, sizeof(T) * (size_t)in);
                memcpy(yb + i * C, Y + order[r0 + i] * C, sizeof(T) * (size_t)C);
            }
            acts[0] = xb;
            y = yb;
        } else {
            acts[0] = (T *)(X + r0 * net->in[0]);
        }
        FN(forward)(net, acts, wt, k, other);
        const T *a = acts[L];
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
        FN(backward)(net, acts, g, other, k);
        FN(update)(net, o, t0 + s + 1, first && s == 0);
        FN(transpose)(net, wt);
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
