/*
 * gradlab._trainloop: fit's whole-epoch loop for small dense networks, compiled.
 *
 * At the sizes of teaching (moons, XOR, spirals, the digits MLP) a training step is a few thousand
 * multiply-adds, and a step written in NumPy spends almost all of its time on the cost of each call.
 * This loop runs an epoch of a dense chain (Linear layers with or without bias, each followed by
 * identity, ReLU, LeakyReLU with a slope ≥ 0, sigmoid or tanh) without returning to Python per batch:
 * forward pass, loss (mean squared error, binary cross-entropy on logits, softmax cross-entropy on
 * probability rows; 'mean' or 'sum'), the δ recursion and the optimizer's update (SGD with momentum,
 * dampening, Nesterov and weight decay; Adam; AdamW), batch after batch.
 *
 * The rows in gradlab/ops stay the reference: the same formulas in the same order, bit for bit except in
 * two places: the matrix products and the loss's sums add in their own order (BLAS sums in blocks, NumPy
 * pairwise). exp, log, log1p and tanh are NumPy's own loops, as the rows use. The optimizers' updates are the
 * operations of optim/sgd.py and optim/adam.py in their order and dtype. tests/train/
 * test_compiled_fit.py trains every supported combination both ways and compares the weights.
 *
 * gradlab/train/compiled.py decides when this loop runs and calls it once per epoch; it gives only
 * arrays it made or checked, and this file checks them again (any mismatch returns None, and fit takes
 * its general path).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include "_numpy_loops.h"

/* Several vector widths in one build where the compiler and the C library can pick at load time (GCC function
 * multiversioning); one plain build elsewhere. The products (GEMM_CLONES) may fuse multiply-adds, as BLAS does;
 * everything else is built with -ffp-contract=off, so it rounds as NumPy's separate operations do. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define GEMM_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default"), optimize("fp-contract=fast")))
#else
#define VECTOR_CLONES
#define GEMM_CLONES
#endif

enum { ACT_IDENTITY = 0, ACT_RELU = 1, ACT_LEAKY = 2, ACT_SIGMOID = 3, ACT_TANH = 4 };
enum { LOSS_MSE = 0, LOSS_BCE_LOGITS = 1, LOSS_XENT = 2 };
enum { OPT_SGD_PLAIN = 0, OPT_SGD = 1, OPT_ADAM = 2, OPT_ADAMW = 3 };
#define MAX_LAYERS 64
#define MAX_PARAMS (2 * MAX_LAYERS)

typedef struct {
    int L, P;                        /* layers, parameter arrays */
    Py_ssize_t in[MAX_LAYERS], out[MAX_LAYERS];
    int w[MAX_LAYERS], b[MAX_LAYERS]; /* each layer's weight and bias (−1: none) among the parameters */
    int act[MAX_LAYERS];
    double slope[MAX_LAYERS];
    int loss, sum;                   /* loss kind; reduction 'sum' (else 'mean') */
    void *p[MAX_PARAMS], *g[MAX_PARAMS], *k[MAX_PARAMS]; /* values, gradients, backups */
    Py_ssize_t size[MAX_PARAMS];
} Net;

typedef struct {
    int kind, nesterov;
    double lr, mu, keep, wd, b1, b2, eps;
    void **s1, **s2; /* SGD's momentum buffers (or NULL); Adam's m and v */
} Opt;

/* NumPy's own exp, log (...) loops: Loop, run_loop and find_loops in _numpy_loops.h */
static Loop exp_loops[2], log_loops[2], log1p_loops[2], tanh_loops[2];

/* The body once per float type; it undefines these five itself. */
#define T double
#define KIND 0
#define SUF f64
#define SQRT sqrt
#define FABS fabs
#include "_trainloop_body.h"

#define T float
#define KIND 1
#define SUF f32
#define SQRT sqrtf
#define FABS fabsf
#include "_trainloop_body.h"

/* The data pointer of a C-contiguous, aligned, writable array of the given type and element count, or NULL. */
static void *array_data(PyObject *obj, int type, Py_ssize_t count, int ndim, const Py_ssize_t *shape, int writable) {
    if (!PyArray_Check(obj)) return NULL;
    PyArrayObject *a = (PyArrayObject *)obj;
    if (PyArray_TYPE(a) != type || !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) ||
        (writable && !PyArray_ISWRITEABLE(a)))
        return NULL;
    if (PyArray_SIZE(a) != count) return NULL;
    if (shape) {
        if (PyArray_NDIM(a) != ndim) return NULL;
        for (int i = 0; i < ndim; i++)
            if (PyArray_DIM(a, i) != shape[i]) return NULL;
    }
    return PyArray_DATA(a);
}

/* A writable array's data (see array_data). */
static void *buffer(PyObject *obj, int type, Py_ssize_t count, int ndim, const Py_ssize_t *shape) {
    return array_data(obj, type, count, ndim, shape, 1);
}

/* Each list entry's buffer into out[] (count and type as params'), or 0. */
static int buffers(PyObject *list, int type, const Net *net, void **out) {
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != net->P) return 0;
    for (int q = 0; q < net->P; q++) {
        out[q] = buffer(PyList_GET_ITEM(list, q), type, net->size[q], 0, NULL);
        if (!out[q]) return 0;
    }
    return 1;
}

/* run_epoch(X, Y, params, grads, backups, layers, loss, reduce_sum, batch, opt, s1, s2, t0, first, losses,
 *           outputs, interrupt, trajectory=None, order=None)
 *   -> (batches done, diverged, weights finite, exception or None) or None
 *
 * X (N, in), Y (N, C): the epoch's rows in their order; params, grads, backups: lists of arrays (the
 * parameters' values, updated in place; their gradients, written; copies before each step, written);
 * layers: a tuple of (weight index, bias index or −1, activation code, slope) per Linear; loss: 0 MSE,
 * 1 BCE on logits, 2 softmax cross-entropy; opt: (kind, lr, momentum, 1 − dampening, nesterov,
 * weight_decay, beta1, beta2, eps); s1, s2: the optimizer's state arrays per parameter (None where the
 * optimizer has none); t0: the optimizer's step count before the epoch; first: SGD's momentum buffers
 * start on this epoch's first step; losses (≥ steps,) float64 and outputs (N, C): written per batch;
 * interrupt: an object whose ``requested`` attribute stops the loop, or None; trajectory (optional):
 * None, or an array of steps × (all parameters' sizes) that receives each step's weights before it (the
 * explorer's live training keeps them); order (optional): None, or int64 row indices: train on X[order] and
 * Y[order] (outputs in that order) without the copy. None when an argument does not fit (nothing was
 * changed). */
static PyObject *run_epoch(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *Xo, *Yo, *params, *grads, *backups, *layers, *opt, *s1o, *s2o, *losses_o, *outputs_o, *interrupt;
    PyObject *trajectory_o = Py_None, *order_o = Py_None;
    int loss, sum, first;
    Py_ssize_t B;
    long t0;
    if (!PyArg_ParseTuple(args, "OOOOOOiinOOOlpOOO|OO:run_epoch", &Xo, &Yo, &params, &grads, &backups, &layers, &loss,
                          &sum, &B, &opt, &s1o, &s2o, &t0, &first, &losses_o, &outputs_o, &interrupt, &trajectory_o,
                          &order_o))
        return NULL;
    if (!PyArray_Check(Xo) || !PyTuple_Check(layers) || !PyList_Check(params) || B < 1 || loss < 0 || loss > 2)
        Py_RETURN_NONE;
    PyArrayObject *X = (PyArrayObject *)Xo;
    const int type = PyArray_TYPE(X);
    if ((type != NPY_FLOAT64 && type != NPY_FLOAT32) || PyArray_NDIM(X) != 2) Py_RETURN_NONE;
    Net net;
    memset(&net, 0, sizeof net);
    net.L = (int)PyTuple_GET_SIZE(layers);
    net.P = (int)PyList_GET_SIZE(params);
    net.loss = loss;
    net.sum = sum;
    if (net.L < 1 || net.L > MAX_LAYERS || net.P > MAX_PARAMS) Py_RETURN_NONE;
    Py_ssize_t N = PyArray_DIM(X, 0);
    Py_ssize_t width = PyArray_DIM(X, 1);
    for (int l = 0; l < net.L; l++) {
        PyObject *spec = PyTuple_GET_ITEM(layers, l);
        int w, b, act;
        double slope;
        if (!PyTuple_Check(spec) || !PyArg_ParseTuple(spec, "iiid", &w, &b, &act, &slope)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (w < 0 || w >= net.P || b >= net.P || act < 0 || act > 4 || (act == ACT_LEAKY && !(slope >= 0)))
            Py_RETURN_NONE;
        if (net.p[w] || (b >= 0 && (net.p[b] || b == w))) Py_RETURN_NONE; /* each parameter in one place only */
        PyObject *W = PyList_GET_ITEM(params, w);
        if (!PyArray_Check(W) || PyArray_NDIM((PyArrayObject *)W) != 2 ||
            PyArray_DIM((PyArrayObject *)W, 1) != width)
            Py_RETURN_NONE;
        net.in[l] = width;
        net.out[l] = width = PyArray_DIM((PyArrayObject *)W, 0);
        net.w[l] = w;
        net.b[l] = b;
        net.act[l] = act;
        net.slope[l] = slope;
        Py_ssize_t wshape[2] = {net.out[l], net.in[l]};
        if (!(net.p[w] = buffer(W, type, net.out[l] * net.in[l], 2, wshape))) Py_RETURN_NONE;
        net.size[w] = net.out[l] * net.in[l];
        if (b >= 0) {
            Py_ssize_t bshape[1] = {net.out[l]};
            if (!(net.p[b] = buffer(PyList_GET_ITEM(params, b), type, net.out[l], 1, bshape))) Py_RETURN_NONE;
            net.size[b] = net.out[l];
        }
    }
    for (int q = 0; q < net.P; q++)
        if (!net.p[q]) Py_RETURN_NONE; /* a parameter no layer uses */
    const Py_ssize_t C = width, rows = N; /* the rows of X and Y */
    const npy_int64 *order = NULL;
    if (order_o != Py_None) { /* train on X[order] (and Y[order]) without the copy: N becomes len(order) */
        if (!PyArray_Check(order_o) || PyArray_TYPE((PyArrayObject *)order_o) != NPY_INT64 ||
            PyArray_NDIM((PyArrayObject *)order_o) != 1 || !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)order_o))
            Py_RETURN_NONE;
        order = (const npy_int64 *)PyArray_DATA((PyArrayObject *)order_o);
        N = PyArray_DIM((PyArrayObject *)order_o, 0);
        for (Py_ssize_t i = 0; i < N; i++)
            if (order[i] < 0 || order[i] >= rows) Py_RETURN_NONE;
    }
    const Py_ssize_t steps = (N + B - 1) / B;
    Py_ssize_t yshape[2] = {rows, C}, oshape[2] = {N, C};
    void *Xd = array_data(Xo, type, rows * net.in[0], 0, NULL, 0); /* only read: read-only arrays do */
    void *Yd = array_data(Yo, type, rows * C, 2, yshape, 0);
    void *outd = buffer(outputs_o, type, N * C, 2, oshape);
    double *lossd = (double *)buffer(losses_o, NPY_FLOAT64, steps, 0, NULL);
    if (!Xd || !Yd || !outd || !lossd || N < 1 || !buffers(grads, type, &net, net.g) ||
        !buffers(backups, type, &net, net.k))
        Py_RETURN_NONE;
    Opt o;
    memset(&o, 0, sizeof o);
    if (!PyTuple_Check(opt) || !PyArg_ParseTuple(opt, "idddpdddd", &o.kind, &o.lr, &o.mu, &o.keep, &o.nesterov, &o.wd,
                                                 &o.b1, &o.b2, &o.eps)) {
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    void *s1[MAX_PARAMS], *s2[MAX_PARAMS];
    if (o.kind == OPT_SGD) {
        if (s1o != Py_None) {
            if (!buffers(s1o, type, &net, s1)) Py_RETURN_NONE;
            o.s1 = s1;
        }
    } else if (o.kind == OPT_ADAM || o.kind == OPT_ADAMW) {
        if (!buffers(s1o, type, &net, s1) || !buffers(s2o, type, &net, s2)) Py_RETURN_NONE;
        o.s1 = s1;
        o.s2 = s2;
    } else if (o.kind != OPT_SGD_PLAIN) {
        Py_RETURN_NONE;
    }
    void *traj = NULL;
    if (trajectory_o != Py_None) {
        Py_ssize_t total = 0;
        for (int q = 0; q < net.P; q++) total += net.size[q];
        if (!(traj = buffer(trajectory_o, type, steps * total, 0, NULL))) Py_RETURN_NONE;
    }
    int diverged = 0;
    Py_ssize_t done;
    if (type == NPY_FLOAT64)
        done = epoch_f64(&net, &o, (const double *)Xd, (const double *)Yd, N, B, lossd, (double *)outd, t0, first,
                         interrupt, &diverged, (double *)traj, order);
    else
        done = epoch_f32(&net, &o, (const float *)Xd, (const float *)Yd, N, B, lossd, (float *)outd, t0, first,
                         interrupt, &diverged, (float *)traj, order);
    if (done < 0) return NULL;
    PyObject *raised = Py_None; /* an exception from a signal handler (a second Ctrl-C), after `done` steps */
    Py_INCREF(raised);
    if (PyErr_Occurred()) {
        PyObject *et, *ev, *tb;
        PyErr_Fetch(&et, &ev, &tb);
        PyErr_NormalizeException(&et, &ev, &tb);
        if (tb) PyException_SetTraceback(ev, tb);
        Py_DECREF(raised);
        raised = ev;
        Py_XDECREF(et);
        Py_XDECREF(tb);
    }
    int finite = 1; /* every weight finite after the epoch (fit's check, without a pass in Python) */
    for (int q = 0; q < net.P && finite; q++)
        for (Py_ssize_t i = 0; i < net.size[q] && finite; i++)
            finite = type == NPY_FLOAT64 ? isfinite(((double *)net.p[q])[i]) : isfinite(((float *)net.p[q])[i]);
    return Py_BuildValue("(nOON)", done, diverged ? Py_True : Py_False, finite ? Py_True : Py_False, raised);
}

static PyMethodDef methods[] = {
    {"run_epoch", run_epoch, METH_VARARGS,
     "run_epoch(X, Y, params, grads, backups, layers, loss, reduce_sum, batch, opt, s1, s2, t0, first, losses, "
     "outputs, interrupt, trajectory=None, order=None) -> (batches done, diverged, weights finite, "
     "exception or None) or None: one epoch of a small dense network, compiled."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_trainloop",
                                    "fit's whole-epoch loop for small dense networks, compiled (see "
                                    "gradlab/train/compiled.py).",
                                    -1, methods};

PyMODINIT_FUNC PyInit__trainloop(void) {
    import_array();
    import_umath();
    if (find_loops("exp", exp_loops) < 0 || find_loops("log", log_loops) < 0 || find_loops("log1p", log1p_loops) < 0 ||
        find_loops("tanh", tanh_loops) < 0)
        return NULL;
    return PyModule_Create(&module);
}
