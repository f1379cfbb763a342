// write_file_atomically: whole files or nothing, and never a device or pipe replaced by a file.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "core/atomic_file.h"
#include "temp_tree.h"

using namespace qg;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("atomic write: a FIFO is written in place, not replaced") {
  test::TempTree t;
  const auto fifo = t / "out.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  write_file_atomically(fifo, "report\n");
  reader.join();
  CHECK(got == "report\n");
  struct stat st {};
  REQUIRE(::lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
}

TEST_CASE("atomic write: through a symlink the target is replaced and the link stays") {
  test::TempTree t;
  std::ofstream(t / "real.json") << "old";
  std::filesystem::create_symlink("real.json", t / "link.json");
  write_file_atomically(t / "link.json", "new");
  CHECK(std::filesystem::is_symlink(t / "link.json"));
  CHECK(slurp(t / "real.json") == "new");
  write_file_atomically(t / "plain.txt", "x");
  CHECK(slurp(t / "plain.txt") == "x");
}
