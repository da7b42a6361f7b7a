/* The analysis's word loop (analysis._walk_python) in C.

   A news article has ~950 words, each looked up in a dict, unpacked, tested and
   appended; in C that takes 0.4M fewer instructions an article than CPython's bytecode
   (callgrind), 0.8M when indexing's content words are counted here too. This module
   runs the same loop with the same rules; analysis.py keeps the Python loop, uses it
   when this module is not built, and tests/search/test_analysis.py checks that both
   give the same words over the corpus.

   walk(morphemes, chunk, offset, positions, by_word, describe, join, words, counts)

   - morphemes: Sudachi's MorphemeList for ``chunk`` (its words in order);
   - by_word: word id -> ((form, content) or None, joinable), filled here for
     dictionary words (ids below OOV_WORD_IDS);
   - describe(morpheme) -> that pair, for a word not in by_word;
   - join(chunk, start, end) -> (form, content) when chunk[start:end], two adjacent
     joinable words, is one word on its own, else None;
   - words: the list the kept words are appended to, as (start, end, form, content)
     with ``positions``, else (form, content); or, when ``counts`` is a dict, just
     their forms, the forms of content words being counted in ``counts``. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define OOV_WORD_IDS 0xF0000000ULL
#define MAX_JOINED_CHARS 12

static PyObject *name_word_id, *name_begin, *name_end;

/* An int method of the morpheme (begin, end); -1 with an exception on failure. */
static Py_ssize_t
int_method(PyObject *morpheme, PyObject *name)
{
    PyObject *value = PyObject_CallMethodNoArgs(morpheme, name);
    if (value == NULL)
        return -1;
    Py_ssize_t result = PyLong_AsSsize_t(value);
    Py_DECREF(value);
    return result;
}

/* (offset + start, offset + end, form, content) */
static PyObject *
positioned(Py_ssize_t offset, Py_ssize_t start, Py_ssize_t end, PyObject *pair)
{
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_TypeError, "a word must be a (form, content) pair");
        return NULL;
    }
    PyObject *word = PyTuple_New(4);
    if (word == NULL)
        return NULL;
    PyObject *first = PyLong_FromSsize_t(offset + start);
    PyObject *last = PyLong_FromSsize_t(offset + end);
    if (first == NULL || last == NULL) {
        Py_XDECREF(first);
        Py_XDECREF(last);
        Py_DECREF(word);
        return NULL;
    }
    PyTuple_SET_ITEM(word, 0, first);
    PyTuple_SET_ITEM(word, 1, last);
    PyTuple_SET_ITEM(word, 2, Py_NewRef(PyTuple_GET_ITEM(pair, 0)));
    PyTuple_SET_ITEM(word, 3, Py_NewRef(PyTuple_GET_ITEM(pair, 1)));
    return word;
}

/* counts[form] += delta, the form dropped when its count reaches 0. */
static int
count(PyObject *counts, PyObject *form, long delta)
{
    PyObject *found = PyDict_GetItemWithError(counts, form);
    if (found == NULL && PyErr_Occurred())
        return -1;
    long value = 0;
    if (found != NULL) {
        value = PyLong_AsLong(found);
        if (value == -1 && PyErr_Occurred())
            return -1;
    }
    value += delta;
    if (value <= 0)
        return found == NULL ? 0 : PyDict_DelItem(counts, form);
    PyObject *number = PyLong_FromLong(value);
    if (number == NULL)
        return -1;
    int done = PyDict_SetItem(counts, form, number);
    Py_DECREF(number);
    return done;
}

/* What is appended for a kept word: see ``words`` above. A word counted in ``counts``
   sets *counted, so that a join replacing it can take its count back. */
static PyObject *
shaped(PyObject *pair, Py_ssize_t offset, Py_ssize_t start, Py_ssize_t end, int positions,
       PyObject *counts, int *counted)
{
    *counted = 0;
    if (positions)
        return positioned(offset, start, end, pair);
    if (counts == Py_None)
        return Py_NewRef(pair);
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        PyErr_SetString(PyExc_TypeError, "a word must be a (form, content) pair");
        return NULL;
    }
    PyObject *form = PyTuple_GET_ITEM(pair, 0);
    int content = PyObject_IsTrue(PyTuple_GET_ITEM(pair, 1));
    if (content < 0 || (content && count(counts, form, 1) < 0))
        return NULL;
    *counted = content;
    return Py_NewRef(form);
}

/* Append the shaped word to ``words``; -1 with an exception on failure. */
static int
append(PyObject *words, PyObject *pair, Py_ssize_t offset, Py_ssize_t start, Py_ssize_t end,
       int positions, PyObject *counts, int *counted)
{
    PyObject *word = shaped(pair, offset, start, end, positions, counts, counted);
    if (word == NULL)
        return -1;
    int appended = PyList_Append(words, word);
    Py_DECREF(word);
    return appended;
}

/* The (pair, joinable) of one morpheme: from by_word, or described and remembered. */
static PyObject *
kind_of(PyObject *morpheme, PyObject *by_word, PyObject *describe)
{
    PyObject *word_id = PyObject_CallMethodNoArgs(morpheme, name_word_id);
    if (word_id == NULL)
        return NULL;
    PyObject *kind = PyDict_GetItemWithError(by_word, word_id);
    if (kind != NULL) {
        Py_DECREF(word_id);
        return Py_NewRef(kind);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(word_id);
        return NULL;
    }
    kind = PyObject_CallOneArg(describe, morpheme);
    if (kind != NULL) {
        unsigned long long id = PyLong_AsUnsignedLongLong(word_id);
        if (id == (unsigned long long)-1 && PyErr_Occurred())
            Py_CLEAR(kind);
        /* Words Sudachi does not know share ids while their text varies. */
        else if (id < OOV_WORD_IDS && PyDict_SetItem(by_word, word_id, kind) < 0)
            Py_CLEAR(kind);
    }
    Py_DECREF(word_id);
    if (kind != NULL && (!PyTuple_Check(kind) || PyTuple_GET_SIZE(kind) != 2)) {
        PyErr_SetString(PyExc_TypeError, "describe must return (pair, joinable)");
        Py_CLEAR(kind);
    }
    return kind;
}

static PyObject *
walk(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError, "walk takes 9 arguments");
        return NULL;
    }
    PyObject *morphemes = args[0], *chunk = args[1], *by_word = args[4];
    PyObject *describe = args[5], *join = args[6], *words = args[7], *counts = args[8];
    Py_ssize_t offset = PyLong_AsSsize_t(args[2]);
    int positions = PyObject_IsTrue(args[3]);
    if ((offset == -1 && PyErr_Occurred()) || positions < 0)
        return NULL;
    if (!PyDict_Check(by_word) || !PyList_Check(words)
        || !(counts == Py_None || PyDict_Check(counts))) {
        PyErr_SetString(PyExc_TypeError, "by_word and counts must be dicts, words a list");
        return NULL;
    }
    PyObject *iterator = PyObject_GetIter(morphemes);
    if (iterator == NULL)
        return NULL;
    /* The last kept word, when it may join the next one: it starts at joined_from and
       ends at joined_to. Sudachi's words cover their text end to end (each begins where
       the one before ends), so the next word touches it exactly when the last morpheme
       was that word (adjacent). Without positions a word's offsets are read only when
       it is adjacent to a joinable word (~1 word in 4, where every joinable word's two
       calls were 0.2M instructions an article); the start of the last word is then
       read from its morpheme (from_morpheme), if it was not read yet. */
    Py_ssize_t joined_from = -1, joined_to = -1;
    PyObject *from_morpheme = NULL;
    int adjacent = 0;
    int counted = 0; /* the last appended word was counted in counts */
    PyObject *morpheme;
    while ((morpheme = PyIter_Next(iterator)) != NULL) {
        PyObject *kind = kind_of(morpheme, by_word, describe);
        if (kind == NULL)
            goto fail_morpheme;
        PyObject *pair = PyTuple_GET_ITEM(kind, 0);
        int joinable = PyObject_IsTrue(PyTuple_GET_ITEM(kind, 1));
        if (joinable < 0)
            goto fail_kind;
        int was_adjacent = adjacent;
        adjacent = 0;
        if (pair == Py_None) {
            /* dropped: nothing joins across it */
        } else if (!(joinable || positions)) {
            if (append(words, pair, offset, 0, 0, 0, counts, &counted) < 0)
                goto fail_kind;
        } else {
            Py_ssize_t begin = -1, end = -1;
            if (positions || (joinable && was_adjacent)) {
                begin = int_method(morpheme, name_begin);
                if (begin == -1 && PyErr_Occurred())
                    goto fail_kind;
                end = int_method(morpheme, name_end);
                if (end == -1 && PyErr_Occurred())
                    goto fail_kind;
            }
            if (positions)
                was_adjacent = was_adjacent && joined_to == begin;
            int joined = 0;
            if (joinable && was_adjacent && joined_from < 0) {
                joined_from = int_method(from_morpheme, name_begin);
                if (joined_from == -1 && PyErr_Occurred())
                    goto fail_kind;
            }
            if (joinable && was_adjacent && begin - joined_from >= 2
                && end - joined_from <= MAX_JOINED_CHARS) {
                PyObject *alone = PyObject_CallFunction(
                    join, "Onn", chunk, joined_from, end);
                if (alone == NULL)
                    goto fail_kind;
                if (alone != Py_None) {
                    Py_ssize_t last = PyList_GET_SIZE(words) - 1;
                    if (last < 0) {
                        PyErr_SetString(PyExc_RuntimeError, "nothing to join to");
                        Py_DECREF(alone);
                        goto fail_kind;
                    }
                    /* The joined word replaces the last one, and its count. */
                    if (counted && count(counts, PyList_GET_ITEM(words, last), -1) < 0) {
                        Py_DECREF(alone);
                        goto fail_kind;
                    }
                    PyObject *word = shaped(alone, offset, joined_from, end, positions,
                                            counts, &counted);
                    if (word == NULL) {
                        Py_DECREF(alone);
                        goto fail_kind;
                    }
                    PyList_SetItem(words, last, word); /* steals word */
                    joined_to = end;
                    joined = adjacent = 1;
                }
                Py_DECREF(alone);
            }
            if (!joined) {
                if (append(words, pair, offset, begin, end, positions, counts, &counted) < 0)
                    goto fail_kind;
                if (joinable) {
                    joined_from = begin; /* -1: not read, from_morpheme has it */
                    joined_to = end;
                    Py_XSETREF(from_morpheme, Py_NewRef(morpheme));
                    adjacent = 1;
                }
            }
        }
        Py_DECREF(kind);
        Py_DECREF(morpheme);
        continue;
    fail_kind:
        Py_DECREF(kind);
    fail_morpheme:
        Py_DECREF(morpheme);
        Py_DECREF(iterator);
        Py_XDECREF(from_morpheme);
        return NULL;
    }
    Py_DECREF(iterator);
    Py_XDECREF(from_morpheme);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "Append the kept words of one analysed chunk to a list (see analysis.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_walk", "The analysis's word loop in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__walk(void)
{
    name_word_id = PyUnicode_InternFromString("word_id");
    name_begin = PyUnicode_InternFromString("begin");
    name_end = PyUnicode_InternFromString("end");
    if (name_word_id == NULL || name_begin == NULL || name_end == NULL)
        return NULL;
    return PyModule_Create(&module);
}
