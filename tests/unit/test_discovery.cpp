// Discovery on real trees: gitignore, excludes, vendored reporting, symlinks, named paths, dedupe.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "core/config.h"
#include "core/discovery.h"
#include "temp_tree.h"
#include "unprivileged.h"

namespace fs = std::filesystem;
using qg::DiscoveryOptions;
using qg::DiscoveryResult;
using qg::test::TempTree;

namespace {

DiscoveryOptions options_for(const TempTree& t) {
  DiscoveryOptions o;
  o.root = t.root();
  o.paths = {t.root()};
  o.exclude = qg::default_excludes();
  return o;
}

std::vector<std::string> relatives(const DiscoveryResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.files) out.push_back(f.relative);
  return out;
}

std::vector<std::string> skipped(const DiscoveryResult& r) {
  std::vector<std::string> out;
  for (const auto& s : r.skipped) out.push_back(s.path + ": " + s.reason);
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("classify_language by extension") {
  qg::Language lang = qg::Language::Cpp;
  CHECK(qg::classify_language("a/b.py", lang));
  CHECK(lang == qg::Language::Python);
  CHECK(qg::classify_language("stubs.pyi", lang));
  for (const char* cpp : {"x.h", "x.hh", "x.hpp", "x.hxx", "x.c", "x.cc", "x.cpp", "x.cxx", "x.ipp"}) {
    CAPTURE(cpp);
    CHECK(qg::classify_language(cpp, lang));
    CHECK(lang == qg::Language::Cpp);
  }
  CHECK_FALSE(qg::classify_language("README.md", lang));
  CHECK_FALSE(qg::classify_language("Makefile", lang));
  CHECK_FALSE(qg::classify_language(".py", lang));
  CHECK_FALSE(qg::classify_language("x.pyc", lang));
}

TEST_CASE("discovery collects sources sorted, relative to the root, other files silently") {
  TempTree t;
  t.write("b.py");
  t.write("a.py");
  t.write("pkg/mod.pyi");
  t.write("pkg/native.cpp");
  t.write("pkg/notes.txt");
  t.write("pkg/__pycache__/mod.cpython-311.py");
  DiscoveryResult r = qg::discover(options_for(t));
  CHECK(relatives(r) == Strings{"a.py", "b.py", "pkg/mod.pyi", "pkg/native.cpp"});
  CHECK(r.skipped.empty());
  CHECK(r.files[3].language == qg::Language::Cpp);
  CHECK(r.files[0].absolute == t / "a.py");

  DiscoveryOptions o = options_for(t);
  o.include_cpp = false;
  CHECK(relatives(qg::discover(o)) == Strings{"a.py", "b.py", "pkg/mod.pyi"});

  o = options_for(t);
  o.paths = {t / "pkg"};
  CHECK(relatives(qg::discover(o)) == Strings{"pkg/mod.pyi", "pkg/native.cpp"});
}

TEST_CASE("discovery honours nested .gitignore files") {
  TempTree t;
  t.write(".gitignore", "*.gen.py\nout/\n/top_only.py\n");
  t.write("a.py");
  t.write("x.gen.py");
  t.write("top_only.py");
  t.write("out/o.py");
  t.write("sub/.gitignore", "!keep.gen.py\nlocal.py\n/anchored.py\n");
  t.write("sub/keep.gen.py");
  t.write("sub/drop.gen.py");
  t.write("sub/local.py");
  t.write("sub/anchored.py");
  t.write("sub/top_only.py");
  t.write("sub/deeper/anchored.py");
  t.write("sub/deeper/local.py");
  const Strings expected{"a.py", "sub/deeper/anchored.py", "sub/keep.gen.py", "sub/top_only.py"};
  CHECK(relatives(qg::discover(options_for(t))) == expected);

  DiscoveryOptions o = options_for(t);
  o.paths = {t / "sub"};  // the root .gitignore still applies to a subdirectory walk
  CHECK(relatives(qg::discover(o)) == Strings{"sub/deeper/anchored.py", "sub/keep.gen.py", "sub/top_only.py"});

  o = options_for(t);
  o.respect_gitignore = false;
  CHECK(relatives(qg::discover(o)).size() == 11);
}

TEST_CASE("discovery inside a repository: info/exclude, parents up to the repository root, nested repos") {
  TempTree t;
  t.mkdir("repo/.git/info");
  t.write("repo/.git/info/exclude", "scratch_*.py\n");
  t.write("repo/.gitignore", "*.tmp.py\n");
  t.write("repo/src/app.py");
  t.write("repo/src/scratch_1.py");
  t.write("repo/src/x.tmp.py");
  t.write("repo/src/vendor_repo/.git/HEAD", "ref: refs/heads/main\n");  // its own repository
  t.write("repo/src/vendor_repo/y.tmp.py");
  DiscoveryOptions o = options_for(t);
  o.root = t / "repo/src";
  o.paths = {t / "repo/src"};
  CHECK(relatives(qg::discover(o)) == Strings{"app.py", "vendor_repo/y.tmp.py"});
}

TEST_CASE("discovery applies exclude patterns to relative paths and basenames") {
  TempTree t;
  t.write("app/main.py");
  t.write("app/api_pb2.py");
  t.write("tests/fixtures/bad.py");
  t.write("tests/test_x.py");
  t.write("other/tests/fixtures/kept.py");  // anchored pattern: only the root's tests/fixtures
  t.write(".git/hooks/x.py");
  t.write("deep/.tox/y.py");
  DiscoveryOptions o = options_for(t);
  o.exclude.push_back("tests/fixtures");
  o.exclude.push_back("*_pb2.py");
  CHECK(relatives(qg::discover(o)) == Strings{"app/main.py", "other/tests/fixtures/kept.py", "tests/test_x.py"});
}

TEST_CASE("vendored trees are reported once, or scanned and marked") {
  TempTree t;
  t.write("app.py");
  t.write("venv/lib/site-packages/openai/x.py");
  t.write("web/node_modules/pkg/y.py");
  t.write("myenv/pyvenv.cfg", "home = /usr/bin\n");
  t.write("myenv/lib/z.py");
  t.write(".gitignore", ".venv/\nignoredenv/\n");
  t.write(".venv/lib/w.py");
  t.write("ignoredenv/pyvenv.cfg");
  t.write("ignoredenv/v.py");
  DiscoveryResult r = qg::discover(options_for(t));
  CHECK(relatives(r) == Strings{"app.py"});
  const std::string why = ": vendored (use --include-vendored)";
  CHECK(skipped(r) == Strings{".venv" + why, "ignoredenv" + why, "myenv" + why, "venv" + why, "web/node_modules" + why});

  DiscoveryOptions o = options_for(t);
  o.include_vendored = true;
  r = qg::discover(o);
  CHECK(r.skipped.empty());
  CHECK(relatives(r) == Strings{".venv/lib/w.py", "app.py", "ignoredenv/v.py", "myenv/lib/z.py",
                                "venv/lib/site-packages/openai/x.py", "web/node_modules/pkg/y.py"});
  for (const auto& f : r.files) CHECK(f.vendored == (f.relative != "app.py"));

  // Named explicitly, a vendored path is scanned (and marked) unless force_exclude is set.
  o = options_for(t);
  o.paths = {t / "venv/lib", t / "myenv/lib/z.py"};
  r = qg::discover(o);
  CHECK(relatives(r) == Strings{"myenv/lib/z.py", "venv/lib/site-packages/openai/x.py"});
  for (const auto& f : r.files) CHECK(f.vendored);
  o.force_exclude = true;
  r = qg::discover(o);
  CHECK(r.files.empty());
  CHECK(skipped(r) == Strings{"myenv/lib/z.py" + why, "venv/lib" + why});
}

TEST_CASE("symlinks: followed, loops and broken links reported, duplicates dropped") {
  TempTree t;
  t.write("a.py");
  t.write("pkg/b.py");
  t.write("../outside-" + t.root().filename().string() + "/ext.py");
  const fs::path outside = t.root().parent_path() / ("outside-" + t.root().filename().string());
  fs::create_symlink("../a.py", t / "pkg/alias.py");      // same file twice: reported once
  fs::create_symlink("..", t / "pkg/loop");                 // back to the root
  fs::create_symlink("missing.py", t / "dangling.py");
  fs::create_symlink("self.py", t / "self.py");             // ELOOP on stat()
  fs::create_directory_symlink(outside, t / "linked");
  const DiscoveryResult r = qg::discover(options_for(t));
  CHECK(relatives(r) == Strings{"a.py", "linked/ext.py", "pkg/b.py"});
  CHECK(skipped(r) == Strings{"dangling.py: broken symlink", "pkg/loop: symlink loop", "self.py: symlink loop"});
  fs::remove_all(outside);
}

TEST_CASE("a directory reached twice through a symlink yields its files once, by the real path") {
  TempTree t;
  t.write("pkg/b.py");
  t.write("pkg/sub/c.py");
  fs::create_directory_symlink("pkg", t / "a_alias");  // walked first in sorted terms
  const DiscoveryResult r = qg::discover(options_for(t));
  CHECK(relatives(r) == Strings{"pkg/b.py", "pkg/sub/c.py"});
  CHECK(r.skipped.empty());
}

TEST_CASE("unreadable directories are skipped, never fatal") {
  TempTree t;
  t.write("ok.py");
  t.write("locked/secret.py");
  fs::permissions(t / "locked", fs::perms::none);
  const std::string seen = qg::test::without_root([&] {
    const DiscoveryResult r = qg::discover(options_for(t));
    std::string out;
    for (const auto& s : relatives(r)) out += "file " + s + "\n";
    for (const auto& s : skipped(r)) out += "skipped " + s + "\n";
    return out;
  });
  CHECK(seen == "file ok.py\nskipped locked: unreadable directory: Permission denied\n");
}

TEST_CASE("named paths: always included unless force_exclude; errors for missing and unknown files") {
  TempTree t;
  t.write(".gitignore", "ignored_dir/\n");
  t.write("generated/model.py");
  t.write("ignored_dir/x.py");
  t.write("README.md");
  DiscoveryOptions o = options_for(t);
  o.exclude.push_back("generated");
  o.paths = {t / "generated/model.py", t / "ignored_dir/x.py", t / "README.md", t / "nope.py"};
  DiscoveryResult r = qg::discover(o);
  CHECK(relatives(r) == Strings{"generated/model.py", "ignored_dir/x.py"});
  CHECK(skipped(r) == Strings{"README.md: not a Python or C++ source", "nope.py: no such file or directory"});

  o.force_exclude = true;
  r = qg::discover(o);
  CHECK(r.files.empty());
  o.paths = {t / "generated", t / "ignored_dir"};
  CHECK(qg::discover(o).files.empty());
  o.force_exclude = false;
  CHECK(relatives(qg::discover(o)) == Strings{"generated/model.py", "ignored_dir/x.py"});
}

TEST_CASE("the same file named twice, relatively and absolutely, is reported once") {
  TempTree t;
  t.write("a.py");
  t.write("sub/b.py");
  t.write("../elsewhere-" + t.root().filename().string() + "/c.py");
  const fs::path elsewhere = t.root().parent_path() / ("elsewhere-" + t.root().filename().string());
  const fs::path old = fs::current_path();
  fs::current_path(t.root());
  DiscoveryOptions o = options_for(t);
  o.paths = {".", "a.py", t / "a.py", "sub/", "./sub/../sub/b.py", elsewhere / "c.py"};
  const DiscoveryResult r = qg::discover(o);
  fs::current_path(old);
  CHECK(relatives(r) == Strings{"../" + elsewhere.filename().string() + "/c.py", "a.py", "sub/b.py"});
  fs::remove_all(elsewhere);
}

TEST_CASE("discovery of 5,000 files is fast") {
  TempTree t;
  for (int d = 0; d < 50; ++d) {
    t.write("pkg" + std::to_string(d) + "/.gitignore", "*_gen.py\n!keep_gen.py\n");
    for (int f = 0; f < 100; ++f) t.write("pkg" + std::to_string(d) + "/m" + std::to_string(f) + ".py");
  }
  const auto start = std::chrono::steady_clock::now();
  const DiscoveryResult r = qg::discover(options_for(t));
  const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.files.size() == 5000);
  MESSAGE("discovered 5,000 files in " << ms << " ms");
  CHECK(ms < 500);  // generous: sanitizer builds on a shared machine
}
