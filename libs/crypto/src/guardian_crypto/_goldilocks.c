/*
 * Compiled RPO256 and Poseidon2 permutations over the Goldilocks field p = 2^64 - 2^32 + 1.
 *
 * Optional: guardian_crypto.rpo and guardian_crypto.poseidon2 use it when it was built and fall back to their
 * pure-Python permutations otherwise; the tests check both against the known-answer vectors and each other.
 * The round constants are not repeated here: the Python modules pass the ones they loaded from the JSON files in data/
 * once, through rpo_setup() and poseidon2_setup().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define WIDTH 12
#define MODULUS 0xFFFFFFFF00000001ULL
#define EPSILON 0xFFFFFFFFULL /* 2^64 mod p */

typedef unsigned __int128 u128;

/* Any x < 2^128 to a value < 2^64 congruent to it mod p (not always below p). Uses 2^64 = 2^32 - 1 and
 * 2^96 = -1 (mod p): x = lo + 2^64 * (hl + 2^32 * hh) = lo - hh + hl * (2^32 - 1). */
static inline uint64_t fold(u128 x) {
    uint64_t lo = (uint64_t)x;
    uint64_t hi = (uint64_t)(x >> 64);
    uint64_t hh = hi >> 32;
    uint64_t hl = hi & EPSILON;
    uint64_t t = lo - hh;
    if (lo < hh) {
        t -= EPSILON; /* borrowed 2^64: give back 2^64 - p */
    }
    uint64_t product = hl * EPSILON;
    uint64_t sum = t + product;
    if (sum < product) {
        sum += EPSILON; /* carried 2^64: it is worth 2^32 - 1 */
    }
    return sum;
}

static inline uint64_t canonical(uint64_t x) { return x >= MODULUS ? x - MODULUS : x; }

static inline uint64_t reduce(u128 x) { return canonical(fold(x)); }

static inline uint64_t mul(uint64_t a, uint64_t b) { return reduce((u128)a * b); }

static inline uint64_t add(uint64_t a, uint64_t b) { return reduce((u128)a + b); }

static inline uint64_t pow7(uint64_t x) {
    uint64_t x2 = mul(x, x);
    uint64_t x3 = mul(x2, x);
    uint64_t x6 = mul(x3, x3);
    return mul(x6, x);
}

static inline uint64_t power(uint64_t base, uint64_t exponent) {
    uint64_t result = 1;
    while (exponent) {
        if (exponent & 1) {
            result = mul(result, base);
        }
        base = mul(base, base);
        exponent >>= 1;
    }
    return result;
}

/* --- constants handed over by the Python modules ------------------------------------------------------ */

#define RPO_MAX_ROUNDS 16
static int rpo_ready = 0;
static int rpo_rounds = 0;
static uint64_t rpo_inv_alpha = 0;
static uint64_t rpo_mds_row[WIDTH];
static uint64_t rpo_ark1[RPO_MAX_ROUNDS][WIDTH];
static uint64_t rpo_ark2[RPO_MAX_ROUNDS][WIDTH];

#define P2_MAX_EXTERNAL 16
#define P2_MAX_INTERNAL 64
static int p2_ready = 0;
static int p2_external_half = 0;
static int p2_internal_rounds = 0;
static uint64_t p2_external[P2_MAX_EXTERNAL][WIDTH];
static uint64_t p2_internal[P2_MAX_INTERNAL];
static uint64_t p2_diagonal[WIDTH];

/* An immutable copy of a list or tuple: taking a value mod p below may run Python code, which must not be
 * able to change the sequence under us. */
static PyObject *as_tuple(PyObject *sequence, const char *what) {
    if (!PyList_Check(sequence) && !PyTuple_Check(sequence)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a list or tuple of ints", what);
        return NULL;
    }
    return PySequence_Tuple(sequence);
}

/* Reads a list or tuple of exactly `count` Python ints, each taken mod p, into out[count]. */
static int read_elements(PyObject *sequence, uint64_t *out, Py_ssize_t count, const char *what) {
    PyObject *tuple = as_tuple(sequence, what);
    if (tuple == NULL) {
        return -1;
    }
    if (PyTuple_GET_SIZE(tuple) != count) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd elements", what, count);
        Py_DECREF(tuple);
        return -1;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        uint64_t value = PyLong_AsUnsignedLongLong(item);
        if (value == (uint64_t)-1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
                Py_DECREF(tuple);
                return -1;
            }
            /* Negative or wider than 64 bits: take it mod p exactly, through Python. */
            PyErr_Clear();
            PyObject *modulus = PyLong_FromUnsignedLongLong(MODULUS);
            PyObject *reduced = modulus ? PyNumber_Remainder(item, modulus) : NULL;
            Py_XDECREF(modulus);
            value = reduced ? PyLong_AsUnsignedLongLong(reduced) : 0;
            Py_XDECREF(reduced);
            if (PyErr_Occurred()) {
                Py_DECREF(tuple);
                return -1;
            }
        }
        out[i] = canonical(value);
    }
    Py_DECREF(tuple);
    return 0;
}

/* Reads a list or tuple of rows of WIDTH ints into out (at most max_rows rows); *count gets the number. */
static int read_rows(PyObject *rows, uint64_t (*out)[WIDTH], Py_ssize_t max_rows, Py_ssize_t *count,
                     const char *what) {
    PyObject *tuple = as_tuple(rows, what);
    if (tuple == NULL) {
        return -1;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    if (n < 1 || n > max_rows) {
        PyErr_Format(PyExc_ValueError, "%s: expected 1 to %zd rows", what, max_rows);
        Py_DECREF(tuple);
        return -1;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        if (read_elements(PyTuple_GET_ITEM(tuple, r), out[r], WIDTH, what) < 0) {
            Py_DECREF(tuple);
            return -1;
        }
    }
    *count = n;
    Py_DECREF(tuple);
    return 0;
}

static PyObject *to_list(const uint64_t *state) {
    PyObject *list = PyList_New(WIDTH);
    if (list == NULL) {
        return NULL;
    }
    for (int i = 0; i < WIDTH; i++) {
        PyObject *item = PyLong_FromUnsignedLongLong(state[i]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

/* --- RPO ---------------------------------------------------------------------------------------------- */

static void rpo_mds(uint64_t *state) {
    uint64_t out[WIDTH];
    for (int i = 0; i < WIDTH; i++) {
        u128 acc = 0;
        for (int j = 0; j < WIDTH; j++) {
            /* Circulant: row i, column j holds first_row[(j - i) mod 12]; the entries are below 2^32, so
             * twelve products fit in 128 bits. */
            acc += (u128)rpo_mds_row[(j - i + WIDTH) % WIDTH] * state[j];
        }
        out[i] = reduce(acc);
    }
    memcpy(state, out, sizeof out);
}

static void rpo_permute(uint64_t *state) {
    for (int r = 0; r < rpo_rounds; r++) {
        rpo_mds(state);
        for (int i = 0; i < WIDTH; i++) {
            state[i] = pow7(add(state[i], rpo_ark1[r][i]));
        }
        rpo_mds(state);
        for (int i = 0; i < WIDTH; i++) {
            state[i] = power(add(state[i], rpo_ark2[r][i]), rpo_inv_alpha);
        }
    }
}

/* Everything is read and checked into locals first: a refused setup leaves the tables as they were. */
static PyObject *py_rpo_setup(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *mds_row, *ark1, *ark2, *inv_alpha_obj;
    if (!PyArg_ParseTuple(args, "OOOO", &mds_row, &ark1, &ark2, &inv_alpha_obj)) {
        return NULL;
    }
    uint64_t new_mds[WIDTH];
    uint64_t new_ark1[RPO_MAX_ROUNDS][WIDTH];
    uint64_t new_ark2[RPO_MAX_ROUNDS][WIDTH];
    Py_ssize_t rounds1 = 0, rounds2 = 0;
    if (read_elements(mds_row, new_mds, WIDTH, "mds_row") < 0 ||
        read_rows(ark1, new_ark1, RPO_MAX_ROUNDS, &rounds1, "ark1") < 0 ||
        read_rows(ark2, new_ark2, RPO_MAX_ROUNDS, &rounds2, "ark2") < 0) {
        return NULL;
    }
    uint64_t inv_alpha = PyLong_AsUnsignedLongLong(inv_alpha_obj);
    if (inv_alpha == (uint64_t)-1 && PyErr_Occurred()) {
        return NULL;
    }
    for (int i = 0; i < WIDTH; i++) {
        if (new_mds[i] >> 32) {
            PyErr_SetString(PyExc_ValueError, "mds_row: entries must be below 2^32");
            return NULL;
        }
    }
    if (rounds1 != rounds2) {
        PyErr_SetString(PyExc_ValueError, "ark1 and ark2 must have as many rounds");
        return NULL;
    }
    memcpy(rpo_mds_row, new_mds, sizeof new_mds);
    memcpy(rpo_ark1, new_ark1, sizeof new_ark1);
    memcpy(rpo_ark2, new_ark2, sizeof new_ark2);
    rpo_rounds = (int)rounds1;
    rpo_inv_alpha = inv_alpha;
    rpo_ready = 1;
    Py_RETURN_NONE;
}

static PyObject *py_rpo_permute(PyObject *Py_UNUSED(self), PyObject *state_in) {
    if (!rpo_ready) {
        PyErr_SetString(PyExc_RuntimeError, "rpo_setup() was not called");
        return NULL;
    }
    uint64_t state[WIDTH];
    if (read_elements(state_in, state, WIDTH, "RPO state") < 0) {
        return NULL;
    }
    rpo_permute(state);
    return to_list(state);
}

/* --- Poseidon2 ---------------------------------------------------------------------------------------- */

/* The external linear layer: M4 on each block of four, then every lane plus the sum of that lane over the
 * three blocks (Plonky3's circ(2*M4, M4, M4)). */
static void p2_external_layer(uint64_t *s) {
    for (int b = 0; b < WIDTH; b += 4) {
        u128 x0 = s[b], x1 = s[b + 1], x2 = s[b + 2], x3 = s[b + 3];
        uint64_t y0 = reduce(2 * x0 + 3 * x1 + x2 + x3);
        uint64_t y1 = reduce(x0 + 2 * x1 + 3 * x2 + x3);
        uint64_t y2 = reduce(x0 + x1 + 2 * x2 + 3 * x3);
        uint64_t y3 = reduce(3 * x0 + x1 + x2 + 2 * x3);
        s[b] = y0;
        s[b + 1] = y1;
        s[b + 2] = y2;
        s[b + 3] = y3;
    }
    for (int lane = 0; lane < 4; lane++) {
        u128 sum = (u128)s[lane] + s[lane + 4] + s[lane + 8];
        for (int b = 0; b < WIDTH; b += 4) {
            s[b + lane] = reduce(sum + s[b + lane]);
        }
    }
}

static void p2_external_round(uint64_t *s, const uint64_t *constants) {
    for (int i = 0; i < WIDTH; i++) {
        s[i] = pow7(add(s[i], constants[i]));
    }
    p2_external_layer(s);
}

static void p2_permute(uint64_t *s) {
    p2_external_layer(s);
    for (int r = 0; r < p2_external_half; r++) {
        p2_external_round(s, p2_external[r]);
    }
    for (int r = 0; r < p2_internal_rounds; r++) {
        s[0] = pow7(add(s[0], p2_internal[r]));
        u128 sum = 0;
        for (int i = 0; i < WIDTH; i++) {
            sum += s[i];
        }
        uint64_t total = reduce(sum);
        for (int i = 0; i < WIDTH; i++) {
            s[i] = add(mul(s[i], p2_diagonal[i]), total);
        }
    }
    for (int r = p2_external_half; r < 2 * p2_external_half; r++) {
        p2_external_round(s, p2_external[r]);
    }
}

static PyObject *py_poseidon2_setup(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *initial, *internal, *terminal, *diagonal;
    if (!PyArg_ParseTuple(args, "OOOO", &initial, &internal, &terminal, &diagonal)) {
        return NULL;
    }
    uint64_t new_external[P2_MAX_EXTERNAL][WIDTH];
    uint64_t new_internal[P2_MAX_INTERNAL];
    uint64_t new_diagonal[WIDTH];
    Py_ssize_t n_initial = 0, n_terminal = 0;
    if (read_rows(initial, new_external, P2_MAX_EXTERNAL / 2, &n_initial, "external initial") < 0 ||
        read_rows(terminal, new_external + n_initial, P2_MAX_EXTERNAL / 2, &n_terminal, "external terminal") < 0 ||
        read_elements(diagonal, new_diagonal, WIDTH, "internal diagonal") < 0) {
        return NULL;
    }
    if (n_initial != n_terminal) {
        PyErr_SetString(PyExc_ValueError, "as many initial as terminal external rounds");
        return NULL;
    }
    PyObject *internal_tuple = as_tuple(internal, "internal constants");
    if (internal_tuple == NULL) {
        return NULL;
    }
    Py_ssize_t n_internal = PyTuple_GET_SIZE(internal_tuple);
    Py_DECREF(internal_tuple);
    if (n_internal < 1 || n_internal > P2_MAX_INTERNAL) {
        PyErr_SetString(PyExc_ValueError, "internal constants: expected 1 to 64 rounds");
        return NULL;
    }
    if (read_elements(internal, new_internal, n_internal, "internal constants") < 0) {
        return NULL;
    }
    memcpy(p2_external, new_external, sizeof new_external);
    memcpy(p2_internal, new_internal, sizeof new_internal);
    memcpy(p2_diagonal, new_diagonal, sizeof new_diagonal);
    p2_external_half = (int)n_initial;
    p2_internal_rounds = (int)n_internal;
    p2_ready = 1;
    Py_RETURN_NONE;
}

static PyObject *py_poseidon2_permute(PyObject *Py_UNUSED(self), PyObject *state_in) {
    if (!p2_ready) {
        PyErr_SetString(PyExc_RuntimeError, "poseidon2_setup() was not called");
        return NULL;
    }
    uint64_t state[WIDTH];
    if (read_elements(state_in, state, WIDTH, "Poseidon2 state") < 0) {
        return NULL;
    }
    p2_permute(state);
    return to_list(state);
}

static PyMethodDef methods[] = {
    {"rpo_setup", py_rpo_setup, METH_VARARGS, "rpo_setup(mds_first_row, ark1, ark2, inv_alpha)"},
    {"rpo_permute", py_rpo_permute, METH_O, "RPO permutation of 12 elements (taken mod p); canonical output"},
    {"poseidon2_setup", py_poseidon2_setup, METH_VARARGS,
     "poseidon2_setup(external_initial, internal, external_terminal, internal_diagonal)"},
    {"poseidon2_permute", py_poseidon2_permute, METH_O,
     "Poseidon2 permutation of 12 elements (taken mod p); canonical output"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_goldilocks", "Compiled Goldilocks permutations (RPO256, Poseidon2).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__goldilocks(void) { return PyModule_Create(&module); }
