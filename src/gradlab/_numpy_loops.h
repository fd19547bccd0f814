/*
 * NumPy's own inner loops of one-input ufuncs (exp, log, ...), called from gradlab's compiled kernels
 * (_kernels.c, _trainloop.c) so that they round exactly as the NumPy code they stand in for: NumPy's SIMD
 * versions round differently from the C library's. Included by each extension after numpy/ufuncobject.h.
 */
#ifndef GRADLAB_NUMPY_LOOPS_H
#define GRADLAB_NUMPY_LOOPS_H

/* A ufunc's inner loop for float64 (index 0) or float32 (index 1). */
typedef struct {
    PyUFuncGenericFunction fn;
    void *data;
} Loop;

/* Run loop over n contiguous elements from in to out (out may be in). */
static void run_loop(const Loop *loop, void *in, void *out, npy_intp n, npy_intp itemsize) {
    char *args[2] = {in, out};
    npy_intp dims[1] = {n}, steps[2] = {itemsize, itemsize};
    loop->fn(args, dims, steps, loop->data);
}

/* The float64 and float32 loops of NumPy's one-input ufunc ``name`` into loops[0], loops[1]; −1 with an
 * ImportError set if it is missing or lacks one of them. */
static int find_loops(const char *name, Loop *loops) {
    PyObject *numpy = PyImport_ImportModule("numpy");
    PyObject *ufunc = numpy ? PyObject_GetAttrString(numpy, name) : NULL;
    Py_XDECREF(numpy);
    if (!ufunc) return -1;
    if (PyObject_TypeCheck(ufunc, &PyUFunc_Type)) {
        PyUFuncObject *u = (PyUFuncObject *)ufunc;
        for (int i = 0; u->nin == 1 && u->nout == 1 && i < u->ntypes; i++) {
            const char *t = u->types + (size_t)i * u->nargs;
            int kind = t[0] == NPY_DOUBLE && t[1] == NPY_DOUBLE ? 0 : t[0] == NPY_FLOAT && t[1] == NPY_FLOAT ? 1 : -1;
            if (kind >= 0 && !loops[kind].fn) {
                loops[kind].fn = u->functions[i];
                loops[kind].data = u->data[i];
            }
        }
    }
    Py_DECREF(ufunc); /* numpy keeps the ufunc, and with it its loops, alive */
    if (!loops[0].fn || !loops[1].fn) {
        PyErr_Format(PyExc_ImportError, "gradlab: numpy.%s has no float64 or float32 loop", name);
        return -1;
    }
    return 0;
}

#endif
