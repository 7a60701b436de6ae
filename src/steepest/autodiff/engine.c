/* The eager path's inner loops of steepest.autodiff.core, in C.
 *
 * An elementwise operation's short path (core._short_application), a
 * reduction's (core.apply_reduction, reached from Tensor.sum and the other
 * reduction methods and from np.sum through __array_function__), the
 * general application of a primitive with a vjp in reverse mode
 * (core._apply_general, reached from core.apply), NumPy's ufunc protocol
 * (Tensor.__array_ufunc__), the reverse sweep (core.sweep) and the ordering
 * walk (core.topological_order): the same steps, statement for statement:
 * every number is made by the same Python operation on the same operands
 * (g * local, -g, old + ct, a primitive's forward, and the Python helpers for
 * the rare cases), so the gradients are the Python path's own, bit for bit.  What C
 * saves is the interpreter's work between those operations: reading a
 * node's fields, the tests, the loops.
 *
 * A node's fields are the slots of core.Node, read and written at the
 * offsets Python gives for them (init() takes the slots' descriptors), after
 * a check that the object is a Node.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

enum { VALUE, TRACE, PRIM, PARENTS, ARGNUMS, SAVED, SEQ, G, TANGENT, GRAD, NAME, FIELDS };
static const char *field_names[FIELDS] = {
    "_value", "_trace", "_prim", "_parents", "_argnums", "_saved", "_seq", "_g", "_tangent",
    "grad", "name"};
static Py_ssize_t offsets[FIELDS];
enum { MODE, DONE, CANDIDATES, TAPE, INPUTS_LOG, TRACE_FIELDS };
static const char *trace_field_names[TRACE_FIELDS] = {
    "mode", "done", "candidates", "tape", "inputs_log"};
static Py_ssize_t trace_offsets[TRACE_FIELDS];

static PyTypeObject *node_type, *trace_type;
static PyObject *one, *minus_one, *later_type, *array_type, *sequence_key;
static PyObject *shape_of;
/* core's namespace: its helpers are looked up at each (rare) use, as Python's engine does,
 * so that a helper replaced there (a test's patch) is the one called here too. */
static PyObject *namespace;
static PyObject *s_unbroadcast, *s_accumulate, *s_computed_for_good, *s_large_locals,
    *s_watch_large_value;
static PyObject *s_result_class;
static PyObject *s_partials, *s_times, *s_vjp, *s_shape, *s_key, *s_sort, *s_short, *s_dtype,
    *s_hasobject, *s_size, *s_dict, *s_axis, *s_keepdims, *s_call, *s_applied, *s_forward,
    *s_short_reduction, *s_differentiable_args, *s_apply_reduction, *s_apply_general,
    *s_kind;
static PyObject *grad_enabled, *reverse, *sequence;
static PyObject *first, *second, *both;
static Py_ssize_t release_at;
#define MAX_NUMBERS 8
static PyTypeObject *numbers[MAX_NUMBERS];
static int number_count;
#define MAX_PLAIN 16
static PyTypeObject *plain[MAX_PLAIN];  /* core._PLAIN_TYPES: arguments taken as they are */
static int plain_count;
static int ready;

#define FIELD(o, f) (*(PyObject **)((char *)(o) + offsets[f]))
#define TRACE_FIELD(o, f) (*(PyObject **)((char *)(o) + trace_offsets[f]))

/* A field's value (borrowed), or NULL with AttributeError as Python would raise. */
static PyObject *get(PyObject *node, int f) {
    PyObject *value = FIELD(node, f);
    if (value == NULL)
        PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '%s'",
                     Py_TYPE(node)->tp_name, field_names[f]);
    return value;
}

static void set(PyObject *node, int f, PyObject *value) {
    PyObject *old = FIELD(node, f);
    Py_INCREF(value);
    FIELD(node, f) = value;
    Py_XDECREF(old);
}

/* core's helper of that name (borrowed), or NULL with an error. */
static PyObject *helper(PyObject *name) {
    PyObject *found = PyDict_GetItemWithError(namespace, name);
    if (found == NULL && !PyErr_Occurred())
        PyErr_Format(PyExc_NameError, "steepest.autodiff.core has no %U", name);
    return found;
}

static PyObject *keep(PyObject *o) {
    Py_INCREF(o);
    return o;
}

static int check_node(PyObject *o) {
    if (PyObject_TypeCheck(o, node_type))
        return 0;
    PyErr_Format(PyExc_TypeError, "expected a traced value (Node), got %.100s",
                 Py_TYPE(o)->tp_name);
    return -1;
}

static int is_number(PyObject *o) {
    PyTypeObject *t = Py_TYPE(o);
    for (int i = 0; i < number_count; i++)
        if (t == numbers[i])
            return 1;
    return 0;
}

/* getattr(o, "shape", None), as a new reference (NULL on another error). */
static PyObject *shape_or_none(PyObject *o) {
    PyObject *shape;
#if PY_VERSION_HEX >= 0x030D0000
    if (PyObject_GetOptionalAttr(o, s_shape, &shape) < 0)
#else
    if (_PyObject_LookupAttr(o, s_shape, &shape) < 0)
#endif
        return NULL;
    if (shape == NULL)
        Py_RETURN_NONE;
    return shape;
}

/* ct brought to the shape of value when it differs (core.unbroadcast); steals ct. */
static PyObject *to_shape_of(PyObject *ct, PyObject *value) {
    if (is_number(ct) && is_number(value))
        return ct;
    PyObject *shape = shape_or_none(value);
    if (shape == NULL)
        goto fail;
    int differ = 1;
    if (shape != Py_None) {
        PyObject *own = shape_or_none(ct);
        if (own == NULL) {
            Py_DECREF(shape);
            goto fail;
        }
        differ = PyObject_RichCompareBool(own, shape, Py_NE);
        Py_DECREF(own);
    }
    Py_DECREF(shape);
    if (differ < 0)
        goto fail;
    if (!differ)
        return ct;
    PyObject *target = PyObject_CallOneArg(shape_of, value);
    if (target == NULL)
        goto fail;
    PyObject *function = helper(s_unbroadcast);
    PyObject *out = function == NULL ? NULL
                                     : PyObject_CallFunctionObjArgs(function, ct, target, NULL);
    Py_DECREF(target);
    Py_DECREF(ct);
    return out;
fail:
    Py_DECREF(ct);
    return NULL;
}

/* parent._g = ct, or the sum with what it holds (old + ct; in place for an array only
 * the parent holds, by core._accumulate).  Steals ct. */
static int add_into(PyObject *parent, PyObject *ct, int arrays_in_place) {
    PyObject *old = get(parent, G);
    if (old == NULL) {
        Py_DECREF(ct);
        return -1;
    }
    PyObject *sum;
    if (old == Py_None) {
        set(parent, G, ct);
        Py_DECREF(ct);
        return 0;
    }
    if (arrays_in_place && Py_TYPE(old) != (PyTypeObject *)array_type)
        sum = PyNumber_Add(old, ct);
    else {  /* old is borrowed from the field: _accumulate sees the references Python's would */
        PyObject *function = helper(s_accumulate);
        sum = function == NULL ? NULL : PyObject_CallFunctionObjArgs(function, old, ct, NULL);
    }
    Py_DECREF(ct);
    if (sum == NULL)
        return -1;
    set(parent, G, sum);
    Py_DECREF(sum);
    return 0;
}

/* g times one local derivative (core.sweep's cases); a new reference. */
static PyObject *times_local(PyObject *node, PyObject *g, PyObject *local, int release) {
    if (local == one) {
        Py_INCREF(g);
        return g;
    }
    if (local == minus_one)
        return PyNumber_Negative(g);
    if ((PyObject *)Py_TYPE(local) != later_type)
        return PyNumber_Multiply(g, local);
    if (release)
        return PyObject_CallMethodOneArg(local, s_times, g);
    PyObject *function = helper(s_computed_for_good);
    PyObject *computed = function == NULL ? NULL
        : PyObject_CallFunctionObjArgs(function, node, local, NULL);
    if (computed == NULL)
        return NULL;
    PyObject *ct = PyNumber_Multiply(g, computed);
    Py_DECREF(computed);
    return ct;
}

static int sweep_elementwise(PyObject *node, PyObject *g, int release) {
    PyObject *parents = get(node, PARENTS), *saved = get(node, SAVED);
    if (parents == NULL || saved == NULL)
        return -1;
    if (!PyTuple_Check(parents) || !PyTuple_Check(saved)) {
        PyErr_SetString(PyExc_TypeError, "a node's parents and saved values must be tuples");
        return -1;
    }
    Py_INCREF(parents);  /* the node's fields may be replaced on the way (computed_for_good) */
    Py_INCREF(saved);
    int status = 0;
    Py_ssize_t n = Py_MIN(PyTuple_GET_SIZE(parents), PyTuple_GET_SIZE(saved));
    for (Py_ssize_t j = 0; j < n && status == 0; j++) {
        PyObject *parent = PyTuple_GET_ITEM(parents, j);
        status = -1;
        if (check_node(parent) < 0)
            break;
        PyObject *ct = times_local(node, g, PyTuple_GET_ITEM(saved, j), release);
        if (ct == NULL)
            break;
        PyObject *value = get(parent, VALUE);
        if (value == NULL) {
            Py_DECREF(ct);
            break;
        }
        ct = to_shape_of(ct, value);
        if (ct == NULL)
            break;
        status = add_into(parent, ct, 1);
    }
    Py_DECREF(parents);
    Py_DECREF(saved);
    return status;
}

static int sweep_general(PyObject *node, PyObject *prim, PyObject *g) {
    PyObject *parents = get(node, PARENTS), *saved = get(node, SAVED);
    PyObject *argnums = get(node, ARGNUMS), *ans = get(node, VALUE);
    if (parents == NULL || saved == NULL || argnums == NULL || ans == NULL)
        return -1;
    PyObject *vjp = PyObject_GetAttr(prim, s_vjp);
    if (vjp == NULL)
        return -1;
    PyObject *keep[] = {parents, saved, argnums, ans};
    for (int i = 0; i < 4; i++)
        Py_INCREF(keep[i]);
    int status = -1;
    PyObject *args = NULL, *kwargs = NULL;
    if (!PyTuple_Check(saved) || PyTuple_GET_SIZE(saved) != 2 || !PyTuple_Check(parents)
            || !PyTuple_Check(argnums)) {
        PyErr_SetString(PyExc_TypeError, "a node's saved values must be (args, kwargs)");
        goto done;
    }
    args = PyTuple_GET_ITEM(saved, 0);
    kwargs = PyTuple_GET_ITEM(saved, 1);
    Py_ssize_t n = Py_MIN(PyTuple_GET_SIZE(parents), PyTuple_GET_SIZE(argnums));
    status = 0;
    for (Py_ssize_t j = 0; j < n && status == 0; j++) {
        PyObject *parent = PyTuple_GET_ITEM(parents, j);
        status = -1;
        if (check_node(parent) < 0)
            break;
        PyObject *call[] = {g, PyTuple_GET_ITEM(argnums, j), ans, args, kwargs};
        PyObject *ct = PyObject_Vectorcall(vjp, call, 5, NULL);
        if (ct == NULL)
            break;
        status = add_into(parent, ct, 0);
    }
done:
    for (int i = 0; i < 4; i++)
        Py_DECREF(keep[i]);
    Py_DECREF(vjp);
    return status;
}

static int sweep_node(PyObject *node, PyObject *record, int release) {
    if (check_node(node) < 0)
        return -1;
    PyObject *g = get(node, G);
    if (g == NULL)
        return -1;
    if (g == Py_None)
        return 0;
    Py_INCREF(g);
    set(node, G, Py_None);
    int status = -1;
    PyObject *prim = get(node, PRIM), *partials = NULL;
    if (prim == NULL)
        goto done;
    Py_INCREF(prim);
    if (record != Py_None) {
        PyObject *key = PyLong_FromVoidPtr(node);
        if (key == NULL)
            goto done;
        int stored = PyObject_SetItem(record, key, g);
        Py_DECREF(key);
        if (stored < 0)
            goto done;
    }
    partials = PyObject_GetAttr(prim, s_partials);
    if (partials == NULL)
        goto done;
    status = partials != Py_None ? sweep_elementwise(node, g, release)
                                 : sweep_general(node, prim, g);
    if (status == 0 && release)
        set(node, SAVED, Py_None);
done:
    Py_XDECREF(partials);
    Py_XDECREF(prim);
    Py_DECREF(g);
    return status;
}

static PyObject *sweep(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!ready || nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "sweep(order, record, release) after init()");
        return NULL;
    }
    int release = PyObject_IsTrue(args[2]);
    if (release < 0)
        return NULL;
    PyObject *order = PySequence_List(args[0]);  /* a copy: the sweep sees the order it was given */
    if (order == NULL)
        return NULL;
    for (Py_ssize_t i = PyList_GET_SIZE(order) - 1; i >= 0; i--) {
        if (sweep_node(PyList_GET_ITEM(order, i), args[1], release) < 0) {
            Py_DECREF(order);
            return NULL;
        }
    }
    Py_DECREF(order);
    Py_RETURN_NONE;
}

/* The parents not yet marked, marked and appended to nodes (made by an operation) or to
 * leaves (when not None). */
static int visit_parents(PyObject *parents, PyObject *mark, PyObject *nodes, PyObject *leaves) {
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(parents); j++) {
        PyObject *parent = PyTuple_GET_ITEM(parents, j);
        if (check_node(parent) < 0)
            return -1;
        PyObject *seen = get(parent, TANGENT), *made_by = get(parent, PRIM);
        if (seen == NULL || made_by == NULL)
            return -1;
        if (seen == mark)
            continue;
        PyObject *into = made_by != Py_None ? nodes : leaves;
        if (into == Py_None)
            continue;
        set(parent, TANGENT, mark);
        if (PyList_Append(into, parent) < 0)
            return -1;
    }
    return 0;
}

/* core.topological_order(root, leaves): the recorded nodes reachable from root, in the
 * order of creation, the leaves met appended to leaves (a list, or None). */
static PyObject *topological_order(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!ready || nargs != 2 || (args[1] != Py_None && !PyList_Check(args[1]))) {
        PyErr_SetString(PyExc_TypeError, "topological_order(root, leaves) after init()");
        return NULL;
    }
    PyObject *root = args[0], *leaves = args[1];
    if (check_node(root) < 0)
        return NULL;
    PyObject *prim = get(root, PRIM);
    if (prim == NULL)
        return NULL;
    if (prim == Py_None)
        return PyList_New(0);
    PyObject *mark = PyObject_CallNoArgs((PyObject *)&PyBaseObject_Type);
    PyObject *nodes = PyList_New(0);
    if (mark == NULL || nodes == NULL || PyList_Append(nodes, root) < 0)
        goto fail;
    set(root, TANGENT, mark);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(nodes); i++) {
        PyObject *parents = get(PyList_GET_ITEM(nodes, i), PARENTS);
        if (parents == NULL)
            goto fail;
        if (!PyTuple_Check(parents)) {
            PyErr_SetString(PyExc_TypeError, "a node's parents must be a tuple");
            goto fail;
        }
        Py_INCREF(parents);  /* held while marks are replaced (a mark's release runs code) */
        int status = visit_parents(parents, mark, nodes, leaves);
        Py_DECREF(parents);
        if (status < 0)
            goto fail;
    }
    PyObject *sort = PyObject_GetAttr(nodes, s_sort);
    if (sort == NULL)
        goto fail;
    PyObject *empty = PyTuple_New(0), *keywords = PyDict_New();
    PyObject *sorted = NULL;
    if (empty != NULL && keywords != NULL && PyDict_SetItem(keywords, s_key, sequence_key) == 0)
        sorted = PyObject_Call(sort, empty, keywords);
    Py_XDECREF(empty);
    Py_XDECREF(keywords);
    Py_DECREF(sort);
    if (sorted == NULL)
        goto fail;
    Py_DECREF(sorted);
    Py_DECREF(mark);
    return nodes;
fail:
    Py_XDECREF(mark);
    Py_XDECREF(nodes);
    return NULL;
}


/* ---- the short path of an elementwise operation (core._short_application) ---- */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *prim, *settings, *forward, *on_numbers, *partials, *bare, *units, *lone_units;
    PyObject *general;  /* the Python application: everything off the short path */
    int reflected;
    Py_ssize_t arity;  /* the arguments its rules are written for (one or two) */
} Application;

/* A number or a numeric array, taken as it is (core._plain_operand); -1 on an error. */
static int plain_operand(PyObject *o) {
    if (is_number(o))
        return 1;
    if (Py_TYPE(o) != (PyTypeObject *)array_type)
        return 0;
    PyObject *dtype = PyObject_GetAttr(o, s_dtype);
    if (dtype == NULL)
        return -1;
    PyObject *flag = PyObject_GetAttr(dtype, s_hasobject);
    Py_DECREF(dtype);
    if (flag == NULL)
        return -1;
    int has_objects = PyObject_IsTrue(flag);
    Py_DECREF(flag);
    return has_objects < 0 ? -1 : !has_objects;
}

static PyObject *pair(PyObject *a, PyObject *b) {
    return b == NULL ? PyTuple_Pack(1, a) : PyTuple_Pack(2, a, b);
}

/* The local derivatives saved for the new node (see core._short_application). */
static PyObject *locals_of(Application *self, PyObject *value, PyObject *x, PyObject *y,
                           PyObject *argnums, int large, PyObject *trace) {
    if (large) {
        PyObject *args = pair(x, y);
        if (args == NULL)
            return NULL;
        PyObject *call[] = {self->prim, trace, value, args, argnums};
        PyObject *function = helper(s_large_locals);
        PyObject *saved = function == NULL ? NULL : PyObject_Vectorcall(function, call, 5, NULL);
        Py_DECREF(args);
        return saved;
    }
    if (self->units != Py_None) {
        PyObject *saved = argnums == both ? self->units
            : PyTuple_GET_ITEM(self->lone_units, PyLong_AsSsize_t(PyTuple_GET_ITEM(argnums, 0)));
        Py_INCREF(saved);
        return saved;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(argnums);
    PyObject *saved = PyTuple_New(n);
    if (saved == NULL)
        return NULL;
    for (Py_ssize_t j = 0; j < n; j++) {
        Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(argnums, j));
        PyObject *bare = PyTuple_GET_ITEM(self->bare, i), *local;
        if (bare == Py_None) {
            PyObject *call[] = {value, x, y};
            local = PyObject_Vectorcall(PyTuple_GET_ITEM(self->partials, i), call,
                                        y == NULL ? 2 : 3, NULL);
            if (local == NULL) {
                Py_DECREF(saved);
                return NULL;
            }
        } else {
            local = PyLong_AsSsize_t(bare) == 0 ? x : y;
            Py_INCREF(local);
        }
        PyTuple_SET_ITEM(saved, j, local);
    }
    return saved;
}

/* log[id(out)]: the raw arguments, None where a parent's node holds the value. */
static int log_inputs(PyObject *log, PyObject *out, PyObject *x, PyObject *y,
                      PyObject *argnums) {
    PyObject *entry = y == NULL ? PyList_New(1) : PyList_New(2);
    if (entry == NULL)
        return -1;
    PyObject *first_value = argnums == second ? x : Py_None;
    PyList_SET_ITEM(entry, 0, keep(y == NULL ? Py_None : first_value));
    if (y != NULL)
        PyList_SET_ITEM(entry, 1, keep(argnums == first ? y : Py_None));
    PyObject *key = PyLong_FromVoidPtr(out);
    int status = key == NULL ? -1 : PyDict_SetItem(log, key, entry);
    Py_XDECREF(key);
    Py_DECREF(entry);
    return status;
}

/* Whether value is large: an array of at least RELEASE_AT elements (-1 on an error). */
static int large_value(PyObject *value) {
    if (Py_TYPE(value) != (PyTypeObject *)array_type)
        return 0;
    PyObject *size = PyObject_GetAttr(value, s_size);
    if (size == NULL)
        return -1;
    Py_ssize_t n = PyLong_AsSsize_t(size);
    Py_DECREF(size);
    if (n == -1 && PyErr_Occurred())
        return -1;
    return n >= release_at;
}

/* A node of class cls made by prim, its fields set (new_node's, then the recording's). */
static PyObject *made_node(PyTypeObject *cls, PyObject *value, PyObject *trace, PyObject *prim,
                           PyObject *parents, PyObject *argnums, PyObject *saved) {
    PyObject *seq = PyIter_Next(sequence);
    PyObject *out = seq == NULL ? NULL : cls->tp_alloc(cls, 0);
    if (out == NULL) {
        Py_XDECREF(seq);
        return NULL;
    }
    PyObject *fields[FIELDS] = {value, trace, prim, parents, argnums, saved, seq,
                                Py_None, Py_None, Py_None, Py_None};
    for (int f = 0; f < FIELDS; f++)
        set(out, f, fields[f]);
    Py_DECREF(seq);
    return out;
}

/* out appended to the trace's tape, and watched when its value is large. */
static int on_tape(PyObject *trace, PyObject *out, int large) {
    PyObject *tape = TRACE_FIELD(trace, TAPE);
    if (tape == NULL || tape == Py_None)
        return 0;
    if (PyList_Append(tape, out) < 0)
        return -1;
    if (!large)
        return 0;
    PyObject *function = helper(s_watch_large_value);
    PyObject *done = function == NULL ? NULL
        : PyObject_CallFunctionObjArgs(function, trace, out, NULL);
    if (done == NULL)
        return -1;
    Py_DECREF(done);
    return 0;
}

/* The new node, recorded on the trace; NULL on an error. */
static PyObject *new_node(Application *self, PyTypeObject *cls, PyObject *trace, PyObject *x,
                          PyObject *y, PyObject *parents, PyObject *argnums) {
    PyObject *value;
    if (y == NULL)
        value = PyObject_CallOneArg(self->forward, x);
    else if (is_number(x) && is_number(y))
        value = PyObject_CallFunctionObjArgs(self->on_numbers, x, y, NULL);
    else
        value = PyObject_CallFunctionObjArgs(self->forward, x, y, NULL);
    if (value == NULL)
        return NULL;
    int large = large_value(value);
    if (large < 0)
        goto fail_value;
    PyObject *saved = locals_of(self, value, x, y, argnums, large, trace);
    if (saved == NULL)
        goto fail_value;
    PyObject *out = made_node(cls, value, trace, self->prim, parents, argnums, saved);
    Py_DECREF(saved);
    Py_DECREF(value);
    if (out == NULL)
        return NULL;
    if (on_tape(trace, out, large) < 0)
        goto fail_out;
    PyObject *log = TRACE_FIELD(trace, INPUTS_LOG);
    if (log != NULL && log != Py_None && log_inputs(log, out, x, y, argnums) < 0)
        goto fail_out;
    return out;
fail_out:
    Py_DECREF(out);
    return NULL;
fail_value:
    Py_DECREF(value);
    return NULL;
}

/* Whether the short path may record on this trace: an open reverse trace with no values
 * watched (those go the Python way). */
static int short_trace(PyObject *trace) {
    if (trace == NULL || trace == Py_None || !PyObject_TypeCheck(trace, trace_type))
        return 0;
    PyObject *mode = TRACE_FIELD(trace, MODE), *done = TRACE_FIELD(trace, DONE);
    PyObject *candidates = TRACE_FIELD(trace, CANDIDATES), *log = TRACE_FIELD(trace, INPUTS_LOG);
    if (mode == NULL || done == NULL || candidates == NULL || log == NULL)
        return 0;
    if (mode != reverse && !(PyUnicode_Check(mode) && PyUnicode_Compare(mode, reverse) == 0))
        return 0;
    if (done != Py_False || (log != Py_None && !PyDict_Check(log)))
        return 0;
    return candidates == Py_None || (PyList_Check(candidates) && PyList_GET_SIZE(candidates) == 0);
}

/* The class of the values computed from a value of class t (core.Node._result_class): its
 * own, unless the class names another (a parameter's results are plain tensors).  The
 * lookup is the type's own attribute cache. */
static PyTypeObject *result_class(PyTypeObject *t) {
    PyObject *named = _PyType_Lookup(t, s_result_class);
    return named != NULL && PyType_Check(named) ? (PyTypeObject *)named : t;
}

/* 1: the arguments take the short path (parents, argnums, x, y, the class and trace set,
 * borrowed but parents); 0: they do not; -1: an error. */
static int short_arguments(PyObject *a, PyObject *b, PyObject **parents, PyObject **argnums,
                           PyObject **x, PyObject **y, PyTypeObject **cls, PyObject **trace) {
    int plain;
    if (PyObject_TypeCheck(a, node_type)) {
        *trace = FIELD(a, TRACE);
        *cls = result_class(Py_TYPE(a));
        *x = FIELD(a, VALUE);
        if (b == NULL) {
            *argnums = first;
            *y = NULL;
        } else if (PyObject_TypeCheck(b, node_type)) {
            PyObject *other = FIELD(b, TRACE);
            *y = FIELD(b, VALUE);
            if (other == *trace) {
                *argnums = both;
            } else if (other == Py_None && *trace != Py_None && *y != NULL) {
                /* A constant tensor (x - x.max(...).detach()) joins as its value. */
                if ((plain = plain_operand(*y)) != 1)
                    return plain;
                *argnums = first;
            } else {
                return 0;  /* another trace's value: the general path */
            }
        } else if ((plain = plain_operand(b)) != 1) {
            return plain;
        } else {
            *argnums = first;
            *y = b;
        }
        if (*x == NULL || (b != NULL && *y == NULL))
            return 0;
        *parents = *argnums == both ? PyTuple_Pack(2, a, b) : PyTuple_Pack(1, a);
    } else if (b != NULL && PyObject_TypeCheck(b, node_type)) {
        if ((plain = plain_operand(a)) != 1)
            return plain;
        *trace = FIELD(b, TRACE);
        *cls = result_class(Py_TYPE(b));
        *argnums = second;
        *x = a;
        *y = FIELD(b, VALUE);
        if (*y == NULL)
            return 0;
        *parents = PyTuple_Pack(1, b);
    } else {
        return 0;
    }
    return *parents == NULL ? -1 : 1;
}

static int short_enabled(Application *self) {
    Py_ssize_t n = PyList_GET_SIZE(grad_enabled);
    if (n == 0 || PyList_GET_ITEM(grad_enabled, n - 1) != Py_True)
        return 0;
    PyObject *flag = PyDict_GetItemWithError(self->settings, s_short);
    if (flag == NULL)
        return PyErr_Occurred() ? -1 : 0;
    return PyObject_IsTrue(flag);
}

static PyObject *general(PyObject *prim, PyObject *args, PyObject *kwargs);

/* A primitive with a vjp (x @ w): the application is the general one, as in Python's. */
static PyObject *vjp_application(Application *self, PyObject *a, PyObject *b) {
    PyObject *args = pair(a, b), *kwargs = PyDict_New();
    PyObject *out = args != NULL && kwargs != NULL ? general(self->prim, args, kwargs) : NULL;
    Py_XDECREF(args);
    Py_XDECREF(kwargs);
    return out;
}

static PyObject *application_call(PyObject *callable, PyObject *const *args, size_t nargsf,
                                  PyObject *kwnames) {
    Application *self = (Application *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs < 1 + self->reflected || nargs > 2)
        return PyObject_Vectorcall(self->general, args, nargsf, kwnames);
    if (self->partials == Py_None && self->units == Py_None)  /* never short: a vjp's */
        return self->reflected ? vjp_application(self, args[1], args[0])
                               : vjp_application(self, args[0], nargs == 2 ? args[1] : NULL);
    if (nargs > self->arity)
        return PyObject_Vectorcall(self->general, args, nargsf, kwnames);  /* its error */
    PyObject *a = args[0], *b = nargs == 2 ? args[1] : NULL;
    if (self->reflected) {
        a = args[1];
        b = args[0];
    }
    int on = short_enabled(self);
    if (on <= 0)
        return on < 0 ? NULL : PyObject_Vectorcall(self->general, args, nargsf, kwnames);
    PyObject *parents = NULL, *argnums = NULL, *x = NULL, *y = NULL, *trace = NULL;
    PyTypeObject *cls = NULL;
    int taken = short_arguments(a, b, &parents, &argnums, &x, &y, &cls, &trace);
    if (taken < 0)
        return NULL;
    if (taken == 0 || !short_trace(trace)) {
        Py_XDECREF(parents);
        return PyObject_Vectorcall(self->general, args, nargsf, kwnames);
    }
    /* The arguments' values are held while the forward runs (a rule may drop a field). */
    Py_INCREF(x);
    Py_XINCREF(y);
    Py_INCREF(trace);
    PyObject *out = new_node(self, cls, trace, x, y, parents, argnums);
    Py_DECREF(x);
    Py_XDECREF(y);
    Py_DECREF(trace);
    Py_DECREF(parents);
    return out;
}

static PyObject *application_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *prim, *general;
    int reflected;
    static char *keywords[] = {"prim", "general", "reflected", NULL};
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "Application() after init()");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOp", keywords, &prim, &general, &reflected))
        return NULL;
    Application *self = (Application *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->vectorcall = application_call;
    self->reflected = reflected;
    self->prim = keep(prim);
    self->general = keep(general);
    self->settings = PyObject_GetAttr(prim, s_dict);
    self->forward = PyObject_GetAttrString(prim, "forward");
    self->on_numbers = PyObject_GetAttrString(prim, "on_numbers");
    self->partials = PyObject_GetAttrString(prim, "partials");
    self->bare = PyObject_GetAttrString(prim, "bare");
    self->units = PyObject_GetAttrString(prim, "units");
    self->lone_units = PyObject_GetAttrString(prim, "lone_units");
    if (!self->settings || !self->forward || !self->on_numbers || !self->partials || !self->bare
            || !self->units || !self->lone_units) {
        Py_DECREF(self);
        return NULL;
    }
    self->arity = PyTuple_Check(self->units) ? PyTuple_GET_SIZE(self->units)
                                             : PyTuple_Check(self->bare) ? PyTuple_GET_SIZE(self->bare)
                                                                         : 0;
    if (PyTuple_Check(self->lone_units))
        self->arity = Py_MIN(self->arity, PyTuple_GET_SIZE(self->lone_units));
    if (!PyDict_Check(self->settings) || !PyTuple_Check(self->bare)
            || (self->partials != Py_None && (!PyTuple_Check(self->partials)
                                             || PyTuple_GET_SIZE(self->partials) < PyTuple_GET_SIZE(self->bare)))
            || (self->units != Py_None && (!PyTuple_Check(self->units) || !PyTuple_Check(self->lone_units)))
            || (self->partials == Py_None && self->units == Py_None)) {
        /* Not an elementwise primitive with the fields the short path reads: never short. */
        Py_SETREF(self->settings, PyDict_New());
        if (self->settings == NULL) {
            Py_DECREF(self);
            return NULL;
        }
    }
    return (PyObject *)self;
}

static int application_traverse(Application *self, visitproc visit, void *arg) {
    Py_VISIT(self->prim);
    Py_VISIT(self->settings);
    Py_VISIT(self->forward);
    Py_VISIT(self->on_numbers);
    Py_VISIT(self->partials);
    Py_VISIT(self->bare);
    Py_VISIT(self->units);
    Py_VISIT(self->lone_units);
    Py_VISIT(self->general);
    return 0;
}

static int application_clear(Application *self) {
    Py_CLEAR(self->prim);
    Py_CLEAR(self->settings);
    Py_CLEAR(self->forward);
    Py_CLEAR(self->on_numbers);
    Py_CLEAR(self->partials);
    Py_CLEAR(self->bare);
    Py_CLEAR(self->units);
    Py_CLEAR(self->lone_units);
    Py_CLEAR(self->general);
    return 0;
}

static void application_dealloc(Application *self) {
    PyObject_GC_UnTrack(self);
    application_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* As a class attribute (Tensor.__add__), bound like a function. */
static PyObject *application_get(PyObject *self, PyObject *obj, PyObject *type) {
    if (obj == NULL || obj == Py_None)
        return keep(self);
    return PyMethod_New(self, obj);
}

static PyObject *application_repr(Application *self) {
    return PyUnicode_FromFormat("<%s application of %R>",
                                self->reflected ? "reflected" : "short", self->prim);
}

static PyObject *application_general(Application *self, void *closure) {
    return keep(self->general);
}

static PyGetSetDef application_getset[] = {
    {"general", (getter)application_general, NULL, "The Python application.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject application_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "steepest_engine.Application",
    .tp_doc = "A primitive applied to one or two arguments, its short path in C.",
    .tp_basicsize = sizeof(Application),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_new = application_new,
    .tp_dealloc = (destructor)application_dealloc,
    .tp_traverse = (traverseproc)application_traverse,
    .tp_clear = (inquiry)application_clear,
    .tp_vectorcall_offset = offsetof(Application, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = application_get,
    .tp_repr = (reprfunc)application_repr,
    .tp_getset = application_getset,
};

/* ---- reductions and general applications (core.apply_reduction, core.apply) ---- */

/* _grad_enabled[-1] is True. */
static int grad_on(void) {
    Py_ssize_t n = PyList_GET_SIZE(grad_enabled);
    return n > 0 && PyList_GET_ITEM(grad_enabled, n - 1) == Py_True;
}

/* prim.name's truth (-1 on an error). */
static int flag_of(PyObject *prim, PyObject *name) {
    PyObject *flag = PyObject_GetAttr(prim, name);
    if (flag == NULL)
        return -1;
    int on = PyObject_IsTrue(flag);
    Py_DECREF(flag);
    return on;
}

/* The keywords of a reduction (dispatch._kw): axis when not None (a list as a tuple),
 * keepdims=True when true. */
static PyObject *reduction_keywords(PyObject *axis, PyObject *keepdims) {
    PyObject *kwargs = PyDict_New();
    if (kwargs == NULL)
        return NULL;
    if (axis != Py_None) {
        PyObject *value = PyList_Check(axis) ? PySequence_Tuple(axis) : keep(axis);
        int stored = value == NULL ? -1 : PyDict_SetItem(kwargs, s_axis, value);
        Py_XDECREF(value);
        if (stored < 0)
            goto fail;
    }
    int truth = PyObject_IsTrue(keepdims);
    if (truth < 0 || (truth && PyDict_SetItem(kwargs, s_keepdims, Py_True) < 0))
        goto fail;
    return kwargs;
fail:
    Py_DECREF(kwargs);
    return NULL;
}

/* core.apply_reduction(prim, a, kwargs): the node made here on the short path (a traced
 * on an open reverse trace, its value a plain array), else by Python's function. */
static PyObject *reduction(PyObject *prim, PyObject *a, PyObject *kwargs) {
    int on = flag_of(prim, s_short_reduction);
    if (on < 0)
        return NULL;
    PyObject *trace = NULL, *x = NULL;
    if (on && PyDict_CheckExact(kwargs) && PyObject_TypeCheck(a, node_type) && grad_on()) {
        trace = FIELD(a, TRACE);
        x = FIELD(a, VALUE);
    }
    if (x == NULL || Py_TYPE(x) != (PyTypeObject *)array_type || !short_trace(trace)) {
        PyObject *function = helper(s_apply_reduction);
        return function == NULL ? NULL
                                : PyObject_CallFunctionObjArgs(function, prim, a, kwargs, NULL);
    }
    PyObject *forward = PyObject_GetAttr(prim, s_forward);
    if (forward == NULL)
        return NULL;
    Py_INCREF(x);  /* held while the forward runs */
    Py_INCREF(trace);
    PyObject *arguments = PyTuple_Pack(1, x);
    PyObject *value = arguments == NULL ? NULL
        : PyObject_Call(forward, arguments, PyDict_GET_SIZE(kwargs) ? kwargs : NULL);
    Py_XDECREF(arguments);
    Py_DECREF(forward);
    PyObject *out = NULL, *parents = NULL, *saved = NULL, *values = NULL;
    if (value == NULL)
        goto done;
    parents = PyTuple_Pack(1, a);
    values = PyList_New(1);
    if (parents == NULL || values == NULL)
        goto done;
    PyList_SET_ITEM(values, 0, keep(x));
    saved = PyTuple_Pack(2, values, kwargs);
    if (saved == NULL)
        goto done;
    out = made_node(result_class(Py_TYPE(a)), value, trace, prim, parents, first, saved);
    if (out == NULL)
        goto done;
    int large = large_value(value);
    PyObject *log = TRACE_FIELD(trace, INPUTS_LOG);
    if (large < 0 || on_tape(trace, out, large) < 0
            || (log != NULL && log != Py_None && log_inputs(log, out, x, NULL, first) < 0))
        Py_CLEAR(out);
done:
    Py_XDECREF(value);
    Py_XDECREF(parents);
    Py_XDECREF(values);
    Py_XDECREF(saved);
    Py_DECREF(x);
    Py_DECREF(trace);
    return out;
}

static int same_name(PyObject *name, PyObject *interned) {
    return name == interned || (PyUnicode_Check(name) && PyUnicode_Compare(name, interned) == 0);
}

/* A reduction called with its array, then axis and keepdims alone (args[0], args[1] and
 * the keywords): 1 with *axis and *keepdims set (borrowed), 0 for any other call. */
static int reduction_arguments(PyObject *const *args, Py_ssize_t nargs, PyObject *names,
                               PyObject *const *values, PyObject **axis, PyObject **keepdims) {
    *axis = Py_None;
    *keepdims = Py_False;
    if (nargs < 1 || nargs > 2)
        return 0;
    if (nargs == 2)
        *axis = args[1];
    Py_ssize_t n = names == NULL ? 0 : PyTuple_GET_SIZE(names);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *name = PyTuple_GET_ITEM(names, k);
        if (nargs == 1 && same_name(name, s_axis))
            *axis = values[k];
        else if (same_name(name, s_keepdims))
            *keepdims = values[k];
        else
            return 0;  /* another option, or axis twice: Python's function answers */
    }
    return 1;
}

/* ---- Tensor.sum, .mean, .max, .min: the reduction's short path from the method ---- */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *prim, *python;  /* the primitive, and the Python method for any other call */
} Reduction;

static PyObject *reduction_method_call(PyObject *callable, PyObject *const *args, size_t nargsf,
                                       PyObject *kwnames) {
    Reduction *self = (Reduction *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *axis, *keepdims;
    if (!reduction_arguments(args, nargs, kwnames, args + nargs, &axis, &keepdims)
            || !PyObject_TypeCheck(args[0], node_type))
        return PyObject_Vectorcall(self->python, args, nargsf, kwnames);
    PyObject *kwargs = reduction_keywords(axis, keepdims);
    if (kwargs == NULL)
        return NULL;
    PyObject *out = reduction(self->prim, args[0], kwargs);
    Py_DECREF(kwargs);
    return out;
}

static PyObject *reduction_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *prim, *python;
    static char *keywords[] = {"prim", "python", NULL};
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "Reduction() after init()");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO", keywords, &prim, &python))
        return NULL;
    Reduction *self = (Reduction *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->vectorcall = reduction_method_call;
    self->prim = keep(prim);
    self->python = keep(python);
    return (PyObject *)self;
}

static int reduction_traverse(Reduction *self, visitproc visit, void *arg) {
    Py_VISIT(self->prim);
    Py_VISIT(self->python);
    return 0;
}

static int reduction_clear(Reduction *self) {
    Py_CLEAR(self->prim);
    Py_CLEAR(self->python);
    return 0;
}

static void reduction_dealloc(Reduction *self) {
    PyObject_GC_UnTrack(self);
    reduction_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *reduction_repr(Reduction *self) {
    return PyUnicode_FromFormat("<reduction method of %R>", self->prim);
}

static PyObject *reduction_python(Reduction *self, void *closure) {
    return keep(self->python);
}

static PyGetSetDef reduction_getset[] = {
    {"python", (getter)reduction_python, NULL, "The Python method.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject reduction_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "steepest_engine.Reduction",
    .tp_doc = "A reduction method of Tensor (x.sum(axis=1)), its short path in C.",
    .tp_basicsize = sizeof(Reduction),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_new = reduction_new,
    .tp_dealloc = (destructor)reduction_dealloc,
    .tp_traverse = (traverseproc)reduction_traverse,
    .tp_clear = (inquiry)reduction_clear,
    .tp_vectorcall_offset = offsetof(Reduction, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = application_get,
    .tp_repr = (reprfunc)reduction_repr,
    .tp_getset = reduction_getset,
};

/* ---- Tensor.__array_ufunc__ and __array_function__: the common calls taken here ---- */

enum { UFUNC, FUNCTION };

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *table, *python;  /* NumPy's function -> primitive; the Python method */
    int kind;
} Protocol;

/* __array_ufunc__(self, ufunc, method, *inputs): a ufunc of DIRECT_UFUNCS called with no
 * keywords is its primitive's application, prim.applied(*inputs).  1: taken (*out, or NULL
 * with an error); 0: declined (Python's method answers). */
static int ufunc_call(Protocol *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames, PyObject **out) {
    *out = NULL;
    if (nargs < 3 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0))
        return 0;
    PyObject *method = args[2];
    if (!PyUnicode_CheckExact(method) || PyUnicode_Compare(method, s_call) != 0)
        return 0;
    PyObject *prim = PyDict_GetItemWithError(self->table, args[1]);
    if (prim == NULL)
        return PyErr_Occurred() ? 1 : 0;
    PyObject *applied = PyObject_GetAttr(prim, s_applied);
    if (applied == NULL)
        return 1;
    *out = PyObject_Vectorcall(applied, args + 3, nargs - 3, NULL);
    Py_DECREF(applied);
    return 1;
}

/* __array_function__(self, func, types, args, kwargs): a reduction of the table called with
 * its array, axis and keepdims alone is the reduction's short path (as ufunc_call). */
static int function_call(Protocol *self, PyObject *const *args, Py_ssize_t nargs,
                         PyObject *kwnames, PyObject **out) {
    *out = NULL;
    if (nargs != 5 || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0))
        return 0;
    PyObject *given = args[3], *options = args[4];
    if (!PyTuple_CheckExact(given) || !PyDict_CheckExact(options) || PyDict_GET_SIZE(options) > 2)
        return 0;
    PyObject *prim = PyDict_GetItemWithError(self->table, args[1]);
    if (prim == NULL)
        return PyErr_Occurred() ? 1 : 0;
    PyObject *names = PyTuple_New(PyDict_GET_SIZE(options)), *values[2], *key, *value;
    if (names == NULL)
        return 1;
    Py_ssize_t position = 0, k = 0;
    while (PyDict_Next(options, &position, &key, &value)) {
        PyTuple_SET_ITEM(names, k, keep(key));
        values[k++] = value;
    }
    PyObject *axis, *keepdims;
    int taken = reduction_arguments(&PyTuple_GET_ITEM(given, 0), PyTuple_GET_SIZE(given), names,
                                    values, &axis, &keepdims);
    if (taken) {
        PyObject *kwargs = reduction_keywords(axis, keepdims);
        if (kwargs != NULL) {
            *out = reduction(prim, PyTuple_GET_ITEM(given, 0), kwargs);
            Py_DECREF(kwargs);
        }
    }
    Py_DECREF(names);
    return taken;
}

static PyObject *protocol_call(PyObject *callable, PyObject *const *args, size_t nargsf,
                               PyObject *kwnames) {
    Protocol *self = (Protocol *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *out;
    int taken = self->kind == UFUNC ? ufunc_call(self, args, nargs, kwnames, &out)
                                    : function_call(self, args, nargs, kwnames, &out);
    return taken ? out : PyObject_Vectorcall(self->python, args, nargsf, kwnames);
}

static PyObject *protocol_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *table, *python;
    const char *kind;
    static char *keywords[] = {"kind", "table", "python", NULL};
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "Protocol() after init()");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "sO!O", keywords, &kind, &PyDict_Type,
                                     &table, &python))
        return NULL;
    int is_ufunc = strcmp(kind, "ufunc") == 0;
    if (!is_ufunc && strcmp(kind, "function") != 0) {
        PyErr_SetString(PyExc_ValueError, "Protocol(kind): 'ufunc' or 'function'");
        return NULL;
    }
    Protocol *self = (Protocol *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->vectorcall = protocol_call;
    self->kind = is_ufunc ? UFUNC : FUNCTION;
    self->table = keep(table);
    self->python = keep(python);
    return (PyObject *)self;
}

static int protocol_traverse(Protocol *self, visitproc visit, void *arg) {
    Py_VISIT(self->table);
    Py_VISIT(self->python);
    return 0;
}

static int protocol_clear(Protocol *self) {
    Py_CLEAR(self->table);
    Py_CLEAR(self->python);
    return 0;
}

static void protocol_dealloc(Protocol *self) {
    PyObject_GC_UnTrack(self);
    protocol_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *protocol_repr(Protocol *self) {
    return PyUnicode_FromFormat("<__array_%s__ in C>", self->kind == UFUNC ? "ufunc" : "function");
}

static PyObject *protocol_python(Protocol *self, void *closure) {
    return keep(self->python);
}

static PyGetSetDef protocol_getset[] = {
    {"python", (getter)protocol_python, NULL, "The Python method.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject protocol_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "steepest_engine.Protocol",
    .tp_doc = "Tensor.__array_ufunc__ or __array_function__, the common calls in C.",
    .tp_basicsize = sizeof(Protocol),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL
                | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_new = protocol_new,
    .tp_dealloc = (destructor)protocol_dealloc,
    .tp_traverse = (traverseproc)protocol_traverse,
    .tp_clear = (inquiry)protocol_clear,
    .tp_vectorcall_offset = offsetof(Protocol, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = application_get,
    .tp_repr = (reprfunc)protocol_repr,
    .tp_getset = protocol_getset,
};

/* ---- Tensor.data: the value, read and written without a Python call ---- */

typedef struct {
    PyObject_HEAD
    PyObject *python;  /* the Python property: the reference, and every other case */
    PyObject *cls;     /* the class whose values are unwrapped (Tensor) */
} Value;

/* x.data: x's value, unwrapped while it is itself a value of cls (nested traces). */
static PyObject *value_get(PyObject *self, PyObject *obj, PyObject *type) {
    Value *v = (Value *)self;
    if (obj == NULL || obj == Py_None)
        return keep(v->python);  /* Tensor.data: the property, as in Python */
    PyObject *value = PyObject_TypeCheck(obj, node_type) ? FIELD(obj, VALUE) : NULL;
    while (value != NULL && PyObject_TypeCheck(value, (PyTypeObject *)v->cls))
        value = FIELD(value, VALUE);
    if (value == NULL)  /* not a node, or a value missing: the property's own answer */
        return Py_TYPE(v->python)->tp_descr_get(v->python, obj, type);
    return keep(value);
}

/* core.mark_written: a leaf written in place takes a fresh sequence number, and so do the
 * leaves whose memory it shares (each named in the one before's _saved). */
static int mark_written(PyObject *node) {
    PyObject *stamp = PyIter_Next(sequence);
    if (stamp == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "the sequence of node numbers ended");
        return -1;
    }
    while (node != Py_None) {
        if (!PyObject_TypeCheck(node, node_type)) {  /* as Python would fail to set _seq */
            Py_DECREF(stamp);
            PyErr_Format(PyExc_AttributeError, "'%.100s' object has no attribute '_seq'",
                         Py_TYPE(node)->tp_name);
            return -1;
        }
        set(node, SEQ, stamp);
        node = get(node, SAVED);
        if (node == NULL) {
            Py_DECREF(stamp);
            return -1;
        }
    }
    Py_DECREF(stamp);
    return 0;
}

/* x.data = value: a float array is kept as it is (x's own array handed back, as
 * ``x.data -= y`` does, marks a leaf written); anything else goes to the property. */
static int value_set(PyObject *self, PyObject *obj, PyObject *value) {
    Value *v = (Value *)self;
    if (value != NULL && Py_TYPE(value) == (PyTypeObject *)array_type
            && PyObject_TypeCheck(obj, node_type) && FIELD(obj, PRIM) != NULL) {
        PyObject *dtype = PyObject_GetAttr(value, s_dtype);
        PyObject *kind = dtype == NULL ? NULL : PyObject_GetAttr(dtype, s_kind);
        Py_XDECREF(dtype);
        if (kind == NULL)
            return -1;
        int floating = PyUnicode_Check(kind) && (PyUnicode_CompareWithASCIIString(kind, "f") == 0
                                                 || PyUnicode_CompareWithASCIIString(kind, "c") == 0);
        Py_DECREF(kind);
        if (floating) {
            if (FIELD(obj, VALUE) == value && FIELD(obj, PRIM) == Py_None
                    && mark_written(obj) < 0)
                return -1;
            set(obj, VALUE, value);
            return 0;
        }
    }
    return Py_TYPE(v->python)->tp_descr_set(v->python, obj, value);
}

static PyObject *value_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    PyObject *python, *cls;
    static char *keywords[] = {"python", "cls", NULL};
    if (!ready) {
        PyErr_SetString(PyExc_RuntimeError, "Value() after init()");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO!", keywords, &python, &PyType_Type, &cls))
        return NULL;
    if (Py_TYPE(python)->tp_descr_get == NULL || Py_TYPE(python)->tp_descr_set == NULL) {
        PyErr_SetString(PyExc_TypeError, "Value(python): a property with a getter and a setter");
        return NULL;
    }
    Value *self = (Value *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->python = keep(python);
    self->cls = keep(cls);
    return (PyObject *)self;
}

static int value_traverse(Value *self, visitproc visit, void *arg) {
    Py_VISIT(self->python);
    Py_VISIT(self->cls);
    return 0;
}

static int value_clear(Value *self) {
    Py_CLEAR(self->python);
    Py_CLEAR(self->cls);
    return 0;
}

static void value_dealloc(Value *self) {
    PyObject_GC_UnTrack(self);
    value_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *value_python(Value *self, void *closure) {
    return keep(self->python);
}

static PyGetSetDef value_getset[] = {
    {"python", (getter)value_python, NULL, "The Python property.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject value_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "steepest_engine.Value",
    .tp_doc = "Tensor.data, read and written in C for its common cases.",
    .tp_basicsize = sizeof(Value),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = value_new,
    .tp_dealloc = (destructor)value_dealloc,
    .tp_traverse = (traverseproc)value_traverse,
    .tp_clear = (inquiry)value_clear,
    .tp_descr_get = value_get,
    .tp_descr_set = value_set,
    .tp_getset = value_getset,
};

/* ---- core.apply, and the general application's reverse-mode case ---- */

#define MAX_GENERAL 8  /* arguments of a general application taken here (linear: 3) */

static int is_plain(PyObject *o) {
    PyTypeObject *t = Py_TYPE(o);
    for (int i = 0; i < plain_count; i++)
        if (t == plain[i])
            return 1;
    return 0;
}

/* core.strip: every Node wrapper removed (borrowed; NULL where a value is missing). */
static PyObject *stripped(PyObject *value) {
    while (value != NULL && PyObject_TypeCheck(value, node_type))
        value = FIELD(value, VALUE);
    return value;
}

/* The arguments as core._apply_general reads them, when its reverse-mode case applies: the
 * traced ones all on one open reverse trace (*top), the others constants (a Node of no trace
 * or of a finished one, stripped) or plain values.  1: raw[] (borrowed), traced[] and
 * *count set; 0: another case; -1: an error. */
static int general_arguments(PyObject *prim, PyObject *args, PyObject **raw,
                             Py_ssize_t *traced, Py_ssize_t *count, PyObject **top) {
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    *top = NULL;
    *count = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a = PyTuple_GET_ITEM(args, i);
        if (PyObject_TypeCheck(a, node_type)) {
            PyObject *trace = FIELD(a, TRACE);
            if (trace == NULL)
                return 0;
            PyObject *done = trace == Py_None ? Py_True
                : PyObject_TypeCheck(trace, trace_type) ? TRACE_FIELD(trace, DONE) : NULL;
            if (done == Py_True) {
                raw[i] = stripped(a);
            } else if (done == Py_False && (*top == NULL || *top == trace)) {
                *top = trace;
                raw[i] = FIELD(a, VALUE);
                traced[(*count)++] = i;
            } else {
                return 0;  /* another open trace (nested transforms), or no Trace */
            }
            if (raw[i] == NULL)
                return 0;
        } else if (Py_TYPE(a) == (PyTypeObject *)array_type) {
            int plain_array = plain_operand(a);  /* an object array is gathered first */
            if (plain_array <= 0)
                return plain_array;
            raw[i] = a;
        } else if (is_plain(a)) {
            raw[i] = a;
        } else {
            return 0;  /* converted first (a matrix, a list...) */
        }
    }
    if (*top == NULL || !short_trace(*top))
        return 0;
    PyObject *allowed = PyObject_GetAttr(prim, s_differentiable_args);
    if (allowed == NULL)
        return -1;
    if (allowed != Py_None) {
        Py_ssize_t kept = 0;
        for (Py_ssize_t j = 0; j < *count; j++) {
            PyObject *position = PyLong_FromSsize_t(traced[j]);
            int in = position == NULL ? -1 : PySequence_Contains(allowed, position);
            Py_XDECREF(position);
            if (in < 0) {
                Py_DECREF(allowed);
                return -1;
            }
            if (in)
                traced[kept++] = traced[j];
        }
        *count = kept;
    }
    Py_DECREF(allowed);
    return *count > 0;
}

/* The node of prim on args, recorded with (raw arguments, kwargs) for its vjp. */
static PyObject *general_node(PyObject *prim, PyObject *args, PyObject *kwargs, PyObject **raw,
                              Py_ssize_t *traced, Py_ssize_t count, PyObject *top) {
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *arguments = PyTuple_New(n), *forward = PyObject_GetAttr(prim, s_forward);
    PyObject *value = NULL, *parents = NULL, *argnums = NULL, *values = NULL, *saved = NULL;
    PyObject *out = NULL;
    if (arguments == NULL || forward == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < n; i++)
        PyTuple_SET_ITEM(arguments, i, keep(raw[i]));  /* held while the forward runs */
    Py_INCREF(top);
    value = PyObject_Call(forward, arguments, PyDict_GET_SIZE(kwargs) ? kwargs : NULL);
    parents = PyTuple_New(count);
    argnums = PyTuple_New(count);
    if (value == NULL || parents == NULL || argnums == NULL)
        goto release;
    for (Py_ssize_t j = 0; j < count; j++) {
        PyObject *position = PyLong_FromSsize_t(traced[j]);
        if (position == NULL)
            goto release;
        PyTuple_SET_ITEM(argnums, j, position);
        PyTuple_SET_ITEM(parents, j, keep(PyTuple_GET_ITEM(args, traced[j])));
    }
    values = PySequence_List(arguments);
    saved = values == NULL ? NULL : PyTuple_Pack(2, values, kwargs);
    if (saved == NULL)
        goto release;
    out = made_node(result_class(Py_TYPE(PyTuple_GET_ITEM(args, traced[0]))), value, top, prim,
                    parents, argnums, saved);
    if (out == NULL)
        goto release;
    int large = large_value(value);
    if (large < 0 || on_tape(top, out, large) < 0)
        goto fail;
    PyObject *log = TRACE_FIELD(top, INPUTS_LOG);
    if (log != NULL && log != Py_None) {
        /* The constants as they were; a parent's place is None (its node has the value). */
        PyObject *logged = PySequence_List(arguments), *key = NULL;
        int stored = -1;
        if (logged != NULL) {
            for (Py_ssize_t j = 0; j < count; j++)
                PyList_SetItem(logged, traced[j], keep(Py_None));
            key = PyLong_FromVoidPtr(out);
            stored = key == NULL ? -1 : PyDict_SetItem(log, key, logged);
        }
        Py_XDECREF(key);
        Py_XDECREF(logged);
        if (stored < 0)
            goto fail;
    }
    goto release;
fail:
    Py_CLEAR(out);
release:
    Py_DECREF(top);
done:
    Py_XDECREF(arguments);
    Py_XDECREF(forward);
    Py_XDECREF(value);
    Py_XDECREF(parents);
    Py_XDECREF(argnums);
    Py_XDECREF(values);
    Py_XDECREF(saved);
    return out;
}

/* core._apply_general(prim, args, kwargs): the reverse-mode case of a primitive with a vjp
 * here, everything else (forward mode, no_grad, nested traces, gathering) in Python. */
static PyObject *general(PyObject *prim, PyObject *args, PyObject *kwargs) {
    PyObject *raw[MAX_GENERAL];
    Py_ssize_t traced[MAX_GENERAL], count;
    PyObject *top;
    int taken = 0;
    if (grad_on() && PyDict_CheckExact(kwargs) && PyTuple_GET_SIZE(args) <= MAX_GENERAL) {
        PyObject *partials = PyObject_GetAttr(prim, s_partials);
        if (partials == NULL)
            return NULL;
        int has_vjp = partials == Py_None;
        Py_DECREF(partials);
        taken = has_vjp ? general_arguments(prim, args, raw, traced, &count, &top) : 0;
    }
    if (taken < 0)
        return NULL;
    if (taken)
        return general_node(prim, args, kwargs, raw, traced, count, top);
    PyObject *function = helper(s_apply_general);
    return function == NULL ? NULL
                            : PyObject_CallFunctionObjArgs(function, prim, args, kwargs, NULL);
}

/* prim.applied(*args) */
static PyObject *applied(PyObject *prim, PyObject *const *args, Py_ssize_t nargs) {
    PyObject *application = PyObject_GetAttr(prim, s_applied);
    if (application == NULL)
        return NULL;
    PyObject *out = PyObject_Vectorcall(application, args, nargs, NULL);
    Py_DECREF(application);
    return out;
}

/* core.apply(prim, args, kwargs), args a tuple: an elementwise primitive on one or two
 * arguments, one of them traced, is its application; anything else the general one. */
static PyObject *apply(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!ready || nargs != 3 || !PyTuple_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "apply(prim, args: tuple, kwargs) after init()");
        return NULL;
    }
    PyObject *prim = args[0], *arguments = args[1], *kwargs = args[2];
    Py_ssize_t n = PyTuple_GET_SIZE(arguments);
    if (n == 1 || n == 2) {
        int some = PyObject_IsTrue(kwargs);
        if (some < 0)
            return NULL;
        PyObject *a = PyTuple_GET_ITEM(arguments, 0), *b = n == 2 ? PyTuple_GET_ITEM(arguments, 1)
                                                                  : NULL;
        int traced = PyObject_TypeCheck(a, node_type)
                     || (b != NULL && PyObject_TypeCheck(b, node_type));
        if (!some && traced) {
            PyObject *partials = PyObject_GetAttr(prim, s_partials);
            if (partials == NULL)
                return NULL;
            int elementwise = partials != Py_None;
            Py_DECREF(partials);
            if (elementwise)
                return applied(prim, &PyTuple_GET_ITEM(arguments, 0), n);
        }
    }
    return general(prim, arguments, kwargs);
}

/* ---- set-up ---- */

static int offset_of(PyObject *cls, const char *name, Py_ssize_t *out) {
    PyObject *descriptor = PyObject_GetAttrString(cls, name);
    if (descriptor == NULL)
        return -1;
    int ok = Py_IS_TYPE(descriptor, &PyMemberDescr_Type);
    if (ok) {
        PyMemberDef *member = ((PyMemberDescrObject *)descriptor)->d_member;
        ok = member->type == T_OBJECT_EX;
        *out = member->offset;
    }
    Py_DECREF(descriptor);
    if (!ok)
        PyErr_Format(PyExc_TypeError, "%s is not a slot", name);
    return ok ? 0 : -1;
}

/* names[key], a new reference, checked to be a type when asked. */
static PyObject *named(PyObject *names, const char *key, int is_type) {
    PyObject *value = PyDict_GetItemString(names, key);
    if (value == NULL) {
        PyErr_Format(PyExc_KeyError, "init() needs %s", key);
        return NULL;
    }
    if (is_type && !PyType_Check(value)) {
        PyErr_Format(PyExc_TypeError, "init(): %s is not a class", key);
        return NULL;
    }
    return keep(value);
}

static PyObject *intern(const char *text) {
    return PyUnicode_InternFromString(text);
}

/* The classes among types (a collection), kept in into[], at most `most` of them. */
static int type_list(PyObject *types, PyTypeObject **into, int most, int *count) {
    PyObject *items = PySequence_Tuple(types);
    if (items == NULL)
        return -1;
    *count = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items) && *count < most; i++) {
        PyObject *t = PyTuple_GET_ITEM(items, i);
        if (PyType_Check(t))
            into[(*count)++] = (PyTypeObject *)keep(t);
    }
    Py_DECREF(items);
    return 0;
}

static PyObject *init(PyObject *module, PyObject *names) {
    if (ready) {
        PyErr_SetString(PyExc_RuntimeError, "init() is called once");
        return NULL;
    }
    if (!PyDict_Check(names)) {
        PyErr_SetString(PyExc_TypeError, "init() takes a dict of the engine's names");
        return NULL;
    }
    PyObject **targets[] = {(PyObject **)&node_type, (PyObject **)&trace_type, &later_type,
                            &array_type, &one, &minus_one, &sequence_key, &shape_of,
                            &grad_enabled, &reverse, &sequence, &first, &second, &both,
                            &namespace};
    const char *keys[] = {"Node", "Trace", "Later", "ndarray", "ONE", "MINUS_ONE",
                          "sequence_key", "shape", "grad_enabled", "REVERSE", "sequence",
                          "FIRST", "SECOND", "BOTH", "namespace"};
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        if ((*targets[k] = named(names, keys[k], k < 4)) == NULL)
            return NULL;
    if (!PyList_Check(grad_enabled) || !PyIter_Check(sequence) || !PyDict_Check(namespace) || !PyTuple_Check(first)
            || !PyTuple_Check(second) || !PyTuple_Check(both)) {
        PyErr_SetString(PyExc_TypeError, "init(): a name of the wrong kind");
        return NULL;
    }
    for (int f = 0; f < FIELDS; f++)
        if (offset_of((PyObject *)node_type, field_names[f], &offsets[f]) < 0)
            return NULL;
    for (int f = 0; f < TRACE_FIELDS; f++)
        if (offset_of((PyObject *)trace_type, trace_field_names[f], &trace_offsets[f]) < 0)
            return NULL;
    PyObject *limit = PyDict_GetItemString(names, "RELEASE_AT"), *scalars;
    if (limit == NULL || (release_at = PyLong_AsSsize_t(limit)) < 0
            || (scalars = PyDict_GetItemString(names, "numbers")) == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_KeyError, "init() needs RELEASE_AT and numbers");
        return NULL;
    }
    if (type_list(scalars, numbers, MAX_NUMBERS, &number_count) < 0)
        return NULL;
    PyObject *plain_types = PyDict_GetItemString(names, "plain");
    if (plain_types == NULL) {
        PyErr_SetString(PyExc_KeyError, "init() needs plain");
        return NULL;
    }
    if (type_list(plain_types, plain, MAX_PLAIN, &plain_count) < 0)
        return NULL;
    PyObject **strings[] = {&s_partials, &s_times, &s_vjp, &s_shape, &s_key, &s_sort, &s_short,
                            &s_dtype, &s_hasobject, &s_size, &s_dict, &s_unbroadcast,
                            &s_accumulate, &s_computed_for_good, &s_large_locals,
                            &s_watch_large_value, &s_axis, &s_keepdims, &s_call, &s_applied,
                            &s_forward, &s_short_reduction, &s_differentiable_args,
                            &s_apply_reduction, &s_apply_general, &s_kind, &s_result_class};
    const char *texts[] = {"partials", "times", "vjp", "shape", "key", "sort", "short",
                           "dtype", "hasobject", "size", "__dict__", "unbroadcast",
                           "_accumulate", "_computed_for_good", "large_locals",
                           "watch_large_value", "axis", "keepdims", "__call__", "applied",
                           "forward", "short_reduction", "differentiable_args",
                           "apply_reduction", "_apply_general", "kind", "_result_class"};
    for (size_t k = 0; k < sizeof(texts) / sizeof(texts[0]); k++)
        if ((*strings[k] = intern(texts[k])) == NULL)
            return NULL;
    ready = 1;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)init, METH_O, "Take the engine's names, once."},
    {"sweep", (PyCFunction)(void (*)(void))sweep, METH_FASTCALL, "core.sweep, in C."},
    {"topological_order", (PyCFunction)(void (*)(void))topological_order, METH_FASTCALL,
     "core.topological_order, in C."},
    {"apply", (PyCFunction)(void (*)(void))apply, METH_FASTCALL, "core.apply, in C."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "steepest_engine", "steepest's eager path in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_steepest_engine(void) {
    PyTypeObject *types[] = {&application_type, &reduction_type, &protocol_type, &value_type};
    const char *type_names[] = {"Application", "Reduction", "Protocol", "Value"};
    for (int k = 0; k < 4; k++)
        if (PyType_Ready(types[k]) < 0)
            return NULL;
    PyObject *module = PyModule_Create(&definition);
    if (module == NULL)
        return NULL;
    for (int k = 0; k < 4; k++) {
        Py_INCREF(types[k]);
        if (PyModule_AddObject(module, type_names[k], (PyObject *)types[k]) < 0) {
            Py_DECREF(types[k]);
            Py_DECREF(module);
            return NULL;
        }
    }
    return module;
}
