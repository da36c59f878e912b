#pragma once
// Writing a run's outputs so that nothing a user had is lost:
//
//   write_file_atomically   a whole file (summary.json, a checkpoint): all of it or none of it
//   PendingFile             a file written as the run goes (metrics.csv, samples.txt): it takes its
//                           real name only when the run ends well

#include <filesystem>
#include <fstream>
#include <string>

namespace dl::util {

// Writes `text` to `path` atomically: a temporary file of this process's own beside it, written,
// flushed to the disk (fsync), then renamed over `path`, and the directory flushed, so a crash or
// a full disk never leaves a half-written file where a good one was. Creates the parent
// directories. On failure the temporary file is removed and the error says what and why.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

// The whole of a file a run reads (a checkpoint, a safetensors file), refused with DataError when
// it is missing, a directory, or not a regular file (a pipe would block forever and a device such
// as /dev/zero would fill the memory); `what` names the file's kind in the message, `hint` (if
// any) says what such a file is.
std::string read_whole_file(const std::filesystem::path& path, const std::string& what, const std::string& hint = "");

// Throws naming `what` (an option such as --out or --save) when `dir` cannot be created or
// written to: the check a run makes before it trains, so a bad output path costs no training.
void check_writable_directory(const std::filesystem::path& dir, const std::string& what);

// A run's hold on its output directory. Two runs writing one --out would interleave their
// metrics.csv and overwrite each other's summary: the first takes a lock on <dir>/.dlfs-lock
// (flock, released by the kernel however the process ends), which holds its process id, and a
// second is refused with UsageError naming it. Held until destroyed. The same process may take it
// again (the second hold is a no-op).
class DirectoryLock {
public:
    explicit DirectoryLock(const std::filesystem::path& dir);
    // The same hold on one file that runs write in turns, a checkpoint of --save (`option`): two
    // runs saving to one file would each replace the other's state. The lock is the hidden file
    // .<name>.dlfs-lock beside it.
    DirectoryLock(const std::filesystem::path& file, const std::string& option);
    ~DirectoryLock();
    DirectoryLock(const DirectoryLock&) = delete;
    DirectoryLock& operator=(const DirectoryLock&) = delete;

private:
    // Takes the lock at `lock_file`; `held` names what is held in messages ("--out runs/x").
    void take(const std::filesystem::path& lock_file, const std::string& held, const std::string& option);
    int fd_ = -1;
};

// A file a run appends to as it goes. The text goes to "<path>.partial"; when the PendingFile is
// destroyed after a run that ended without an error, that file is renamed to `path`. A run that
// is refused or fails (or is interrupted) leaves an earlier run's file whole, beside that run's
// summary.json, and its own lines in <path>.partial. Every write is checked (a full disk is an
// error, not a silently short file).
class PendingFile {
public:
    // Checks the directory can be written (creating it), and opens nothing yet.
    explicit PendingFile(std::filesystem::path path);
    ~PendingFile();
    PendingFile(const PendingFile&) = delete;
    PendingFile& operator=(const PendingFile&) = delete;

    // Appends and flushes; the first call truncates <path>.partial.
    void write(const std::string& text);
    bool empty() const { return !out_.is_open(); }
    const std::filesystem::path& path() const { return path_; }
    // Moves <path>.partial to `path` now (the destructor does it when the run ends well).
    void commit();

private:
    std::filesystem::path path_, partial_;
    std::ofstream out_;
    int exceptions_at_start_;
};

}  // namespace dl::util
