/*
 * gradlab._kernels: the training step's element-wise loops, compiled.
 *
 * Each function does in one pass over its arrays what the NumPy path does in
 * several calls (one pass and one temporary array per call). The NumPy code
 * they replace stays the reference, and tests compare the two
 * (tests/core/test_native.py); gradlab/core/native.py documents the module.
 *
 *   adam          Adam's update of a list of parameters: bit for bit the
 *                 operations of optim/adam.py's NumPy update, in its order
 *                 (no fused multiply-add: built with -ffp-contract=off);
 *   copy_into     fit's copy of the weights before a step;
 *   softmax_xent  the cross-entropy row's forward pass: the loss sum and
 *                 softmax(z) (exp and the sums round differently from NumPy's,
 *                 by a few units in the last place);
 *   xent_grad     its backward pass, (softmax(z) Σp − p)·scale;
 *   bias_act      z + b and ReLU in place (the dense row's forward), and
 *   relu_grad     sign(a)·g (its backward), both bit for bit as NumPy.
 *
 * Arrays come in through the buffer protocol: C-contiguous float64 ("d") or
 * float32 ("f"), one dtype and matching shapes per call. A function that is
 * given anything else changes nothing and returns False (None for
 * softmax_xent), and the caller takes its NumPy path, which handles or
 * reports the case: the hot path pays for no checks in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* Several vector widths in one build where the compiler and the C library can
 * pick at load time (GCC function multiversioning); one plain build elsewhere. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

enum { F64 = 0, F32 = 1 };

static PyObject *str_data, *str_grad; /* the attribute names "data" and "grad" */

/* A C-contiguous float buffer of obj: its kind (F64/F32), or -1, with no
 * exception set and nothing held, when obj is not one. */
static int float_buffer(PyObject *obj, Py_buffer *view, int writable) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (obj == Py_None || PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Clear();
        return -1;
    }
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') f++;
    if (f[0] == 'd' && f[1] == '\0' && view->itemsize == 8) return F64;
    if (f[0] == 'f' && f[1] == '\0' && view->itemsize == 4) return F32;
    PyBuffer_Release(view);
    return -1;
}

static int same_shape(const Py_buffer *a, const Py_buffer *b) {
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

static void release_all(Py_buffer *views, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) PyBuffer_Release(&views[i]);
}

/* views[0..n) from objs[0..n): all float buffers of one kind and one shape.
 * Returns the kind, or -1 with nothing held. */
static int matching_buffers(PyObject **objs, const int *writable, int n, Py_buffer *views) {
    int kind = -1;
    for (int i = 0; i < n; i++) {
        int k = float_buffer(objs[i], &views[i], writable[i]);
        if (k < 0 || (i && (k != kind || !same_shape(&views[i], &views[0])))) {
            release_all(views, k < 0 ? i : i + 1);
            return -1;
        }
        kind = k;
    }
    return kind;
}

/* The buffer of obj.<name> (a new reference is taken and dropped: the view holds its own). */
static int attribute_buffer(PyObject *obj, PyObject *name, Py_buffer *view, int writable) {
    PyObject *value = PyObject_GetAttr(obj, name);
    if (!value) {
        PyErr_Clear();
        return -1;
    }
    int kind = float_buffer(value, view, writable);
    Py_DECREF(value);
    return kind;
}

/* ------------------------------------------------------------------ adam */
/* The statement order is that of Adam._update (and of the L2 term in
 * _FlatBuffers.gather), so each rounding happens as it does in NumPy:
 *   g ← g + p·λ;  m ← m·β₁ + g·(1 − β₁);  v ← v·β₂ + (g·g)·(1 − β₂);
 *   p ← p − (m / (√v + ε̂))·η̂                                               */
#define ADAM_LOOP(T, SQRT)                                                                        \
    {                                                                                             \
        const T b1_ = (T)b1, c1_ = (T)(1.0 - b1), b2_ = (T)b2, c2_ = (T)(1.0 - b2);               \
        const T eps_ = (T)eps, step_ = (T)step, wd_ = (T)wd;                                      \
        for (Py_ssize_t i = 0; i < n; i++) {                                                      \
            T gi = g[i];                                                                          \
            if (decay) gi = gi + p[i] * wd_;                                                      \
            T mi = m[i] * b1_ + gi * c1_;                                                         \
            T vi = v[i] * b2_ + (gi * gi) * c2_;                                                  \
            m[i] = mi;                                                                            \
            v[i] = vi;                                                                            \
            p[i] = p[i] - (mi / (SQRT(vi) + eps_)) * step_;                                       \
        }                                                                                         \
    }

VECTOR_CLONES
static void adam_f64(double *p, const double *g, double *m, double *v, Py_ssize_t n, double b1, double b2,
                     double step, double eps, double wd, int decay) ADAM_LOOP(double, sqrt)

VECTOR_CLONES
static void adam_f32(float *p, const float *g, float *m, float *v, Py_ssize_t n, double b1, double b2,
                     double step, double eps, double wd, int decay) ADAM_LOOP(float, sqrtf)

/* adam(params, ms, vs, beta1, beta2, step, eps, weight_decay) -> bool
 * params: a list of objects with .data and .grad (gradlab Tensors); ms, vs:
 * lists of their moment arrays. Either every parameter is updated, or (some
 * array does not fit) none is and the result is False. */
static PyObject *adam(PyObject *self, PyObject *args) {
    PyObject *params, *ms, *vs;
    double b1, b2, step, eps, wd;
    if (!PyArg_ParseTuple(args, "O!O!O!ddddd:adam", &PyList_Type, &params, &PyList_Type, &ms, &PyList_Type, &vs, &b1,
                          &b2, &step, &eps, &wd))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(params);
    if (PyList_GET_SIZE(ms) != count || PyList_GET_SIZE(vs) != count) {
        PyErr_Format(PyExc_ValueError, "adam: %zd parameters but %zd first and %zd second moments", count,
                     PyList_GET_SIZE(ms), PyList_GET_SIZE(vs));
        return NULL;
    }
    Py_buffer *views = PyMem_Calloc(4 * (size_t)(count ? count : 1), sizeof(Py_buffer));
    if (!views) return PyErr_NoMemory();
    Py_ssize_t held = 0; /* views[0 .. held) are acquired */
    int kind = -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_buffer *v = &views[4 * i];
        PyObject *p = PyList_GET_ITEM(params, i);
        int k[4];
        k[0] = attribute_buffer(p, str_data, &v[0], 1);
        if (k[0] < 0) goto refuse;
        held++;
        k[1] = attribute_buffer(p, str_grad, &v[1], 0);
        if (k[1] < 0) goto refuse;
        held++;
        k[2] = float_buffer(PyList_GET_ITEM(ms, i), &v[2], 1);
        if (k[2] < 0) goto refuse;
        held++;
        k[3] = float_buffer(PyList_GET_ITEM(vs, i), &v[3], 1);
        if (k[3] < 0) goto refuse;
        held++;
        if (kind < 0) kind = k[0];
        for (int j = 0; j < 4; j++)
            if (k[j] != kind || !same_shape(&v[j], &v[0])) goto refuse;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_buffer *v = &views[4 * i];
        Py_ssize_t n = v[0].len / v[0].itemsize;
        if (kind == F64)
            adam_f64(v[0].buf, v[1].buf, v[2].buf, v[3].buf, n, b1, b2, step, eps, wd, wd != 0.0);
        else
            adam_f32(v[0].buf, v[1].buf, v[2].buf, v[3].buf, n, b1, b2, step, eps, wd, wd != 0.0);
    }
    Py_END_ALLOW_THREADS
    release_all(views, held);
    PyMem_Free(views);
    Py_RETURN_TRUE;
refuse:
    release_all(views, held);
    PyMem_Free(views);
    Py_RETURN_FALSE;
}

/* ------------------------------------------------------------- copy_into */
/* copy_into(dsts, params) -> bool: dsts[i][...] = params[i].data for arrays of
 * one float dtype and shape; False, copying nothing, when some pair does not fit. */
static PyObject *copy_into(PyObject *self, PyObject *args) {
    PyObject *dsts, *params;
    if (!PyArg_ParseTuple(args, "O!O!:copy_into", &PyList_Type, &dsts, &PyList_Type, &params)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(dsts);
    if (PyList_GET_SIZE(params) != count) {
        PyErr_Format(PyExc_ValueError, "copy_into: %zd destinations but %zd parameters", count,
                     PyList_GET_SIZE(params));
        return NULL;
    }
    Py_buffer *views = PyMem_Calloc(2 * (size_t)(count ? count : 1), sizeof(Py_buffer));
    if (!views) return PyErr_NoMemory();
    Py_ssize_t held = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int kd = float_buffer(PyList_GET_ITEM(dsts, i), &views[2 * i], 1);
        if (kd < 0) goto refuse;
        held++;
        int ks = attribute_buffer(PyList_GET_ITEM(params, i), str_data, &views[2 * i + 1], 0);
        if (ks < 0) goto refuse;
        held++;
        if (kd != ks || !same_shape(&views[2 * i], &views[2 * i + 1])) goto refuse;
    }
    for (Py_ssize_t i = 0; i < count; i++) memcpy(views[2 * i].buf, views[2 * i + 1].buf, views[2 * i].len);
    release_all(views, held);
    PyMem_Free(views);
    Py_RETURN_TRUE;
refuse:
    release_all(views, held);
    PyMem_Free(views);
    Py_RETURN_FALSE;
}

/* ---------------------------------------------------------- softmax_xent */
/* Per row of C logits: μ = max z, s = Σ e^{z−μ}, softmax = e^{z−μ}/s and
 * Σ_c p_c ln softmax_c = Σ_c p_c (z_c − μ − ln s), a class with p_c = 0
 * counting 0 (so a masked logit −∞ gives 0, not 0·(−∞)). Sums in double. */
#define XENT_LOOP(T)                                                                              \
    {                                                                                             \
        double total = 0.0;                                                                       \
        for (Py_ssize_t r = 0; r < rows; r++) {                                                   \
            const T *zr = z + r * C, *pr = p + r * C;                                             \
            T *er = e + r * C;                                                                    \
            double mu = zr[0];                                                                    \
            for (Py_ssize_t c = 1; c < C; c++)                                                    \
                if (!((double)zr[c] <= mu)) mu = zr[c]; /* NaN wins, as in NumPy's max */         \
            double s = 0.0;                                                                       \
            for (Py_ssize_t c = 0; c < C; c++) {                                                  \
                double x = exp((double)zr[c] - mu);                                               \
                er[c] = (T)x;                                                                     \
                s += x;                                                                           \
            }                                                                                     \
            double lse = mu + log(s), row = 0.0;                                                  \
            for (Py_ssize_t c = 0; c < C; c++) {                                                  \
                if (pr[c] != 0) row += (double)pr[c] * ((double)zr[c] - lse);                     \
                er[c] = (T)((double)er[c] / s);                                                   \
            }                                                                                     \
            total += row;                                                                         \
        }                                                                                         \
        return total;                                                                             \
    }

static double xent_f64(const double *z, const double *p, double *e, Py_ssize_t rows, Py_ssize_t C) XENT_LOOP(double)
static double xent_f32(const float *z, const float *p, float *e, Py_ssize_t rows, Py_ssize_t C) XENT_LOOP(float)

/* The element count and the number of classes (the last axis) of a matching set of views; 0 classes refuses. */
static int rows_of(const Py_buffer *v, Py_ssize_t *n, Py_ssize_t *C) {
    *n = v->len / v->itemsize;
    *C = v->ndim ? v->shape[v->ndim - 1] : 1;
    return *C >= 1;
}

/* softmax_xent(z, p, out) -> float or None: Σ p ln softmax(z) over rows of the last axis, softmax(z) into out. */
static PyObject *softmax_xent(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    if (!PyArg_ParseTuple(args, "OOO:softmax_xent", &objs[0], &objs[1], &objs[2])) return NULL;
    static const int writable[3] = {0, 0, 1};
    Py_buffer views[3];
    int kind = matching_buffers(objs, writable, 3, views);
    if (kind < 0) Py_RETURN_NONE;
    Py_ssize_t n, C;
    if (!rows_of(&views[0], &n, &C)) {
        release_all(views, 3);
        Py_RETURN_NONE;
    }
    double total;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        total = xent_f64(views[0].buf, views[1].buf, views[2].buf, n / C, C);
    else
        total = xent_f32(views[0].buf, views[1].buf, views[2].buf, n / C, C);
    Py_END_ALLOW_THREADS
    release_all(views, 3);
    return PyFloat_FromDouble(total);
}

/* ------------------------------------------------------------- xent_grad */
/* out = (softmax · Σ_c p_c − p) · scale, row by row, in the arrays' dtype:
 * the statement order of the cross-entropy row's NumPy backward pass. */
#define XGRAD_LOOP(T)                                                                             \
    {                                                                                             \
        const T scale_ = (T)scale;                                                                \
        for (Py_ssize_t r = 0; r < rows; r++) {                                                   \
            const T *sr = s + r * C, *pr = p + r * C;                                             \
            T *or_ = out + r * C;                                                                 \
            T mass = 0;                                                                           \
            for (Py_ssize_t c = 0; c < C; c++) mass += pr[c];                                     \
            for (Py_ssize_t c = 0; c < C; c++) or_[c] = (sr[c] * mass - pr[c]) * scale_;          \
        }                                                                                         \
    }

static void xgrad_f64(const double *s, const double *p, double *out, Py_ssize_t rows, Py_ssize_t C, double scale)
    XGRAD_LOOP(double)
static void xgrad_f32(const float *s, const float *p, float *out, Py_ssize_t rows, Py_ssize_t C, double scale)
    XGRAD_LOOP(float)

/* xent_grad(softmax, p, out, scale) -> bool */
static PyObject *xent_grad(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    double scale;
    if (!PyArg_ParseTuple(args, "OOOd:xent_grad", &objs[0], &objs[1], &objs[2], &scale)) return NULL;
    static const int writable[3] = {0, 0, 1};
    Py_buffer views[3];
    int kind = matching_buffers(objs, writable, 3, views);
    if (kind < 0) Py_RETURN_FALSE;
    Py_ssize_t n, C;
    if (!rows_of(&views[0], &n, &C)) {
        release_all(views, 3);
        Py_RETURN_FALSE;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        xgrad_f64(views[0].buf, views[1].buf, views[2].buf, n / C, C, scale);
    else
        xgrad_f32(views[0].buf, views[1].buf, views[2].buf, n / C, C, scale);
    Py_END_ALLOW_THREADS
    release_all(views, 3);
    Py_RETURN_TRUE;
}

/* -------------------------------------------------------------- bias_act */
/* z ← z + b row by row, then max(z, 0) when relu: NumPy's `z += b; maximum(z, 0,
 * out=z)` (maximum gives +0 for ±0 and negatives, and keeps NaN). */
#define BIAS_ACT_LOOP(T)                                                                          \
    {                                                                                             \
        for (Py_ssize_t r = 0; r < rows; r++) {                                                   \
            T *zr = z + r * C;                                                                    \
            if (relu)                                                                             \
                for (Py_ssize_t c = 0; c < C; c++) {                                              \
                    T x = zr[c] + b[c];                                                           \
                    zr[c] = (x > 0 || x != x) ? x : (T)0;                                         \
                }                                                                                 \
            else                                                                                  \
                for (Py_ssize_t c = 0; c < C; c++) zr[c] = zr[c] + b[c];                          \
        }                                                                                         \
    }

VECTOR_CLONES
static void bias_act_f64(double *z, const double *b, Py_ssize_t rows, Py_ssize_t C, int relu) BIAS_ACT_LOOP(double)
VECTOR_CLONES
static void bias_act_f32(float *z, const float *b, Py_ssize_t rows, Py_ssize_t C, int relu) BIAS_ACT_LOOP(float)

/* bias_act(z, b, relu) -> bool: z (N, C), b (C,) */
static PyObject *bias_act(PyObject *self, PyObject *args) {
    PyObject *zo, *bo;
    int relu;
    if (!PyArg_ParseTuple(args, "OOp:bias_act", &zo, &bo, &relu)) return NULL;
    Py_buffer views[2];
    int kind = float_buffer(zo, &views[0], 1);
    if (kind < 0) Py_RETURN_FALSE;
    int kb = float_buffer(bo, &views[1], 0);
    if (kb < 0) {
        release_all(views, 1);
        Py_RETURN_FALSE;
    }
    if (kb != kind || views[0].ndim != 2 || views[1].ndim != 1 || views[1].shape[0] != views[0].shape[1]) {
        release_all(views, 2);
        Py_RETURN_FALSE;
    }
    Py_ssize_t rows = views[0].shape[0], C = views[0].shape[1];
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        bias_act_f64(views[0].buf, views[1].buf, rows, C, relu);
    else
        bias_act_f32(views[0].buf, views[1].buf, rows, C, relu);
    Py_END_ALLOW_THREADS
    release_all(views, 2);
    Py_RETURN_TRUE;
}

/* ------------------------------------------------------------- relu_grad */
/* out ← sign(a) · g: NumPy's `delta = sign(a); delta *= g` (sign(±0) = +0,
 * sign(NaN) = NaN); out may be g itself. */
#define RELU_GRAD_LOOP(T)                                                                         \
    {                                                                                             \
        for (Py_ssize_t i = 0; i < n; i++) {                                                      \
            T ai = a[i];                                                                          \
            T s = ai > 0 ? (T)1 : ai < 0 ? (T)-1 : ai == 0 ? (T)0 : ai;                           \
            out[i] = s * g[i];                                                                    \
        }                                                                                         \
    }

VECTOR_CLONES
static void relu_grad_f64(const double *g, const double *a, double *out, Py_ssize_t n) RELU_GRAD_LOOP(double)
VECTOR_CLONES
static void relu_grad_f32(const float *g, const float *a, float *out, Py_ssize_t n) RELU_GRAD_LOOP(float)

/* relu_grad(g, a, out) -> bool */
static PyObject *relu_grad(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    if (!PyArg_ParseTuple(args, "OOO:relu_grad", &objs[0], &objs[1], &objs[2])) return NULL;
    static const int writable[3] = {0, 0, 1};
    Py_buffer views[3];
    int kind = matching_buffers(objs, writable, 3, views);
    if (kind < 0) Py_RETURN_FALSE;
    Py_ssize_t n = views[0].len / views[0].itemsize;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        relu_grad_f64(views[0].buf, views[1].buf, views[2].buf, n);
    else
        relu_grad_f32(views[0].buf, views[1].buf, views[2].buf, n);
    Py_END_ALLOW_THREADS
    release_all(views, 3);
    Py_RETURN_TRUE;
}

/* ---------------------------------------------------------------- module */
static PyMethodDef methods[] = {
    {"adam", adam, METH_VARARGS,
     "adam(params, ms, vs, beta1, beta2, step, eps, weight_decay) -> bool: one Adam update of every "
     "params[i].data (and its moments) from params[i].grad, in place; False, changing nothing, when some array "
     "does not fit."},
    {"copy_into", copy_into, METH_VARARGS,
     "copy_into(dsts, params) -> bool: dsts[i][...] = params[i].data; False, copying nothing, when some pair "
     "does not fit."},
    {"softmax_xent", softmax_xent, METH_VARARGS,
     "softmax_xent(z, p, out) -> float or None: the sum of p * log_softmax(z) over rows of the last axis, "
     "softmax(z) into out; None when the arrays do not fit."},
    {"xent_grad", xent_grad, METH_VARARGS,
     "xent_grad(softmax, p, out, scale) -> bool: out = (softmax * row sums of p - p) * scale."},
    {"bias_act", bias_act, METH_VARARGS,
     "bias_act(z, b, relu) -> bool: z += b row by row, then max(z, 0) when relu, in place."},
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(g, a, out) -> bool: out = sign(a) * g (out may be g)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "gradlab._kernels",
    "Compiled element-wise loops of the training step (see gradlab.core.native).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    str_data = PyUnicode_InternFromString("data");
    str_grad = PyUnicode_InternFromString("grad");
    if (!str_data || !str_grad) return NULL;
    return PyModule_Create(&module);
}
