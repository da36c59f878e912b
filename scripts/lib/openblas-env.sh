# Sourced (not run) by every script that times OpenBLAS or PyTorch beside our kernels:
#   . scripts/lib/openblas-env.sh
# The vendor row must be the real ceiling. This machine's environment may pin OpenBLAS's kernel
# (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE): drop the pin, and on a CPU too new for this OpenBLAS
# (which then falls back to its generic SSE3 kernel) name the newest kernel family the CPU runs.
# Prints which, on stderr. CI runs its benchmarks with the environment untouched, so it does not
# source this.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=SkylakeX
elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE=Haswell; fi
[ -n "${OPENBLAS_CORETYPE:-}" ] && echo "OpenBLAS kernels: $OPENBLAS_CORETYPE" >&2
true
