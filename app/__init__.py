"""citedb: an evidence citation database for health and fitness claims."""

import os

# numpy's BLAS would start a thread per core for every product; the products here are small
# (one sentence at a time) and the server already runs requests side by side, so extra threads
# only fight over the cores: measured, one sentence took ~40 ms with one thread and ~640 ms with
# a thread per core on a busy two-core machine. Set before anything imports numpy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
