#pragma once
// Runs a program of this build on P processes through mpiexec, as chapter 10's tests need, and
// returns its exit status and everything it printed. As root (CI) Open MPI needs its two
// allow-run-as-root variables; more processes than cores need --oversubscribe; each process runs
// one OpenMP thread. A run that has not finished after `timeout_s` is killed: a hang fails, with
// status 124 and a sentence saying so after the output, instead of holding ctest up.

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace dl::testing {

struct Launched {
    int status = -1;      // the exit status (124: timed out)
    std::string output;   // stdout and stderr, interleaved
};

inline Launched mpi_launch(int processes, const std::string& program, const std::string& args, int timeout_s = 30) {
    const std::string command =
        "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=0 "
        "timeout -k 5 " + std::to_string(timeout_s) + " " DLFS_MPIEXEC " --oversubscribe -np " +
        std::to_string(processes) + " " DLFS_BINARY_DIR "/bin/" + program + " " + args + " 2>&1";
    Launched r;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    std::array<char, 4096> buffer{};
    for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) r.output.append(buffer.data(), n);
    const int raw = pclose(pipe);
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    if (r.status == 124)
        r.output += "\n[stopped after " + std::to_string(timeout_s) +
                    " s: the processes were waiting for each other, a deadlock. The last line above says where. "
                    "Did one rank skip a call that the others made, or send round the ring with MPI_Send then "
                    "MPI_Recv (MPI_Sendrecv does both at once)?]";
    return r;
}

// The last `lines` lines of a run's output, as a terminal would have shown them: a line redrawn with
// '\r' keeps its last state, and the "erase line" escapes go.
inline std::string tail(const std::string& output, std::size_t lines = 25) {
    std::vector<std::string> kept;
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        if (end == std::string::npos) end = output.size();
        std::string line = output.substr(start, end - start);
        if (const auto cr = line.find_last_of('\r'); cr != std::string::npos) line = line.substr(cr + 1);
        for (std::size_t e; (e = line.find("\033[K")) != std::string::npos;) line.erase(e, 3);
        kept.push_back(line);
        start = end + 1;
    }
    const std::size_t first = kept.size() > lines ? kept.size() - lines : 0;
    std::string out;
    for (std::size_t i = first; i < kept.size(); ++i) out += kept[i] + "\n";
    return out;
}

// mpi_checks CHECK ARG on P processes (tests/ch10_distributed/worker/mpi_checks.cpp): "" when every
// rank passed, else what the processes printed, headed by how many there were.
inline std::string mpi_check_failure(int processes, const std::string& check, const std::string& arg = "") {
    const Launched r = mpi_launch(processes, "ch10_mpi_checks", check + " " + arg);
    if (r.status == 0 && r.output.find("PASS") != std::string::npos) return "";
    return "on " + std::to_string(processes) + " process(es), exit " + std::to_string(r.status) + ":\n" + r.output;
}

}  // namespace dl::testing
