#include "bench.hpp"

#include "dl/cuda/buffer.hpp"
#include "dl/cuda/device.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

namespace dl::cuda::bench {

Bench::Bench(bool quick) : quick_(quick) {
    DL_CUDA_CHECK(cudaEventCreate(&start_));
    DL_CUDA_CHECK(cudaEventCreate(&stop_));
}

Bench::~Bench() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
}

double Bench::time_ms(const std::function<void()>& launch) {
    auto once = [&] {
        DL_CUDA_CHECK(cudaEventRecord(start_));
        launch();
        DL_CUDA_CHECK(cudaEventRecord(stop_));
        DL_CUDA_CHECK(cudaEventSynchronize(stop_));
        float ms = 0.0f;
        DL_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
        return static_cast<double>(ms);
    };
    const double first = once();   // warm-up: module load, caches, clocks
    const int reps = std::clamp(static_cast<int>(200.0 / std::max(first, 1e-3)), 3, quick_ ? 5 : 50);
    std::vector<double> times(static_cast<std::size_t>(reps));
    for (auto& t : times) t = once();
    std::nth_element(times.begin(), times.begin() + reps / 2, times.end());
    return times[static_cast<std::size_t>(reps / 2)];
}

double Bench::copy_gbps() {
    if (copy_gbps_ == 0.0) {
        const std::size_t n = (std::size_t{1} << 30) / sizeof(float);
        DeviceBuffer<float> a(n), b(n);
        DL_CUDA_CHECK(cudaMemset(a.data(), 0x3F, a.bytes()));   // not zeros (never time zeros)
        const double ms =
            time_ms([&] { DL_CUDA_CHECK(cudaMemcpy(b.data(), a.data(), a.bytes(), cudaMemcpyDeviceToDevice)); });
        copy_gbps_ = 2.0 * static_cast<double>(a.bytes()) / (ms * 1e6);
        std::printf("copy bandwidth: %.0f GB/s (1 GiB device to device, read + write)\n", copy_gbps_);
    }
    return copy_gbps_;
}

std::vector<float> random_inputs(std::size_t n, Rng& rng, double lo, double hi) {
    std::vector<float> x(n);
    for (auto& v : x) v = static_cast<float>(rng.uniform(lo, hi));
    return x;
}

double relative_error(const std::vector<float>& got, const std::vector<float>& ref) {
    DL_CHECK(got.size() == ref.size(), "relative_error of " << got.size() << " and " << ref.size() << " elements");
    double diff2 = 0.0, ref2 = 0.0;
    for (std::size_t i = 0; i < got.size(); ++i) {
        const double d = static_cast<double>(got[i]) - static_cast<double>(ref[i]);
        diff2 += d * d;
        ref2 += static_cast<double>(ref[i]) * static_cast<double>(ref[i]);
    }
    return std::sqrt(diff2 / ref2);
}

void Bench::add(Row row) {
    std::printf("  %-10s %-22s %-16s %9.3f ms", row.kernel.c_str(), row.variant.c_str(), "", row.ms);
    if (row.flops > 0) std::printf(" %9.0f GFLOP/s", row.flops / (row.ms * 1e6));
    if (row.bytes > 0) std::printf(" %7.0f GB/s", row.bytes / (row.ms * 1e6));
    std::printf("\n");
    std::fflush(stdout);
    rows_.push_back(std::move(row));
}

namespace {
std::string size_string(const std::vector<long>& sizes) {
    std::string s;
    for (long v : sizes) {
        if (!s.empty()) s += 'x';
        s += std::to_string(v);
    }
    return s;
}
}  // namespace

void Bench::print_table() const {
    std::printf("\n%-10s %-22s %-16s %10s %10s %8s %s\n", "kernel", "variant", "size", "ms", "GFLOP/s", "GB/s",
                "ratio");
    for (const Row& r : rows_) {
        char flops[32] = "-", bytes[32] = "-", ratio[64] = "";
        if (r.flops > 0) std::snprintf(flops, sizeof flops, "%.0f", r.flops / (r.ms * 1e6));
        if (r.bytes > 0) std::snprintf(bytes, sizeof bytes, "%.0f", r.bytes / (r.ms * 1e6));
        if (r.ratio > 0) std::snprintf(ratio, sizeof ratio, "%.2f %s", r.ratio, r.ratio_of.c_str());
        std::printf("%-10s %-22s %-16s %10.3f %10s %8s %s\n", r.kernel.c_str(), r.variant.c_str(),
                    size_string(r.sizes).c_str(), r.ms, flops, bytes, ratio);
    }
}

void Bench::write_json(const std::string& path) const {
    std::ostringstream out;
    const std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", std::gmtime(&now));
    out << "{\n  \"context\": {\"date\": \"" << date << "\", \"device\": \"" << device_description()
        << "\", \"copy_gbps\": " << copy_gbps_ << ", \"dlfs_metric\": \"flops\"},\n  \"benchmarks\": [";
    for (std::size_t i = 0; i < rows_.size(); ++i) {
        const Row& r = rows_[i];
        out << (i ? ",\n" : "\n") << "    {\"name\": \"BM_cuda_" << r.kernel << '/' << r.variant;
        for (long v : r.sizes) out << '/' << v;
        out << "/threads:1\", \"run_type\": \"iteration\", \"iterations\": 1, \"real_time\": " << r.ms * 1e6
            << ", \"cpu_time\": " << r.ms * 1e6 << ", \"time_unit\": \"ns\"";
        if (r.flops > 0) out << ", \"FLOPS\": " << r.flops / (r.ms * 1e-3);
        if (r.bytes > 0) out << ", \"BYTES\": " << r.bytes / (r.ms * 1e-3);
        if (r.ratio > 0) out << ", \"ratio\": " << r.ratio << ", \"ratio_of\": \"" << r.ratio_of << '"';
        out << '}';
    }
    out << "\n  ]\n}\n";
    std::ofstream file(path);
    file << out.str();
    DL_CHECK(file.good(), "cannot write " << path);
}

}  // namespace dl::cuda::bench
