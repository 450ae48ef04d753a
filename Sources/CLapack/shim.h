#ifndef SCENGINE_CLAPACK_SHIM_H
#define SCENGINE_CLAPACK_SHIM_H
// CBLAS and LAPACKE as shipped by Debian (libopenblas-dev, liblapacke-dev): the reference the
// tests compare the engine's own products, Cholesky factor and eigensolver with.
#include <cblas.h>
#include <lapacke.h>
#endif
