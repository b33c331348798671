/*
 * Compiled RPO256 and Poseidon2 over the Goldilocks field p = 2^64 - 2^32 + 1: the permutations and the whole
 * hash_elements sponge (with Guardian's bytes -> elements packing for RPO256).
 *
 * Optional: guardian_crypto.rpo and guardian_crypto.poseidon2 use it when it was built and fall back to their
 * pure-Python code otherwise; the tests check both against the known-answer vectors and each other.
 * The round constants are not repeated here: the Python modules pass the ones they loaded from the JSON files in data/
 * once, through rpo_setup() and poseidon2_setup().
 *
 * The sponges copy their input into a C array while holding the GIL, then release the GIL for the permutations of
 * large inputs (a 1 MiB payload is 16,384 RPO permutations), so other Python threads run meanwhile.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define WIDTH 12
#define RATE 8
#define DIGEST 4
#define MODULUS 0xFFFFFFFF00000001ULL
#define EPSILON 0xFFFFFFFFULL /* 2^64 mod p */
/* The inverse S-box exponent 1/7 mod (p - 1); rpo_inv_sbox() is an addition chain for exactly this value. */
#define RPO_INV_ALPHA 10540996611094048183ULL
/* Inputs of at least this many elements (16 permutations, about 1 KiB of packed bytes) are hashed with the GIL
 * released. Smaller ones keep it: handing the GIL over and taking it back can cost more than hashing them. */
#define RELEASE_GIL_FROM 128

typedef unsigned __int128 u128;

/* Any x < 2^128 to a value < 2^64 congruent to it mod p (not always below p). Uses 2^64 = 2^32 - 1 and
 * 2^96 = -1 (mod p): x = lo + 2^64 * (hl + 2^32 * hh) = lo - hh + hl * (2^32 - 1). Branch-free: the borrow
 * and the carry depend on the data, and mispredicted branches here cost more than the arithmetic. */
static inline uint64_t fold(u128 x) {
    uint64_t lo = (uint64_t)x;
    uint64_t hi = (uint64_t)(x >> 64);
    uint64_t hh = hi >> 32;
    uint64_t hl = hi & EPSILON;
    uint64_t t;
    /* A borrow took 2^64 too many: give back 2^64 - p. */
    uint64_t borrow = __builtin_sub_overflow(lo, hh, &t);
    t -= EPSILON & (0 - borrow);
    uint64_t sum;
    /* A carry dropped 2^64: it is worth 2^32 - 1. The sum is then below 2^64 - 2^32, so this cannot carry again. */
    uint64_t carry = __builtin_add_overflow(t, hl * EPSILON, &sum);
    return sum + (EPSILON & (0 - carry));
}

static inline uint64_t canonical(uint64_t x) { return x >= MODULUS ? x - MODULUS : x; }

/* Products and sums of any two values below 2^64, themselves below 2^64 but not always below p: the
 * permutations canonicalise once at the end instead of after every operation. */
static inline uint64_t mul(uint64_t a, uint64_t b) { return fold((u128)a * b); }

static inline uint64_t add(uint64_t a, uint64_t b) { return fold((u128)a + b); }

static inline uint64_t pow7(uint64_t x) {
    uint64_t x2 = mul(x, x);
    uint64_t x3 = mul(x2, x);
    uint64_t x4 = mul(x2, x2);
    return mul(x4, x3);
}

static void canonical_state(uint64_t *state) {
    for (int i = 0; i < WIDTH; i++) {
        state[i] = canonical(state[i]);
    }
}

/* --- constants handed over by the Python modules ------------------------------------------------------ */

/* Each permutation's constants live in one struct, so that a sponge can take a private copy before it lets go
 * of the GIL: a concurrent setup call then cannot change the tables halfway through a hash. */
#define RPO_MAX_ROUNDS 16
typedef struct {
    int rounds;
    uint64_t mds[WIDTH][WIDTH]; /* the full circulant matrix, entries below 2^32 */
    uint64_t ark1[RPO_MAX_ROUNDS][WIDTH];
    uint64_t ark2[RPO_MAX_ROUNDS][WIDTH];
} rpo_params;

#define P2_MAX_EXTERNAL 16
#define P2_MAX_INTERNAL 64
typedef struct {
    int external_half;
    int internal_rounds;
    uint64_t external[P2_MAX_EXTERNAL][WIDTH];
    uint64_t internal[P2_MAX_INTERNAL];
    uint64_t diagonal[WIDTH];
} p2_params;

static int rpo_ready = 0;
static rpo_params rpo_tables;
static int p2_ready = 0;
static p2_params p2_tables;

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

static void rpo_mds(uint64_t *state, const rpo_params *params) {
    uint64_t out[WIDTH];
    for (int i = 0; i < WIDTH; i++) {
        u128 acc = 0;
        for (int j = 0; j < WIDTH; j++) {
            /* Entries below 2^32 times values below 2^64: twelve products fit in 128 bits. */
            acc += (u128)params->mds[i][j] * state[j];
        }
        out[i] = fold(acc);
    }
    memcpy(state, out, sizeof out);
}

/* out[i] = base[i]^(2^m) * tail[i] for every lane. The lanes are independent, so the processor overlaps
 * their multiplications instead of waiting on one lane's chain of squarings. */
static inline void exp_acc(uint64_t *out, const uint64_t *base, int m, const uint64_t *tail) {
    uint64_t x[WIDTH];
    memcpy(x, base, sizeof x);
    for (int k = 0; k < m; k++) {
#pragma GCC unroll 12
        for (int i = 0; i < WIDTH; i++) {
            x[i] = mul(x[i], x[i]);
        }
    }
    for (int i = 0; i < WIDTH; i++) {
        out[i] = mul(x[i], tail[i]);
    }
}

/* state[i]^RPO_INV_ALPHA on all lanes: 63 squarings and 9 multiplications instead of the 63 and 31 of plain
 * square-and-multiply. In binary the exponent is
 *   1001001001001001001001001001000110110110110110110110110110110111,
 * built from repeats of the pattern 100: t3 = x^100100, t4 = x^(t3 twice), t5 = x^(t4 twice), t6 appends
 * 100100 to t5, t7 = x^(t6 twice, 31 bits apart); then (t7^2 * t6)^4 * x^(10 + 100 + 1) gives the last bits. */
static void rpo_inv_sbox(uint64_t *state) {
    uint64_t t1[WIDTH], t2[WIDTH], t3[WIDTH], t4[WIDTH], t5[WIDTH], t6[WIDTH], t7[WIDTH];
    for (int i = 0; i < WIDTH; i++) {
        t1[i] = mul(state[i], state[i]);
        t2[i] = mul(t1[i], t1[i]);
    }
    exp_acc(t3, t2, 3, t2);
    exp_acc(t4, t3, 6, t3);
    exp_acc(t5, t4, 12, t4);
    exp_acc(t6, t5, 6, t3);
    exp_acc(t7, t6, 31, t6);
    for (int i = 0; i < WIDTH; i++) {
        uint64_t a = mul(mul(t7[i], t7[i]), t6[i]);
        a = mul(a, a);
        a = mul(a, a);
        uint64_t b = mul(mul(t1[i], t2[i]), state[i]);
        state[i] = mul(a, b);
    }
}

static void rpo_permute(uint64_t *state, const void *opaque) {
    const rpo_params *params = opaque;
    for (int r = 0; r < params->rounds; r++) {
        rpo_mds(state, params);
        for (int i = 0; i < WIDTH; i++) {
            state[i] = pow7(add(state[i], params->ark1[r][i]));
        }
        rpo_mds(state, params);
        for (int i = 0; i < WIDTH; i++) {
            state[i] = add(state[i], params->ark2[r][i]);
        }
        rpo_inv_sbox(state);
    }
    canonical_state(state);
}

/* Everything is read and checked into locals first: a refused setup leaves the tables as they were. */
static PyObject *py_rpo_setup(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *mds_row, *ark1, *ark2, *inv_alpha_obj;
    if (!PyArg_ParseTuple(args, "OOOO", &mds_row, &ark1, &ark2, &inv_alpha_obj)) {
        return NULL;
    }
    uint64_t row[WIDTH];
    rpo_params fresh;
    memset(&fresh, 0, sizeof fresh);
    Py_ssize_t rounds1 = 0, rounds2 = 0;
    if (read_elements(mds_row, row, WIDTH, "mds_row") < 0 ||
        read_rows(ark1, fresh.ark1, RPO_MAX_ROUNDS, &rounds1, "ark1") < 0 ||
        read_rows(ark2, fresh.ark2, RPO_MAX_ROUNDS, &rounds2, "ark2") < 0) {
        return NULL;
    }
    uint64_t inv_alpha = PyLong_AsUnsignedLongLong(inv_alpha_obj);
    if (inv_alpha == (uint64_t)-1 && PyErr_Occurred()) {
        return NULL;
    }
    if (inv_alpha != RPO_INV_ALPHA) {
        PyErr_SetString(PyExc_ValueError, "inv_alpha: the compiled inverse S-box is for 1/7 mod (p - 1) only");
        return NULL;
    }
    for (int i = 0; i < WIDTH; i++) {
        if (row[i] >> 32) {
            PyErr_SetString(PyExc_ValueError, "mds_row: entries must be below 2^32");
            return NULL;
        }
    }
    if (rounds1 != rounds2) {
        PyErr_SetString(PyExc_ValueError, "ark1 and ark2 must have as many rounds");
        return NULL;
    }
    /* Circulant: row i, column j holds first_row[(j - i) mod 12]. */
    for (int i = 0; i < WIDTH; i++) {
        for (int j = 0; j < WIDTH; j++) {
            fresh.mds[i][j] = row[(j - i + WIDTH) % WIDTH];
        }
    }
    fresh.rounds = (int)rounds1;
    rpo_tables = fresh;
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
    rpo_permute(state, &rpo_tables);
    return to_list(state);
}

/* --- Poseidon2 ---------------------------------------------------------------------------------------- */

/* The external linear layer: M4 on each block of four, then every lane plus the sum of that lane over the
 * three blocks (Plonky3's circ(2*M4, M4, M4)). */
static void p2_external_layer(uint64_t *s) {
    for (int b = 0; b < WIDTH; b += 4) {
        u128 x0 = s[b], x1 = s[b + 1], x2 = s[b + 2], x3 = s[b + 3];
        uint64_t y0 = fold(2 * x0 + 3 * x1 + x2 + x3);
        uint64_t y1 = fold(x0 + 2 * x1 + 3 * x2 + x3);
        uint64_t y2 = fold(x0 + x1 + 2 * x2 + 3 * x3);
        uint64_t y3 = fold(3 * x0 + x1 + x2 + 2 * x3);
        s[b] = y0;
        s[b + 1] = y1;
        s[b + 2] = y2;
        s[b + 3] = y3;
    }
    for (int lane = 0; lane < 4; lane++) {
        u128 sum = (u128)s[lane] + s[lane + 4] + s[lane + 8];
        for (int b = 0; b < WIDTH; b += 4) {
            s[b + lane] = fold(sum + s[b + lane]);
        }
    }
}

static void p2_external_round(uint64_t *s, const uint64_t *constants) {
    for (int i = 0; i < WIDTH; i++) {
        s[i] = pow7(add(s[i], constants[i]));
    }
    p2_external_layer(s);
}

static void p2_permute(uint64_t *s, const void *opaque) {
    const p2_params *params = opaque;
    p2_external_layer(s);
    for (int r = 0; r < params->external_half; r++) {
        p2_external_round(s, params->external[r]);
    }
    for (int r = 0; r < params->internal_rounds; r++) {
        s[0] = pow7(add(s[0], params->internal[r]));
        u128 sum = 0;
        for (int i = 0; i < WIDTH; i++) {
            sum += s[i];
        }
        uint64_t total = fold(sum);
        for (int i = 0; i < WIDTH; i++) {
            s[i] = add(mul(s[i], params->diagonal[i]), total);
        }
    }
    for (int r = params->external_half; r < 2 * params->external_half; r++) {
        p2_external_round(s, params->external[r]);
    }
    canonical_state(s);
}

static PyObject *py_poseidon2_setup(PyObject *Py_UNUSED(self), PyObject *args) {
    PyObject *initial, *internal, *terminal, *diagonal;
    if (!PyArg_ParseTuple(args, "OOOO", &initial, &internal, &terminal, &diagonal)) {
        return NULL;
    }
    p2_params fresh;
    memset(&fresh, 0, sizeof fresh);
    Py_ssize_t n_initial = 0, n_terminal = 0;
    if (read_rows(initial, fresh.external, P2_MAX_EXTERNAL / 2, &n_initial, "external initial") < 0 ||
        read_rows(terminal, fresh.external + n_initial, P2_MAX_EXTERNAL / 2, &n_terminal, "external terminal") < 0 ||
        read_elements(diagonal, fresh.diagonal, WIDTH, "internal diagonal") < 0) {
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
    if (read_elements(internal, fresh.internal, n_internal, "internal constants") < 0) {
        return NULL;
    }
    fresh.external_half = (int)n_initial;
    fresh.internal_rounds = (int)n_internal;
    p2_tables = fresh;
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
    p2_permute(state, &p2_tables);
    return to_list(state);
}

/* --- the sponge --------------------------------------------------------------------------------------- */

typedef void (*permutation)(uint64_t *state, const void *params);

/* hash_elements as guardian_crypto/sponge.py defines it (miden-crypto 0.25 layout): rate = state[0..8],
 * capacity = state[8..12], state[8] = count mod 8 once, each block of 8 overwrites the rate (a partial last
 * block is zero-padded), digest = state[0..4]; no input gives the zero Word without a permutation. Pure C: it
 * runs without the GIL. */
static void sponge(const uint64_t *elements, size_t count, permutation permute, const void *params,
                   uint64_t digest[DIGEST]) {
    uint64_t state[WIDTH] = {0};
    if (count == 0) {
        memset(digest, 0, DIGEST * sizeof *digest);
        return;
    }
    state[RATE] = count % RATE;
    for (size_t start = 0; start < count; start += RATE) {
        size_t block = count - start < RATE ? count - start : RATE;
        memcpy(state, elements + start, block * sizeof *elements);
        memset(state + block, 0, (RATE - block) * sizeof *elements);
        permute(state, params);
    }
    memcpy(digest, state, DIGEST * sizeof *digest);
}

static PyObject *word_tuple(const uint64_t digest[DIGEST]) {
    PyObject *word = PyTuple_New(DIGEST);
    if (word == NULL) {
        return NULL;
    }
    for (int i = 0; i < DIGEST; i++) {
        PyObject *item = PyLong_FromUnsignedLongLong(digest[i]);
        if (item == NULL) {
            Py_DECREF(word);
            return NULL;
        }
        PyTuple_SET_ITEM(word, i, item);
    }
    return word;
}

/* Runs the sponge over elements[count] (owned by the caller, not visible to Python) and returns the Word.
 * The constants are copied first so that the sponge needs nothing Python can change while the GIL is free. */
static PyObject *hash_owned(const uint64_t *elements, size_t count, permutation permute, const void *tables,
                            size_t tables_size) {
    /* Room for either permutation's constants. */
    union {
        rpo_params rpo;
        p2_params p2;
    } params;
    memcpy(&params, tables, tables_size);
    uint64_t digest[DIGEST];
    if (count >= RELEASE_GIL_FROM) {
        Py_BEGIN_ALLOW_THREADS
        sponge(elements, count, permute, &params, digest);
        Py_END_ALLOW_THREADS
    } else {
        sponge(elements, count, permute, &params, digest);
    }
    return word_tuple(digest);
}

/* Copies a sequence of canonical field elements (0 <= e < p, each an int) into a new C array; *count gets its
 * length. Same refusals as sponge.py: TypeError for a non-int, ValueError for an int outside [0, p). Reading
 * an int runs no Python code, so the list cannot change while it is read. */
static uint64_t *copy_hash_input(PyObject *input, size_t *count) {
    PyObject *fast = PySequence_Fast(input, "hash input must be a sequence of ints");
    if (fast == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if ((size_t)n > PY_SSIZE_T_MAX / sizeof(uint64_t)) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    /* One element more than needed, so that an empty input is not a zero-byte allocation. */
    uint64_t *elements = PyMem_Malloc(((size_t)n + 1) * sizeof(uint64_t));
    if (elements == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    PyObject **items = PySequence_Fast_ITEMS(fast);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyLong_Check(items[i])) {
            PyErr_Format(PyExc_TypeError, "hash input must be ints, not %.100s", Py_TYPE(items[i])->tp_name);
            goto fail;
        }
        uint64_t value = PyLong_AsUnsignedLongLong(items[i]);
        if (value == (uint64_t)-1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
                goto fail;
            }
            PyErr_Clear();
            value = MODULUS; /* negative or wider than 64 bits: refused just below */
        }
        if (value >= MODULUS) {
            PyErr_SetString(PyExc_ValueError, "hash input must be canonical field elements");
            goto fail;
        }
        elements[i] = value;
    }
    Py_DECREF(fast);
    *count = (size_t)n;
    return elements;
fail:
    Py_DECREF(fast);
    PyMem_Free(elements);
    return NULL;
}

static PyObject *hash_elements_with(PyObject *input, int ready, const char *setup, permutation permute,
                                    const void *tables, size_t tables_size) {
    if (!ready) {
        PyErr_Format(PyExc_RuntimeError, "%s() was not called", setup);
        return NULL;
    }
    size_t count = 0;
    uint64_t *elements = copy_hash_input(input, &count);
    if (elements == NULL) {
        return NULL;
    }
    PyObject *word = hash_owned(elements, count, permute, tables, tables_size);
    PyMem_Free(elements);
    return word;
}

static PyObject *py_rpo_hash_elements(PyObject *Py_UNUSED(self), PyObject *input) {
    return hash_elements_with(input, rpo_ready, "rpo_setup", rpo_permute, &rpo_tables, sizeof rpo_tables);
}

static PyObject *py_poseidon2_hash_elements(PyObject *Py_UNUSED(self), PyObject *input) {
    return hash_elements_with(input, p2_ready, "poseidon2_setup", p2_permute, &p2_tables, sizeof p2_tables);
}

/* Guardian's packing (field.py bytes_to_elements): 8-byte little-endian chunks, the last one zero-padded on
 * the right, each taken mod p (a chunk is below 2^64 < 2p, so one conditional subtraction does it). */
static void pack_bytes(const unsigned char *data, size_t length, uint64_t *out) {
    size_t whole = length / 8;
    for (size_t i = 0; i < whole; i++) {
        const unsigned char *chunk = data + 8 * i;
        uint64_t value = 0;
        for (int b = 7; b >= 0; b--) {
            value = (value << 8) | chunk[b];
        }
        out[i] = canonical(value);
    }
    size_t rest = length % 8;
    if (rest) {
        unsigned char last[8] = {0};
        memcpy(last, data + 8 * whole, rest);
        uint64_t value = 0;
        for (int b = 7; b >= 0; b--) {
            value = (value << 8) | last[b];
        }
        out[whole] = canonical(value);
    }
}

static PyObject *py_rpo_hash_bytes(PyObject *Py_UNUSED(self), PyObject *args) {
    if (!rpo_ready) {
        PyErr_SetString(PyExc_RuntimeError, "rpo_setup() was not called");
        return NULL;
    }
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) {
        return NULL;
    }
    /* len / 8 rounded up, written so that it cannot overflow; one element more so that no allocation is
     * zero bytes. The packed copy is what the sponge reads: a bytearray may change once the GIL is free. */
    size_t length = (size_t)view.len;
    size_t count = length / 8 + (length % 8 != 0);
    uint64_t *elements = PyMem_Malloc((count + 1) * sizeof(uint64_t));
    if (elements == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    pack_bytes(view.buf, length, elements);
    PyBuffer_Release(&view);
    PyObject *word = hash_owned(elements, count, rpo_permute, &rpo_tables, sizeof rpo_tables);
    PyMem_Free(elements);
    return word;
}

static PyMethodDef methods[] = {
    {"rpo_setup", py_rpo_setup, METH_VARARGS, "rpo_setup(mds_first_row, ark1, ark2, inv_alpha)"},
    {"rpo_permute", py_rpo_permute, METH_O, "RPO permutation of 12 elements (taken mod p); canonical output"},
    {"rpo_hash_elements", py_rpo_hash_elements, METH_O,
     "RPO256 hash_elements of a sequence of canonical field elements; the Word as a 4-tuple"},
    {"rpo_hash_bytes", py_rpo_hash_bytes, METH_VARARGS,
     "RPO256 of bytes packed as 8-byte little-endian elements mod p; the Word as a 4-tuple"},
    {"poseidon2_setup", py_poseidon2_setup, METH_VARARGS,
     "poseidon2_setup(external_initial, internal, external_terminal, internal_diagonal)"},
    {"poseidon2_permute", py_poseidon2_permute, METH_O,
     "Poseidon2 permutation of 12 elements (taken mod p); canonical output"},
    {"poseidon2_hash_elements", py_poseidon2_hash_elements, METH_O,
     "Poseidon2 hash_elements of a sequence of canonical field elements; the Word as a 4-tuple"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_goldilocks", "Compiled Goldilocks permutations and sponges (RPO256, Poseidon2).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__goldilocks(void) { return PyModule_Create(&module); }
