// Zstandard (Debian's libzstd-dev): the compression of Parquet pages.
#include <zstd.h>
