#include "dl/util/files.hpp"

#include "dl/error.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <iterator>

namespace dl::util {

namespace fs = std::filesystem;

namespace {

void create_parent(const fs::path& path) {
    if (!path.has_parent_path()) return;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec || !fs::is_directory(path.parent_path()))
        DL_THROW(Error, "cannot write " << path.string() << ": cannot make the directory " << path.parent_path().string()
                                        << " (" << (ec ? ec.message() : "a file of that name is in the way") << ")");
}

}  // namespace

void write_file_atomically(const fs::path& path, const std::string& text) {
    create_parent(path);
    // A name of this process's own: two runs writing the same file never share a temporary.
    static std::atomic<unsigned> counter{0};
    const fs::path tmp = path.string() + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        DL_THROW(Error, "cannot write " << path.string() << ": " << std::strerror(errno)
                                        << " (check the directory exists and is writable)");
    auto fail = [&](const char* doing) {
        const int error = errno;
        ::close(fd);
        std::error_code ignored;
        fs::remove(tmp, ignored);
        DL_THROW(Error, "writing " << path.string() << " failed while " << doing << ": " << std::strerror(error)
                                   << " (the previous file, if any, is as it was)");
    };
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("writing");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("flushing it to the disk");
    if (::close(fd) != 0) {
        const int error = errno;
        std::error_code ignored;
        fs::remove(tmp, ignored);
        DL_THROW(Error, "writing " << path.string() << " failed while closing it: " << std::strerror(error));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove(tmp, ignored);
        DL_THROW(Error, "cannot put " << path.string() << " in place: " << ec.message());
    }
    // The rename is durable once the directory is on the disk too.
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::string read_whole_file(const std::filesystem::path& path, const std::string& what, const std::string& hint) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found)
        DL_THROW(DataError, "cannot open the " << what << ' ' << path.string() << ": no such file (check the path)");
    if (std::filesystem::is_directory(status)) DL_THROW(DataError, path.string() << " is a directory, not a " << what);
    if (!ec && !std::filesystem::is_regular_file(status))
        DL_THROW(DataError, path.string() << " is not a regular file (a device or a pipe?)" << (hint.empty() ? "" : ": ")
                                          << hint);
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        DL_THROW(DataError, "cannot open the " << what << ' ' << path.string() << ": "
                                               << (errno != 0 ? std::strerror(errno) : "unreadable"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void check_writable_directory(const fs::path& dir, const std::string& what) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        DL_THROW(UsageError, what << " " << dir.string() << ": cannot make this directory ("
                                  << (ec ? ec.message() : "a file of that name is in the way") << ")");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        DL_THROW(UsageError, what << " " << dir.string() << ": cannot write there (" << std::strerror(errno) << ")");
}

DirectoryLock::DirectoryLock(const fs::path& dir) {
    std::error_code ignored;
    fs::create_directories(dir, ignored);
    take(dir / ".dlfs-lock", "--out " + dir.string(), "--out");
}

DirectoryLock::DirectoryLock(const fs::path& file, const std::string& option) {
    const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
    std::error_code ignored;
    fs::create_directories(dir, ignored);
    std::string lock_name = ".";   // appended, not "." + name: GCC 12 warns falsely about the latter (-Wrestrict)
    lock_name.append(file.filename().string()).append(".dlfs-lock");
    take(dir / lock_name, option + " " + file.string(), option);
}

void DirectoryLock::take(const fs::path& lock_file, const std::string& held, const std::string& option) {
    const std::string path = lock_file.string();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) DL_THROW(UsageError, held << ": cannot write there (" << std::strerror(errno) << ")");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char text[32] = {};
        const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
        ::close(fd);
        const long pid = n > 0 ? std::atol(text) : 0;
        if (pid == static_cast<long>(::getpid())) return;   // this process holds it already
        DL_THROW(UsageError, held << " is in use by another run (process " << pid << "): wait for it to finish, or give another "
                                  << option);
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        const int error = errno;
        ::close(fd);
        DL_THROW(UsageError, held << ": cannot write there (" << std::strerror(error) << ")");
    }
    fd_ = fd;
}

DirectoryLock::~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);   // closing releases the lock; the file stays (another run may hold it now)
}

PendingFile::PendingFile(fs::path path)
    : path_(std::move(path)), partial_(path_.string() + ".partial"), exceptions_at_start_(std::uncaught_exceptions()) {
    create_parent(path_);
    const fs::path dir = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        DL_THROW(Error, "cannot write " << path_.string() << ": " << std::strerror(errno)
                                        << " (check --out names a writable directory)");
    // Checked now: at the end of a run the file could not take its place, and the run is over.
    std::error_code ec;
    if (fs::is_directory(path_, ec) || fs::is_directory(partial_, ec))
        DL_THROW(Error, "cannot write " << path_.string() << ": a directory has that name (move it, or choose another --out)");
}

void PendingFile::write(const std::string& text) {
    if (!out_.is_open()) {
        out_.open(partial_, std::ios::binary | std::ios::trunc);
        DL_CHECK(out_.good(), "cannot write " << partial_.string() << ": check --out names a writable directory");
    }
    out_ << text << std::flush;
    DL_CHECK(out_.good(), "writing " << partial_.string() << " failed (disk full?)");
}

void PendingFile::commit() {
    if (!out_.is_open()) return;
    out_.close();
    DL_CHECK(!out_.fail(), "writing " << partial_.string() << " failed (disk full?)");
    std::error_code ec;
    fs::rename(partial_, path_, ec);
    DL_CHECK(!ec, "cannot put " << path_.string() << " in place: " << ec.message());
}

PendingFile::~PendingFile() {
    // Only a run that ended well replaces the earlier run's file.
    if (std::uncaught_exceptions() > exceptions_at_start_) return;
    try {
        commit();
    } catch (const std::exception& e) {   // a destructor must not throw; the .partial file stays
        std::cerr << "error: " << e.what() << '\n';
    }
}

}  // namespace dl::util
