/*
 * Shared by the compiled kernels (included after Python.h): the length check of an argument that comes in through
 * the buffer protocol, with an error that names the argument.
 */
#ifndef TRACKBENCH_BUFFER_ARGS_H
#define TRACKBENCH_BUFFER_ARGS_H

static int check_len(Py_buffer *b, Py_ssize_t itemsize, Py_ssize_t n, const char *name)
{
    if (b->len != n * itemsize) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items of %zd bytes, got %zd bytes", name, n, itemsize,
                     b->len);
        return -1;
    }
    return 0;
}

#endif
