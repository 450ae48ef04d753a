#ifndef SCENGINE_CLAPACK_SHIM_H
#define SCENGINE_CLAPACK_SHIM_H
// CBLAS and LAPACKE as shipped by Debian (libopenblas-dev, liblapacke-dev).
#include <cblas.h>
#include <lapacke.h>
#endif
