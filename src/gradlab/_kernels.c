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
 *                 softmax(z), bit for bit as ops/_loops.py's NumPy code (it
 *                 calls NumPy's own exp and log loops and sums pairwise as
 *                 NumPy does);
 *   xent_grad     its backward pass, (softmax(z) Σp − p)·scale, bit for bit;
 *   bias_act      z + b and ReLU in place (the dense row's forward), and
 *   relu_grad     sign(a)·g (its backward), both bit for bit as NumPy;
 *   im2col        a convolution's window copy (ops/conv_im2col.py), and
 *   col2im        its transposed convolution's scatter-add, in the NumPy path's order;
 *   maxpool_grad  max pooling's backward scatter (ops/conv_pool.py's rule).
 *
 * Arrays are read through NumPy's C API: C-contiguous, aligned float64 or
 * float32 NumPy arrays, one dtype and matching shapes per call. A function that is
 * given anything else changes nothing and returns False (None for
 * softmax_xent), and the caller takes its NumPy path, which handles or
 * reports the case: the hot path pays for no checks in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include "_numpy_loops.h"

/* Several vector widths in one build where the compiler and the C library can
 * pick at load time (GCC function multiversioning); one plain build elsewhere. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

enum { F64 = 0, F32 = 1 };

static PyObject *str_data, *str_grad; /* the attribute names "data" and "grad" */

/* What a loop needs of one array. */
typedef struct {
    PyObject *owned; /* a reference this call holds (an attribute's value), or NULL */
    void *buf;
    int ndim;
    const npy_intp *shape;
    npy_intp size;
    npy_intp bytes;
} Arr;

/* The array obj as an Arr when it is a C-contiguous, aligned float64 or float32
 * NumPy array (not a subclass: a masked array, say, has its own rules) in the
 * machine's byte order (and writeable, if asked): its kind (F64/F32), or -1,
 * with no exception set, when it is not. Read through NumPy's C API, so nothing
 * is allocated (the buffer protocol would cache a description on every fresh
 * array). */
static int float_array(PyObject *obj, int writable, Arr *a) {
    if (!PyArray_CheckExact(obj)) return -1;
    PyArrayObject *arr = (PyArrayObject *)obj;
    int type = PyArray_TYPE(arr);
    if ((type != NPY_DOUBLE && type != NPY_FLOAT) || !PyArray_IS_C_CONTIGUOUS(arr) || !PyArray_ISALIGNED(arr) ||
        !PyArray_ISNOTSWAPPED(arr) || (writable && !PyArray_ISWRITEABLE(arr)))
        return -1;
    a->owned = NULL;
    a->buf = PyArray_DATA(arr);
    a->ndim = PyArray_NDIM(arr);
    a->shape = PyArray_DIMS(arr);
    a->size = PyArray_SIZE(arr);
    a->bytes = a->size * PyArray_ITEMSIZE(arr);
    return type == NPY_DOUBLE ? F64 : F32;
}

/* Whether the memory of a and b overlaps (a loop writing one while reading the
 * other would then differ from NumPy, which works on copies of overlapping operands). */
static int overlaps(const Arr *a, const Arr *b) {
    const char *pa = a->buf, *pb = b->buf;
    return a->bytes && b->bytes && pa < pb + b->bytes && pb < pa + a->bytes;
}

/* Overlap other than being the very same array: an element-wise loop may write
 * out[i] after reading in[i] from the same place, but not from a shifted one. */
static int overlaps_shifted(const Arr *a, const Arr *b) {
    return overlaps(a, b) && !(a->buf == b->buf && a->bytes == b->bytes);
}

/* float_array of obj.<name>; the Arr holds the reference until release(). */
static int attribute_array(PyObject *obj, PyObject *name, int writable, Arr *a) {
    PyObject *value = PyObject_GetAttr(obj, name);
    if (!value) {
        PyErr_Clear();
        return -1;
    }
    int kind = float_array(value, writable, a);
    if (kind < 0) {
        Py_DECREF(value);
        return -1;
    }
    a->owned = value;
    return kind;
}

static void release(Arr *arrs, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) Py_CLEAR(arrs[i].owned);
}

static int same_shape(const Arr *a, const Arr *b) {
    if (a->ndim != b->ndim) return 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return 0;
    return 1;
}

/* arrs[0..n) from objs[0..n): float arrays of one kind and one shape. Returns the kind, or -1. */
static int matching_arrays(PyObject **objs, const int *writable, int n, Arr *arrs) {
    int kind = -1;
    for (int i = 0; i < n; i++) {
        int k = float_array(objs[i], writable[i], &arrs[i]);
        if (k < 0 || (i && (k != kind || !same_shape(&arrs[i], &arrs[0])))) return -1;
        kind = k;
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

/* adam(params, ms, vs, beta1, beta2, step, eps, weight_decay) -> bool
 * params: a list of objects with .data and .grad (gradlab Tensors); ms, vs:
 * lists of their moment arrays. Either every parameter is updated, or (some
 * array does not fit) none is and the result is False. */
static PyObject *adam(PyObject *self, PyObject *args) {
    PyObject *params_in, *ms_in, *vs_in;
    double b1, b2, step, eps, wd;
    if (!PyArg_ParseTuple(args, "O!O!O!ddddd:adam", &PyList_Type, &params_in, &PyList_Type, &ms_in, &PyList_Type,
                          &vs_in, &b1, &b2, &step, &eps, &wd))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(params_in);
    if (PyList_GET_SIZE(ms_in) != count || PyList_GET_SIZE(vs_in) != count) {
        PyErr_Format(PyExc_ValueError, "adam: %zd parameters but %zd first and %zd second moments", count,
                     PyList_GET_SIZE(ms_in), PyList_GET_SIZE(vs_in));
        return NULL;
    }
    /* copies of the lists hold every item alive while .data and .grad are read (which may run Python code) */
    PyObject *params = PyList_GetSlice(params_in, 0, count), *ms = PyList_GetSlice(ms_in, 0, count),
             *vs = PyList_GetSlice(vs_in, 0, count);
    Arr local[4 * 8], *arrs = local; /* room for 8 parameters on the stack */
    if (!params || !ms || !vs || (count > 8 && !(arrs = PyMem_Calloc(4 * (size_t)count, sizeof(Arr))))) {
        Py_XDECREF(params);
        Py_XDECREF(ms);
        Py_XDECREF(vs);
        return PyErr_NoMemory();
    }
    if (arrs == local) memset(local, 0, sizeof(local));
    int kind = -1, fits = 1;
    for (Py_ssize_t i = 0; i < count && fits; i++) {
        Arr *a = &arrs[4 * i];
        PyObject *p = PyList_GET_ITEM(params, i);
        int k0 = attribute_array(p, str_data, 1, &a[0]);
        int k1 = k0 < 0 ? -1 : attribute_array(p, str_grad, 0, &a[1]);
        int k2 = k1 < 0 ? -1 : float_array(PyList_GET_ITEM(ms, i), 1, &a[2]);
        int k3 = k2 < 0 ? -1 : float_array(PyList_GET_ITEM(vs, i), 1, &a[3]);
        if (kind < 0) kind = k0;
        fits = k0 >= 0 && k1 == k0 && k2 == k0 && k3 == k0 && k0 == kind && same_shape(&a[1], &a[0]) &&
               same_shape(&a[2], &a[0]) && same_shape(&a[3], &a[0]) && !overlaps_shifted(&a[0], &a[1]);
    }
    /* NumPy's update reads every gradient (and, with weight decay, every p) before it changes any p:
     * parameters whose memory overlaps another's p or gradient take that path */
    for (Py_ssize_t i = 0; i < count && fits; i++)
        for (Py_ssize_t j = 0; j < count && fits; j++)
            if (i != j && (overlaps(&arrs[4 * i], &arrs[4 * j]) || overlaps(&arrs[4 * i], &arrs[4 * j + 1])))
                fits = 0;
    if (fits) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < count; i++) {
            Arr *a = &arrs[4 * i];
            if (kind == F64)
                adam_f64(a[0].buf, a[1].buf, a[2].buf, a[3].buf, a[0].size, b1, b2, step, eps, wd, wd != 0.0);
            else
                adam_f32(a[0].buf, a[1].buf, a[2].buf, a[3].buf, a[0].size, b1, b2, step, eps, wd, wd != 0.0);
        }
        Py_END_ALLOW_THREADS
    }
    release(arrs, 4 * count);
    if (arrs != local) PyMem_Free(arrs);
    Py_DECREF(params);
    Py_DECREF(ms);
    Py_DECREF(vs);
    return PyBool_FromLong(fits);
}

/* ------------------------------------------------------------- copy_into */
/* copy_into(dsts, params) -> bool: dsts[i][...] = params[i].data for arrays of
 * one float dtype and shape; False, copying nothing, when some pair does not fit. */
static PyObject *copy_into(PyObject *self, PyObject *args) {
    PyObject *dsts_in, *params_in;
    if (!PyArg_ParseTuple(args, "O!O!:copy_into", &PyList_Type, &dsts_in, &PyList_Type, &params_in)) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(dsts_in);
    if (PyList_GET_SIZE(params_in) != count) {
        PyErr_Format(PyExc_ValueError, "copy_into: %zd destinations but %zd parameters", count,
                     PyList_GET_SIZE(params_in));
        return NULL;
    }
    /* copies of the lists hold every item alive while .data is read (which may run Python code) */
    PyObject *dsts = PyList_GetSlice(dsts_in, 0, count), *params = PyList_GetSlice(params_in, 0, count);
    Arr local[2 * 8], *arrs = local;
    if (!dsts || !params || (count > 8 && !(arrs = PyMem_Calloc(2 * (size_t)count, sizeof(Arr))))) {
        Py_XDECREF(dsts);
        Py_XDECREF(params);
        return PyErr_NoMemory();
    }
    if (arrs == local) memset(local, 0, sizeof(local));
    int fits = 1;
    for (Py_ssize_t i = 0; i < count && fits; i++) {
        int kd = float_array(PyList_GET_ITEM(dsts, i), 1, &arrs[2 * i]);
        int ks = kd < 0 ? -1 : attribute_array(PyList_GET_ITEM(params, i), str_data, 0, &arrs[2 * i + 1]);
        fits = kd >= 0 && ks == kd && same_shape(&arrs[2 * i], &arrs[2 * i + 1]) &&
               !overlaps(&arrs[2 * i], &arrs[2 * i + 1]);
    }
    if (fits)
        for (Py_ssize_t i = 0; i < count; i++) memcpy(arrs[2 * i].buf, arrs[2 * i + 1].buf, (size_t)arrs[2 * i].bytes);
    release(arrs, 2 * count);
    if (arrs != local) PyMem_Free(arrs);
    Py_DECREF(dsts);
    Py_DECREF(params);
    return PyBool_FromLong(fits);
}

/* ---------------------------------------------------------- softmax_xent */
/* The cross-entropy row's forward pass, the same operations in the same order and
 * dtype as its NumPy code (ops/_loops.py), so both give the same bits:
 *   shifted = z − max z (per row);  e = exp(shifted);  total = Σ_c e (per row);
 *   shifted −= ln total;  shifted *= p;  loss sum = Σ shifted (over everything);
 *   if that sum is not finite, again with the terms of classes with p = 0 set to +0
 *   (a masked logit −∞ with target 0 counts 0, not 0·(−∞));  e /= total.
 * exp and ln are NumPy's own loops (np.exp, np.log: NumPy's SIMD versions round
 * differently from the C library's), and sums follow NumPy's pairwise summation. */

/* NumPy's own exp, log (...) loops: Loop, run_loop and find_loops in _numpy_loops.h */
static Loop exp_loops[2], log_loops[2];

/* NumPy's pairwise summation of n contiguous values (pairwise_sum in numpy/_core/src/umath/
 * loops_utils.h.src): below 8 values one by one; up to 128, eight running sums combined as
 * ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest one by one; above, the two
 * halves (the first a multiple of 8 long) summed apart. np.sum adds the result to its identity +0. */
#define PAIRWISE_SUM(T, NAME)                                                                     \
    static T NAME(const T *a, Py_ssize_t n) {                                                     \
        if (n < 8) {                                                                              \
            T res = (T)-0.0;                                                                      \
            for (Py_ssize_t i = 0; i < n; i++) res += a[i];                                       \
            return res;                                                                           \
        }                                                                                         \
        if (n <= 128) {                                                                           \
            T r[8];                                                                               \
            Py_ssize_t i;                                                                         \
            for (int j = 0; j < 8; j++) r[j] = a[j];                                              \
            for (i = 8; i < n - (n % 8); i += 8)                                                  \
                for (int j = 0; j < 8; j++) r[j] += a[i + j];                                     \
            T res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));            \
            for (; i < n; i++) res += a[i];                                                       \
            return res;                                                                           \
        }                                                                                         \
        Py_ssize_t n2 = n / 2;                                                                    \
        n2 -= n2 % 8;                                                                             \
        return NAME(a, n2) + NAME(a + n2, n - n2);                                                \
    }

PAIRWISE_SUM(double, pairwise_f64)
PAIRWISE_SUM(float, pairwise_f32)

/* shifted (rows × C scratch) = z − max z per row (NumPy's max: a NaN, once met, stays), then
 * e = exp(shifted), total = Σ e per row, lt = ln total: the softmax's first three NumPy calls. */
#define XENT_SOFTMAX(T, PAIRWISE, KIND)                                                           \
    {                                                                                             \
        for (Py_ssize_t r = 0; r < rows; r++) {                                                   \
            const T *zr = z + r * C;                                                              \
            T *sr = shifted + r * C;                                                              \
            T mu = zr[0];                                                                         \
            for (Py_ssize_t c = 1; c < C; c++)                                                    \
                if (zr[c] > mu || zr[c] != zr[c]) mu = zr[c];                                     \
            for (Py_ssize_t c = 0; c < C; c++) sr[c] = zr[c] - mu;                                \
        }                                                                                         \
        run_loop(&exp_loops[KIND], shifted, e, rows * C, sizeof(T));                              \
        for (Py_ssize_t r = 0; r < rows; r++) total[r] = (T)0 + PAIRWISE(e + r * C, C);           \
        run_loop(&log_loops[KIND], total, lt, rows, sizeof(T));                                   \
    }

/* The loss sum Σ p (shifted − lt) and e /= total, after XENT_SOFTMAX. */
#define XENT_LOSS(T, PAIRWISE)                                                                    \
    {                                                                                             \
        Py_ssize_t n = rows * C;                                                                  \
        for (Py_ssize_t r = 0; r < rows; r++)                                                     \
            for (Py_ssize_t c = 0; c < C; c++) shifted[r * C + c] -= lt[r];                       \
        for (Py_ssize_t i = 0; i < n; i++) shifted[i] *= p[i];                                    \
        T sum = (T)0 + PAIRWISE(shifted, n);                                                      \
        if (!isfinite(sum)) {                                                                     \
            for (Py_ssize_t i = 0; i < n; i++)                                                    \
                if (p[i] == 0) shifted[i] = (T)0;                                                 \
            sum = (T)0 + PAIRWISE(shifted, n);                                                    \
        }                                                                                         \
        for (Py_ssize_t r = 0; r < rows; r++)                                                     \
            for (Py_ssize_t c = 0; c < C; c++) e[r * C + c] /= total[r];                          \
        return sum;                                                                               \
    }

/* scratch: rows × C + 2 rows values of the arrays' dtype */
static double xent_f64(const double *z, const double *p, double *e, double *scratch, Py_ssize_t rows, Py_ssize_t C) {
    double *shifted = scratch, *total = scratch + rows * C, *lt = total + rows;
    XENT_SOFTMAX(double, pairwise_f64, F64)
    XENT_LOSS(double, pairwise_f64)
}

static double xent_f32(const float *z, const float *p, float *e, float *scratch, Py_ssize_t rows, Py_ssize_t C) {
    float *shifted = scratch, *total = scratch + rows * C, *lt = total + rows;
    XENT_SOFTMAX(float, pairwise_f32, F32)
    XENT_LOSS(float, pairwise_f32)
}

/* The element count and the number of classes (the last axis) of an array; 0 classes refuses. */
static int rows_of(const Arr *a, Py_ssize_t *n, Py_ssize_t *C) {
    *n = a->size;
    *C = a->ndim ? a->shape[a->ndim - 1] : 1;
    return *C >= 1;
}

/* softmax_xent(z, p, out) -> float or None: Σ p ln softmax(z) over every row of the last axis (summed in
 * the arrays' dtype), softmax(z) into out. */
static PyObject *softmax_xent(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    if (!PyArg_ParseTuple(args, "OOO:softmax_xent", &objs[0], &objs[1], &objs[2])) return NULL;
    static const int writable[3] = {0, 0, 1};
    Arr a[3];
    Py_ssize_t n, C;
    int kind = matching_arrays(objs, writable, 3, a);
    if (kind < 0 || !rows_of(&a[0], &n, &C) || overlaps(&a[2], &a[0]) || overlaps(&a[2], &a[1]) ||
        !exp_loops[kind].fn || !log_loops[kind].fn)
        Py_RETURN_NONE;
    size_t itemsize = kind == F64 ? sizeof(double) : sizeof(float), count = (size_t)n + 2 * (size_t)(n / C);
    double local[512];
    void *scratch = count * itemsize <= sizeof(local) ? (void *)local : PyMem_RawMalloc(count * itemsize);
    if (!scratch) return PyErr_NoMemory();
    double total;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        total = xent_f64(a[0].buf, a[1].buf, a[2].buf, scratch, n / C, C);
    else
        total = xent_f32(a[0].buf, a[1].buf, a[2].buf, scratch, n / C, C);
    Py_END_ALLOW_THREADS
    if (scratch != (void *)local) PyMem_RawFree(scratch);
    return PyFloat_FromDouble(total);
}

/* ------------------------------------------------------------- xent_grad */
/* out = (softmax · Σ_c p_c − p) · scale, row by row, in the arrays' dtype:
 * the statement order of the cross-entropy row's NumPy backward pass. */
#define XGRAD_LOOP(T, PAIRWISE)                                                                   \
    {                                                                                             \
        const T scale_ = (T)scale;                                                                \
        for (Py_ssize_t r = 0; r < rows; r++) {                                                   \
            const T *sr = s + r * C, *pr = p + r * C;                                             \
            T *or_ = out + r * C;                                                                 \
            T mass = (T)0 + PAIRWISE(pr, C); /* p.sum(axis=-1) */                                 \
            for (Py_ssize_t c = 0; c < C; c++) or_[c] = (sr[c] * mass - pr[c]) * scale_;          \
        }                                                                                         \
    }

static void xgrad_f64(const double *s, const double *p, double *out, Py_ssize_t rows, Py_ssize_t C, double scale)
    XGRAD_LOOP(double, pairwise_f64)
static void xgrad_f32(const float *s, const float *p, float *out, Py_ssize_t rows, Py_ssize_t C, double scale)
    XGRAD_LOOP(float, pairwise_f32)

/* xent_grad(softmax, p, out, scale) -> bool */
static PyObject *xent_grad(PyObject *self, PyObject *args) {
    PyObject *objs[3];
    double scale;
    if (!PyArg_ParseTuple(args, "OOOd:xent_grad", &objs[0], &objs[1], &objs[2], &scale)) return NULL;
    static const int writable[3] = {0, 0, 1};
    Arr a[3];
    Py_ssize_t n, C;
    int kind = matching_arrays(objs, writable, 3, a);
    if (kind < 0 || !rows_of(&a[0], &n, &C) || overlaps(&a[2], &a[0]) || overlaps(&a[2], &a[1])) Py_RETURN_FALSE;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        xgrad_f64(a[0].buf, a[1].buf, a[2].buf, n / C, C, scale);
    else
        xgrad_f32(a[0].buf, a[1].buf, a[2].buf, n / C, C, scale);
    Py_END_ALLOW_THREADS
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
    Arr z, b;
    int kind = float_array(zo, 1, &z);
    if (kind < 0 || float_array(bo, 0, &b) != kind || z.ndim != 2 || b.ndim != 1 || b.shape[0] != z.shape[1] ||
        overlaps(&z, &b))
        Py_RETURN_FALSE;
    Py_ssize_t rows = z.shape[0], C = z.shape[1];
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        bias_act_f64(z.buf, b.buf, rows, C, relu);
    else
        bias_act_f32(z.buf, b.buf, rows, C, relu);
    Py_END_ALLOW_THREADS
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
    Arr a[3];
    int kind = matching_arrays(objs, writable, 3, a);
    if (kind < 0 || overlaps_shifted(&a[2], &a[0]) || overlaps_shifted(&a[2], &a[1])) Py_RETURN_FALSE;
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        relu_grad_f64(a[0].buf, a[1].buf, a[2].buf, a[0].size);
    else
        relu_grad_f32(a[0].buf, a[1].buf, a[2].buf, a[0].size);
    Py_END_ALLOW_THREADS
    Py_RETURN_TRUE;
}

/* ------------------------------------------------------- im2col, col2im */
/* The window copies of a convolution (NCHW). For every image n, channel c, kernel tap (i, j) and output
 * position (ho, wo), the input pixel read is (h, w) = (ho·sh + i·dh − pt, wo·sw + j·dw − pl):
 *   im2col  cols[n, c, i, j, ho, wo] = x[n, c, h, w], 0 where (h, w) is padding;
 *   col2im  out[n, c, h, w] += cols[n, c, i, j, ho, wo] where (h, w) is inside, taps in row-major order
 *           (the order of conv_im2col.col2im's NumPy additions, so each pixel sums the same numbers in
 *           the same order from the same zero). */
/* The output columns [*lo, *hi) whose tap j reads inside the row (0 ≤ w < W), for w = wo·sw + j·dw − pl. */
static inline void inside(Py_ssize_t j, Py_ssize_t W, Py_ssize_t Wo, Py_ssize_t sw, Py_ssize_t dw, Py_ssize_t pl,
                          Py_ssize_t *lo, Py_ssize_t *hi) {
    Py_ssize_t off = j * dw - pl; /* w = wo·sw + off */
    Py_ssize_t a = off >= 0 ? 0 : (-off + sw - 1) / sw;
    Py_ssize_t b = W - 1 - off < 0 ? 0 : (W - 1 - off) / sw + 1;
    *lo = a < Wo ? a : Wo;
    *hi = b < Wo ? b : Wo;
    if (*hi < *lo) *hi = *lo;
}

#define IM2COL_LOOP(T)                                                                            \
    {                                                                                             \
        for (Py_ssize_t nc = 0; nc < NC; nc++) {                                                  \
            const T *xi = x + nc * H * W;                                                         \
            for (Py_ssize_t i = 0; i < kh; i++)                                                   \
                for (Py_ssize_t j = 0; j < kw; j++) {                                             \
                    Py_ssize_t lo, hi, off = j * dw - pl;                                         \
                    inside(j, W, Wo, sw, dw, pl, &lo, &hi);                                       \
                    for (Py_ssize_t ho = 0; ho < Ho; ho++, cols += Wo) {                          \
                        Py_ssize_t h = ho * sh + i * dh - pt;                                     \
                        if (h < 0 || h >= H) {                                                    \
                            memset(cols, 0, (size_t)Wo * sizeof(T));                              \
                            continue;                                                             \
                        }                                                                         \
                        const T *row = xi + h * W + off;                                          \
                        if (lo) memset(cols, 0, (size_t)lo * sizeof(T));                          \
                        if (sw == 1)                                                              \
                            memcpy(cols + lo, row + lo, (size_t)(hi - lo) * sizeof(T));           \
                        else                                                                      \
                            for (Py_ssize_t wo = lo; wo < hi; wo++) cols[wo] = row[wo * sw];      \
                        if (hi < Wo) memset(cols + hi, 0, (size_t)(Wo - hi) * sizeof(T));        \
                    }                                                                             \
                }                                                                                 \
        }                                                                                         \
    }

#define COL2IM_LOOP(T)                                                                            \
    {                                                                                             \
        for (Py_ssize_t nc = 0; nc < NC; nc++) {                                                  \
            T *xi = x + nc * H * W;                                                               \
            for (Py_ssize_t i = 0; i < kh; i++)                                                   \
                for (Py_ssize_t j = 0; j < kw; j++) {                                             \
                    Py_ssize_t lo, hi, off = j * dw - pl;                                         \
                    inside(j, W, Wo, sw, dw, pl, &lo, &hi);                                       \
                    for (Py_ssize_t ho = 0; ho < Ho; ho++, cols += Wo) {                          \
                        Py_ssize_t h = ho * sh + i * dh - pt;                                     \
                        if (h < 0 || h >= H) continue;                                            \
                        T *row = xi + h * W + off;                                                \
                        if (sw == 1)                                                              \
                            for (Py_ssize_t wo = lo; wo < hi; wo++) row[wo] += cols[wo];          \
                        else                                                                      \
                            for (Py_ssize_t wo = lo; wo < hi; wo++) row[wo * sw] += cols[wo];     \
                    }                                                                             \
                }                                                                                 \
        }                                                                                         \
    }

#define WINDOW_ARGS                                                                               \
    Py_ssize_t NC, Py_ssize_t H, Py_ssize_t W, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t Ho, Py_ssize_t Wo, \
        Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t pt, Py_ssize_t pl

static void im2col_f64(const double *x, double *cols, WINDOW_ARGS) IM2COL_LOOP(double)
static void im2col_f32(const float *x, float *cols, WINDOW_ARGS) IM2COL_LOOP(float)
VECTOR_CLONES
static void col2im_f64(double *x, const double *cols, WINDOW_ARGS) COL2IM_LOOP(double)
VECTOR_CLONES
static void col2im_f32(float *x, const float *cols, WINDOW_ARGS) COL2IM_LOOP(float)

/* The checks of im2col and col2im: image (N, C, H, W) and cols (N, C·kh·kw, Ho·Wo), one kind, positive
 * window numbers, no overlap. Returns the kind, or -1. */
static int window_arrays(PyObject *xo, PyObject *co, int x_writable, Arr *x, Arr *c, const Py_ssize_t *v) {
    int kind = float_array(xo, x_writable, x);
    if (kind < 0 || float_array(co, !x_writable, c) != kind || x->ndim != 4 || c->ndim != 3 || overlaps(x, c))
        return -1;
    Py_ssize_t kh = v[0], kw = v[1], Ho = v[2], Wo = v[3];
    for (int k = 0; k < 8; k++)
        if (v[k] < 1) return -1; /* kh, kw, Ho, Wo, strides and dilations ≥ 1; the paddings may be any */
    if (c->shape[0] != x->shape[0] || c->shape[1] != x->shape[1] * kh * kw || c->shape[2] != Ho * Wo) return -1;
    return kind;
}

/* im2col (scatter = 0) and col2im (scatter = 1): the argument parsing and checks they share, then the loop. */
static PyObject *window_call(PyObject *args, int scatter) {
    PyObject *xo, *co;
    Py_ssize_t v[10];
    if (!PyArg_ParseTuple(args, scatter ? "OOnnnnnnnnnn:col2im" : "OOnnnnnnnnnn:im2col", &xo, &co, &v[0], &v[1],
                          &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]))
        return NULL;
    Arr x, c;
    int kind = window_arrays(xo, co, scatter, &x, &c, v);
    if (kind < 0) Py_RETURN_FALSE;
    Py_ssize_t NC = x.shape[0] * x.shape[1], H = x.shape[2], W = x.shape[3];
    Py_BEGIN_ALLOW_THREADS
    if (scatter && kind == F64)
        col2im_f64(x.buf, c.buf, NC, H, W, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    else if (scatter)
        col2im_f32(x.buf, c.buf, NC, H, W, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    else if (kind == F64)
        im2col_f64(x.buf, c.buf, NC, H, W, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    else
        im2col_f32(x.buf, c.buf, NC, H, W, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    Py_END_ALLOW_THREADS
    Py_RETURN_TRUE;
}

/* im2col(x, cols, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl) -> bool: fills cols from x (see above). */
static PyObject *im2col(PyObject *self, PyObject *args) { return window_call(args, 0); }

/* col2im(out, cols, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl) -> bool: adds cols into out (see above). */
static PyObject *col2im(PyObject *self, PyObject *args) { return window_call(args, 1); }

/* ---------------------------------------------------------------- max pooling */
/* maxpool_grad(dx, g, tap, ...): dx (N, C, H, W) += each g (N, C, Ho, Wo) at its window's winning tap. */
#define MAXPOOL_GRAD_LOOP(T)                                                                      \
    {                                                                                             \
        for (Py_ssize_t nc = 0; nc < NC; nc++) {                                                  \
            T *xi = x + nc * H * W;                                                               \
            for (Py_ssize_t ho = 0; ho < Ho; ho++)                                                \
                for (Py_ssize_t wo = 0; wo < Wo; wo++, g++, tap++) {                              \
                    Py_ssize_t t = *tap, i = t / kw, j = t % kw;                                  \
                    Py_ssize_t h = ho * sh + i * dh - ph, w = wo * sw + j * dw - pw;              \
                    if (h >= 0 && h < H && w >= 0 && w < W) xi[h * W + w] += *g;                  \
                }                                                                                 \
        }                                                                                         \
    }

#define POOL_ARGS                                                                                 \
    Py_ssize_t NC, Py_ssize_t H, Py_ssize_t W, Py_ssize_t Ho, Py_ssize_t Wo, Py_ssize_t kh, Py_ssize_t kw, \
        Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t dh, Py_ssize_t dw, Py_ssize_t ph, Py_ssize_t pw

static void maxpool_grad_f64(double *x, const double *g, const signed char *tap, POOL_ARGS) MAXPOOL_GRAD_LOOP(double)
static void maxpool_grad_f32(float *x, const float *g, const signed char *tap, POOL_ARGS) MAXPOOL_GRAD_LOOP(float)

/* The int8 array tap of shape (N, C, Ho, Wo), C-contiguous, or NULL. */
static signed char *tap_array(PyObject *obj, const Arr *like, int writable) {
    if (!PyArray_CheckExact(obj)) return NULL;
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_TYPE(a) != NPY_INT8 || !PyArray_IS_C_CONTIGUOUS(a) || PyArray_NDIM(a) != 4 ||
        (writable && !PyArray_ISWRITEABLE(a)))
        return NULL;
    for (int d = 0; d < 4; d++)
        if (PyArray_DIMS(a)[d] != like->shape[d]) return NULL;
    return PyArray_DATA(a);
}

static int pool_numbers(const Py_ssize_t *v, Py_ssize_t kh_kw_limit) {
    for (int k = 0; k < 6; k++)
        if (v[k] < 1) return 0; /* kh, kw, strides, dilations ≥ 1 */
    return v[0] * v[1] <= kh_kw_limit && v[6] >= 0 && v[7] >= 0;
}

/* maxpool_grad(dx, g, tap, kh, kw, sh, sw, dh, dw, ph, pw) -> bool */
static PyObject *maxpool_grad(PyObject *self, PyObject *args) {
    PyObject *xo, *go, *to;
    Py_ssize_t v[8];
    if (!PyArg_ParseTuple(args, "OOOnnnnnnnn:maxpool_grad", &xo, &go, &to, &v[0], &v[1], &v[2], &v[3], &v[4],
                          &v[5], &v[6], &v[7]))
        return NULL;
    Arr x, g;
    int kind = float_array(xo, 1, &x);
    if (kind < 0 || float_array(go, 0, &g) != kind || x.ndim != 4 || g.ndim != 4 || overlaps(&x, &g) ||
        g.shape[0] != x.shape[0] || g.shape[1] != x.shape[1] || !pool_numbers(v, 127))
        Py_RETURN_FALSE;
    const signed char *tap = tap_array(to, &g, 0);
    if (!tap) Py_RETURN_FALSE;
    Py_ssize_t NC = x.shape[0] * x.shape[1];
    for (Py_ssize_t k = 0, n = PyArray_SIZE((PyArrayObject *)to); k < n; k++)
        if (tap[k] < 0 || tap[k] >= v[0] * v[1]) Py_RETURN_FALSE; /* a tap outside the window: not ours */
    Py_BEGIN_ALLOW_THREADS
    if (kind == F64)
        maxpool_grad_f64(x.buf, g.buf, tap, NC, x.shape[2], x.shape[3], g.shape[2], g.shape[3], v[0], v[1], v[2],
                         v[3], v[4], v[5], v[6], v[7]);
    else
        maxpool_grad_f32(x.buf, g.buf, tap, NC, x.shape[2], x.shape[3], g.shape[2], g.shape[3], v[0], v[1], v[2],
                         v[3], v[4], v[5], v[6], v[7]);
    Py_END_ALLOW_THREADS
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
    {"im2col", im2col, METH_VARARGS,
     "im2col(x, cols, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl) -> bool: cols (N, C*kh*kw, Ho*Wo) = the windows of "
     "x (N, C, H, W), 0 on padding."},
    {"maxpool_grad", maxpool_grad, METH_VARARGS,
     "maxpool_grad(dx, g, tap, kh, kw, sh, sw, dh, dw, ph, pw) -> bool: dx += g at each window's tap."},
    {"col2im", col2im, METH_VARARGS,
     "col2im(out, cols, kh, kw, Ho, Wo, sh, sw, dh, dw, pt, pl) -> bool: out (N, C, H, W) += cols "
     "(N, C*kh*kw, Ho*Wo) at the windows' pixels, taps in row-major order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "gradlab._kernels",
    "Compiled element-wise loops of the training step (see gradlab.core.native).", -1, methods,
};

PyMODINIT_FUNC PyInit__kernels(void) {
    import_array();
    import_umath();
    str_data = PyUnicode_InternFromString("data");
    str_grad = PyUnicode_InternFromString("grad");
    if (!str_data || !str_grad || find_loops("exp", exp_loops) < 0 || find_loops("log", log_loops) < 0) return NULL;
    return PyModule_Create(&module);
}
