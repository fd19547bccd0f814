/*
 * gradlab._kernels: the training step's element-wise loops, compiled.
 *
 * Each function does in one pass over its arrays what the NumPy path does in
 * several calls (one pass and one temporary array per call). The Python
 * wrappers in gradlab/core/native.py document the arguments; the NumPy code
 * they replace stays the reference, and tests compare the two:
 *
 *   adam         bit for bit the same operations, in the same order, as
 *                optim/adam.py's NumPy update (no fused multiply-add: built
 *                with -ffp-contract=off); adam_many does it for a list of
 *                parameters in one call;
 *   softmax_xent the loss and softmax of ops/losses.py's cross-entropy row
 *                (the same formula; exp and the sums round differently, to a
 *                few units in the last place);
 *   xent_grad    (softmax(z) Σp − p)·scale, row by row;
 *   bias_act     z + b and ReLU in place (the dense row's forward), and
 *   relu_grad    sign(a)·g (its backward), bit for bit as NumPy;
 *   copy_many    fit's copy of the weights before a step, in one call.
 *
 * Arrays come in through the buffer protocol: C-contiguous float64 ("d") or
 * float32 ("f"), all of one dtype per call. Anything else raises TypeError or
 * ValueError naming the function and the array.
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

/* A contiguous float buffer of `obj`; its kind (F64/F32) or -1 with an exception set. */
static int float_buffer(PyObject *obj, Py_buffer *view, int writable, const char *fn, const char *name) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: %s must be a C-contiguous%s float32 or float64 array, got %s", fn, name,
                     writable ? ", writable" : "", Py_TYPE(obj)->tp_name);
        return -1;
    }
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') f++;
    if (f[0] == 'd' && f[1] == '\0' && view->itemsize == 8) return F64;
    if (f[0] == 'f' && f[1] == '\0' && view->itemsize == 4) return F32;
    PyErr_Format(PyExc_TypeError, "%s: %s must hold float32 or float64, got format '%s'", fn, name,
                 view->format ? view->format : "B");
    PyBuffer_Release(view);
    return -1;
}

static void release_all(Py_buffer *views, int n) {
    for (int i = 0; i < n; i++) PyBuffer_Release(&views[i]);
}

/* Fill views[0..n) from objs; every one of the same kind and length. Returns the kind or -1. */
static int same_buffers(PyObject **objs, const int *writable, const char **names, int n, Py_buffer *views,
                        const char *fn) {
    int kind = -1;
    for (int i = 0; i < n; i++) {
        int k = float_buffer(objs[i], &views[i], writable[i], fn, names[i]);
        if (k < 0) {
            release_all(views, i);
            return -1;
        }
        if (i == 0) {
            kind = k;
            continue;
        }
        if (k != kind || views[i].len != views[0].len) {
            PyErr_Format(PyExc_ValueError, "%s: %s has %zd %s elements but %s has %zd %s elements; expected the same "
                         "number and dtype", fn, names[i], views[i].len / views[i].itemsize,
                         k == F64 ? "float64" : "float32", names[0], views[0].len / views[0].itemsize,
                         kind == F64 ? "float64" : "float32");
            release_all(views, i + 1);
            return -1;
        }
    }
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

static PyObject *adam(PyObject *self, PyObject *args) {
    PyObject *objs[4];
    double b1, b2, step, eps, wd;
    if (!PyArg_ParseTuple(args, "OOOOddddd:adam", &objs[0], &objs[1], &objs[2], &objs[3], &b1, &b2, &step, &eps,
                          &wd))
        return NULL;
    static const int writable[4] = {1, 0, 1, 1};
    static const char *names[4] = {"p", "g", "m", "v"};
    Py_buffer views[4];
    int kind = same_buffers(objs, writable, names, 4, views, "adam");
    if (kind < 0) return NULL;
    Py_ssize_t n = views[0].len / views[0].itemsize;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        adam_f64(views[0].buf, views[1].buf, views[2].buf, views[3].buf, n, b1, b2, step, eps, wd, wd != 0.0);
    else
        adam_f32(views[0].buf, views[1].buf, views[2].buf, views[3].buf, n, b1, b2, step, eps, wd, wd != 0.0);
    Py_END_ALLOW_THREADS
    release_all(views, 4);
    Py_RETURN_NONE;
}

/* Adam over lists of arrays: every parameter in one call. Returns False, having
 * changed nothing, when some array does not fit (not a contiguous float buffer,
 * another dtype or shape than its parameter, a missing gradient): the caller
 * then takes its general path, which handles or reports those cases. */
static int same_shape(const Py_buffer *a, const Py_buffer *b) {
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

static PyObject *adam_many(PyObject *self, PyObject *args) {
    PyObject *lists[4];
    double b1, b2, step, eps, wd;
    if (!PyArg_ParseTuple(args, "O!O!O!O!ddddd:adam_many", &PyList_Type, &lists[0], &PyList_Type, &lists[1],
                          &PyList_Type, &lists[2], &PyList_Type, &lists[3], &b1, &b2, &step, &eps, &wd))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(lists[0]);
    for (int j = 1; j < 4; j++)
        if (PyList_GET_SIZE(lists[j]) != count) {
            PyErr_Format(PyExc_ValueError, "adam_many: the lists of p, g, m and v must have one length; got %zd and %zd",
                         count, PyList_GET_SIZE(lists[j]));
            return NULL;
        }
    Py_buffer *views = PyMem_Calloc(4 * (size_t)(count ? count : 1), sizeof(Py_buffer));
    if (!views) return PyErr_NoMemory();
    static const int writable[4] = {1, 0, 1, 1};
    Py_ssize_t held = 0; /* views[0 .. held) are acquired */
    int kind = -1, fits = 1;
    for (Py_ssize_t i = 0; i < count && fits; i++) {
        for (int j = 0; j < 4 && fits; j++) {
            PyObject *obj = PyList_GET_ITEM(lists[j], i);
            Py_buffer *view = &views[4 * i + j];
            int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable[j] ? PyBUF_WRITABLE : 0);
            if (obj == Py_None || PyObject_GetBuffer(obj, view, flags) < 0) {
                PyErr_Clear();
                fits = 0;
                break;
            }
            held = 4 * i + j + 1;
            const char *f = view->format ? view->format : "B";
            if (*f == '<' || *f == '=' || *f == '@') f++;
            int k = (f[0] == 'd' && f[1] == '\0' && view->itemsize == 8) ? F64
                    : (f[0] == 'f' && f[1] == '\0' && view->itemsize == 4) ? F32 : -1;
            if (k < 0 || (kind >= 0 && k != kind) || (j && !same_shape(view, &views[4 * i]))) fits = 0;
            kind = k;
        }
    }
    if (fits) {
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
    }
    for (Py_ssize_t i = 0; i < held; i++) PyBuffer_Release(&views[i]);
    PyMem_Free(views);
    return PyBool_FromLong(fits);
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

static PyObject *softmax_xent(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    Py_ssize_t C;
    if (!PyArg_ParseTuple(args, "OOOn:softmax_xent", &objs[0], &objs[1], &objs[2], &C)) return NULL;
    static const int writable[3] = {0, 0, 1};
    static const char *names[3] = {"z", "p", "out"};
    Py_buffer views[3];
    int kind = same_buffers(objs, writable, names, 3, views, "softmax_xent");
    if (kind < 0) return NULL;
    Py_ssize_t n = views[0].len / views[0].itemsize;
    if (C < 1 || n % C) {
        PyErr_Format(PyExc_ValueError, "softmax_xent: %zd elements do not make rows of %zd classes", n, C);
        release_all(views, 3);
        return NULL;
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

static PyObject *xent_grad(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    Py_ssize_t C;
    double scale;
    if (!PyArg_ParseTuple(args, "OOOnd:xent_grad", &objs[0], &objs[1], &objs[2], &C, &scale)) return NULL;
    static const int writable[3] = {0, 0, 1};
    static const char *names[3] = {"softmax", "p", "out"};
    Py_buffer views[3];
    int kind = same_buffers(objs, writable, names, 3, views, "xent_grad");
    if (kind < 0) return NULL;
    Py_ssize_t n = views[0].len / views[0].itemsize;
    if (C < 1 || n % C) {
        PyErr_Format(PyExc_ValueError, "xent_grad: %zd elements do not make rows of %zd classes", n, C);
        release_all(views, 3);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        xgrad_f64(views[0].buf, views[1].buf, views[2].buf, n / C, C, scale);
    else
        xgrad_f32(views[0].buf, views[1].buf, views[2].buf, n / C, C, scale);
    Py_END_ALLOW_THREADS
    release_all(views, 3);
    Py_RETURN_NONE;
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

static PyObject *bias_act(PyObject *self, PyObject *args) {
    PyObject *zo, *bo;
    int relu;
    if (!PyArg_ParseTuple(args, "OOp:bias_act", &zo, &bo, &relu)) return NULL;
    Py_buffer views[2];
    int kind = float_buffer(zo, &views[0], 1, "bias_act", "z");
    if (kind < 0) return NULL;
    int kb = float_buffer(bo, &views[1], 0, "bias_act", "b");
    if (kb < 0) {
        release_all(views, 1);
        return NULL;
    }
    Py_ssize_t n = views[0].len / views[0].itemsize, C = views[1].len / views[1].itemsize;
    if (kb != kind || C < 1 || n % C) {
        PyErr_Format(PyExc_ValueError, "bias_act: z of %zd elements is not rows of the %zd elements of b (or their "
                     "dtypes differ)", n, C);
        release_all(views, 2);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        bias_act_f64(views[0].buf, views[1].buf, n / C, C, relu);
    else
        bias_act_f32(views[0].buf, views[1].buf, n / C, C, relu);
    Py_END_ALLOW_THREADS
    release_all(views, 2);
    Py_RETURN_NONE;
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

static PyObject *relu_grad(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    if (!PyArg_ParseTuple(args, "OOO:relu_grad", &objs[0], &objs[1], &objs[2])) return NULL;
    static const int writable[3] = {0, 0, 1};
    static const char *names[3] = {"g", "a", "out"};
    Py_buffer views[3];
    int kind = same_buffers(objs, writable, names, 3, views, "relu_grad");
    if (kind < 0) return NULL;
    Py_ssize_t n = views[0].len / views[0].itemsize;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        relu_grad_f64(views[0].buf, views[1].buf, views[2].buf, n);
    else
        relu_grad_f32(views[0].buf, views[1].buf, views[2].buf, n);
    Py_END_ALLOW_THREADS
    release_all(views, 3);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------- copy_many */
/* dsts[i][...] = srcs[i] for lists of buffers of one format and size (fit's copy
 * of the weights before each step). Returns False, copying nothing, when some
 * pair does not fit (not contiguous, another size or format). */
static PyObject *copy_many(PyObject *self, PyObject *args) {
    PyObject *dsts, *srcs;
    if (!PyArg_ParseTuple(args, "O!O!:copy_many", &PyList_Type, &dsts, &PyList_Type, &srcs)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(dsts);
    if (PyList_GET_SIZE(srcs) != count) {
        PyErr_Format(PyExc_ValueError, "copy_many: %zd destinations but %zd sources", count, PyList_GET_SIZE(srcs));
        return NULL;
    }
    Py_buffer *views = PyMem_Calloc(2 * (size_t)(count ? count : 1), sizeof(Py_buffer));
    if (!views) return PyErr_NoMemory();
    Py_ssize_t held = 0;
    int fits = 1;
    for (Py_ssize_t i = 0; i < count && fits; i++) {
        if (PyObject_GetBuffer(PyList_GET_ITEM(dsts, i), &views[2 * i], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
            PyErr_Clear();
            fits = 0;
            break;
        }
        held = 2 * i + 1;
        if (PyObject_GetBuffer(PyList_GET_ITEM(srcs, i), &views[2 * i + 1], PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
            PyErr_Clear();
            fits = 0;
            break;
        }
        held = 2 * i + 2;
        const char *fd = views[2 * i].format ? views[2 * i].format : "B";
        const char *fs = views[2 * i + 1].format ? views[2 * i + 1].format : "B";
        if (views[2 * i].len != views[2 * i + 1].len || views[2 * i].itemsize != views[2 * i + 1].itemsize ||
            strcmp(fd, fs) != 0)
            fits = 0;
    }
    if (fits)
        for (Py_ssize_t i = 0; i < count; i++) memcpy(views[2 * i].buf, views[2 * i + 1].buf, views[2 * i].len);
    for (Py_ssize_t i = 0; i < held; i++) PyBuffer_Release(&views[i]);
    PyMem_Free(views);
    return PyBool_FromLong(fits);
}

/* ---------------------------------------------------------------- module */
static PyMethodDef methods[] = {
    {"adam", adam, METH_VARARGS,
     "adam(p, g, m, v, beta1, beta2, step, eps, weight_decay): one Adam update of p, m, v in place."},
    {"adam_many", adam_many, METH_VARARGS,
     "adam_many(ps, gs, ms, vs, beta1, beta2, step, eps, weight_decay) -> bool: adam over lists of arrays; "
     "False, with nothing changed, when some array does not fit."},
    {"softmax_xent", softmax_xent, METH_VARARGS,
     "softmax_xent(z, p, out, C) -> float: sum of p * log_softmax(z) over rows of C; softmax(z) into out."},
    {"xent_grad", xent_grad, METH_VARARGS,
     "xent_grad(softmax, p, out, C, scale): (softmax * row sums of p - p) * scale into out."},
    {"bias_act", bias_act, METH_VARARGS,
     "bias_act(z, b, relu): z += b row by row, then max(z, 0) when relu, in place."},
    {"relu_grad", relu_grad, METH_VARARGS, "relu_grad(g, a, out): out = sign(a) * g (out may be g)."},
    {"copy_many", copy_many, METH_VARARGS,
     "copy_many(dsts, srcs) -> bool: copy each source into its destination; False, copying nothing, when some "
     "pair does not fit."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "gradlab._kernels",
    "Compiled element-wise loops of the training step (see gradlab.core.native).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
