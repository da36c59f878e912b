# Sourced by ./dlfs and scripts/bench: how chapter 10's programs start on P processes of this machine.
#   mpi_launcher P   sets the array `mpi` to the mpirun command line that starts P processes:
#                    --oversubscribe when P is more than the cores, and Open MPI's two variables
#                    that let it run as root (a container's usual user; mpirun refuses without them).
mpi_launcher() {
    local p="$1"
    [[ "$p" =~ ^[1-9][0-9]*$ ]] || die "--processes must be a whole number of at least 1, got '$p'"
    command -v mpirun >/dev/null ||
        die "mpirun not found: chapter 10 needs Open MPI (scripts/setup installs openmpi-bin and libopenmpi-dev)"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    mpi=(mpirun -np "$p")
    if [ "$p" -gt "$(nproc)" ]; then mpi+=(--oversubscribe); fi
}

# take_processes ARGS...: removes --processes P (or --processes=P) from the arguments, leaving them
# in `args` and P in `processes` (empty when not given).
take_processes() {
    processes=""; args=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --processes) [ $# -ge 2 ] || die "--processes needs a number"; processes="$2"; shift ;;
            --processes=*) processes="${1#--processes=}" ;;
            *) args+=("$1") ;;
        esac
        shift
    done
}
