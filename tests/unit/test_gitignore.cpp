// gitignore semantics, case by case (expected results checked against `git status --ignored`).
#include <doctest/doctest.h>

#include "core/gitignore.h"
#include "temp_tree.h"

using qg::IgnoreList;
using qg::IgnoreMatch;
using qg::IgnoreStack;

namespace {

IgnoreMatch m(const char* patterns, std::string_view rel, bool is_dir = false) {
  IgnoreList list("/base");
  list.add_text(patterns);
  return list.match(rel, is_dir);
}

bool ignored(const char* patterns, std::string_view rel, bool is_dir = false) {
  return m(patterns, rel, is_dir) == IgnoreMatch::Ignored;
}

}  // namespace

TEST_CASE("gitignore: comments, blank lines, trailing spaces, escapes") {
  CHECK_FALSE(ignored("# foo\n\n   \n", "# foo"));
  CHECK(ignored("\\#foo", "#foo"));
  CHECK(ignored("foo   ", "foo"));
  CHECK_FALSE(ignored("foo   ", "foo   "));
  CHECK(ignored("foo\\ ", "foo "));   // an escaped trailing space stays
  CHECK(ignored("foo\\  ", "foo "));  // ... and only the unescaped ones after it go
  CHECK(ignored("\\!important", "!important"));
  CHECK(ignored("\\*.py", "*.py"));
  CHECK_FALSE(ignored("\\*.py", "a.py"));
  CHECK(ignored("a\\?", "a?"));
  CHECK_FALSE(ignored("a\\?", "ab"));
  CHECK(ignored("foo\r\nbar\r\n", "foo"));  // CRLF files
  CHECK(ignored("foo\r\nbar\r\n", "bar"));
}

TEST_CASE("gitignore: negation, last match wins") {
  CHECK(m("*.py\n!keep.py", "keep.py") == IgnoreMatch::Included);
  CHECK(m("*.py\n!keep.py", "a.py") == IgnoreMatch::Ignored);
  CHECK(m("!keep.py\n*.py", "keep.py") == IgnoreMatch::Ignored);
  CHECK(m("*.py\n!keep.py", "a.txt") == IgnoreMatch::None);
  CHECK(m("build/\n!build/", "build", true) == IgnoreMatch::Included);
}

TEST_CASE("gitignore: directory-only patterns") {
  CHECK(ignored("build/", "build", true));
  CHECK_FALSE(ignored("build/", "build", false));
  CHECK(ignored("build/", "src/build", true));  // no inner slash: any depth
  CHECK(ignored("a/build/", "a/build", true));
  CHECK_FALSE(ignored("a/build/", "x/a/build", true));
}

TEST_CASE("gitignore: anchoring") {
  CHECK(ignored("/foo", "foo"));
  CHECK_FALSE(ignored("/foo", "a/foo"));
  CHECK(ignored("foo", "a/b/foo"));
  CHECK(ignored("a/b", "a/b"));
  CHECK_FALSE(ignored("a/b", "x/a/b"));
  CHECK(ignored("/a/b", "a/b"));
  CHECK(ignored("*.py", "deep/er/x.py"));
}

TEST_CASE("gitignore: *, ? and classes stay within one component") {
  CHECK(ignored("a/*.py", "a/x.py"));
  CHECK_FALSE(ignored("a/*.py", "a/b/x.py"));
  CHECK(ignored("a/*/c", "a/b/c"));
  CHECK_FALSE(ignored("a/*/c", "a/b/b/c"));
  CHECK_FALSE(ignored("a/*/c", "a/c"));
  CHECK(ignored("?.py", "a.py"));
  CHECK_FALSE(ignored("?.py", "ab.py"));
  CHECK_FALSE(ignored("a?b", "a/b"));
  CHECK(ignored("f*o", "foo"));
  CHECK(ignored("f*o", "fo"));
  CHECK(ignored("test_*", "test_x"));
  CHECK(ignored("*_test*.py", "a_test_b.py"));

  CHECK(ignored("[abc].py", "b.py"));
  CHECK_FALSE(ignored("[abc].py", "d.py"));
  CHECK(ignored("[!abc].py", "d.py"));
  CHECK_FALSE(ignored("[!abc].py", "a.py"));
  CHECK(ignored("[^abc].py", "d.py"));
  CHECK(ignored("[a-c]x", "bx"));
  CHECK_FALSE(ignored("[a-c]x", "dx"));
  CHECK(ignored("[]]x", "]x"));
  CHECK(ignored("[a-]x", "-x"));
  CHECK(ignored("[[:digit:]]x", "7x"));
  CHECK_FALSE(ignored("[[:digit:]]x", "ax"));
  CHECK_FALSE(ignored("[abc", "a"));        // unterminated class matches nothing
  CHECK_FALSE(ignored("a[/]b", "a/b"));     // never a slash
}

TEST_CASE("gitignore: ** in leading, trailing and middle positions") {
  CHECK(ignored("**/foo", "foo"));
  CHECK(ignored("**/foo", "a/b/foo"));
  CHECK(ignored("**/foo/bar", "foo/bar"));
  CHECK(ignored("**/foo/bar", "x/y/foo/bar"));
  CHECK_FALSE(ignored("**/foo/bar", "x/foo/baz"));

  CHECK(ignored("foo/**", "foo/a"));
  CHECK(ignored("foo/**", "foo/a/b"));
  CHECK_FALSE(ignored("foo/**", "foo", true));
  CHECK_FALSE(ignored("foo/**", "x/foo/a"));

  CHECK(ignored("a/**/b", "a/b"));
  CHECK(ignored("a/**/b", "a/x/b"));
  CHECK(ignored("a/**/b", "a/x/y/b"));
  CHECK_FALSE(ignored("a/**/b", "a/xb"));
  CHECK_FALSE(ignored("a/**/b", "a/x/bc"));
  CHECK(ignored("a/**/*.py", "a/q/r/s.py"));

  // Any other run of stars is a plain `*`.
  CHECK(ignored("foo**", "foobar"));
  CHECK(ignored("x/foo**", "x/foobar"));
  CHECK_FALSE(ignored("x/foo**", "x/foo/bar"));
  CHECK(ignored("x/**bar", "x/foobar"));
  CHECK_FALSE(ignored("x/**bar", "x/a/foobar"));
}

TEST_CASE("wildmatch without pathname lets * cross slashes") {
  CHECK(qg::wildmatch("a*c", "ab/bc", false));
  CHECK_FALSE(qg::wildmatch("a*c", "ab/bc", true));
  CHECK(qg::wildmatch("*", "", true));
  CHECK_FALSE(qg::wildmatch("?", "", true));
}

TEST_CASE("gitignore: patterns outside the base only match by basename") {
  IgnoreList list("/base");
  list.add_text("cache\n/top\nsub/dir\n");
  CHECK(list.match("x/cache", true, true) == IgnoreMatch::Ignored);
  CHECK(list.match("top", true, true) == IgnoreMatch::None);
  CHECK(list.match("sub/dir", true, true) == IgnoreMatch::None);
}

TEST_CASE("ignore stack: deeper lists override, barriers hide the outer repository") {
  IgnoreStack stack;
  IgnoreList top("/r");
  top.add_text("*.log\n/gen\n");
  stack.push(std::move(top));
  IgnoreList sub("/r/sub");
  sub.add_text("!keep.log\n");
  stack.push(std::move(sub));

  CHECK(stack.ignored("/r/a.log", false));
  CHECK(stack.ignored("/r/sub/a.log", false));
  CHECK(stack.match("/r/sub/keep.log", false) == IgnoreMatch::Included);
  CHECK(stack.ignored("/r/gen", true));
  CHECK_FALSE(stack.ignored("/r/sub/gen", true));  // anchored to /r, not /r/sub
  CHECK_FALSE(stack.ignored("/elsewhere/a.log", false));

  IgnoreList inner("/r/sub/vendor");
  stack.push(std::move(inner), /*barrier=*/true);
  CHECK_FALSE(stack.ignored("/r/sub/vendor/a.log", false));
  stack.pop();
  CHECK(stack.ignored("/r/sub/vendor/a.log", false));
}

TEST_CASE("ignore stack for a directory: info/exclude and parent .gitignore files") {
  qg::test::TempTree t;
  t.mkdir(".git/info");
  t.write(".git/info/exclude", "*.tmp\nsecret.py\n");
  t.write(".gitignore", "generated/\n!secret.py\n");
  t.write("pkg/.gitignore", "local_*.py\n");
  t.mkdir("pkg/deep/er");
  const std::string root = t.root().string();

  CHECK(qg::find_repository_root(root + "/pkg/deep") == root);

  bool dir_ignored = true;
  IgnoreStack stack = IgnoreStack::for_directory(root + "/pkg/deep", root, &dir_ignored);
  CHECK_FALSE(dir_ignored);
  CHECK(stack.ignored(root + "/pkg/deep/x.tmp", false));              // info/exclude
  CHECK(stack.ignored(root + "/pkg/deep/local_a.py", false));         // pkg/.gitignore
  CHECK(stack.ignored(root + "/pkg/deep/generated", true));           // root .gitignore
  CHECK(stack.match(root + "/pkg/deep/secret.py", false) == IgnoreMatch::Included);  // .gitignore beats info/exclude

  t.mkdir("generated/inner");
  IgnoreStack::for_directory(root + "/generated/inner", root, &dir_ignored);
  CHECK(dir_ignored);
}

TEST_CASE("ignore stack outside a repository starts at the scan root") {
  qg::test::TempTree t;
  t.write("proj/.gitignore", "out/\n");
  t.mkdir("proj/a/out");
  const std::string proj = (t / "proj").string();
  if (!qg::find_repository_root(proj).empty()) {
    MESSAGE("temp directory lies inside a git repository; skipped");
    return;
  }
  bool dir_ignored = false;
  IgnoreStack stack = IgnoreStack::for_directory(proj + "/a", proj, &dir_ignored);
  CHECK(stack.ignored(proj + "/a/out", true));
  IgnoreStack::for_directory(proj + "/a/out", proj, &dir_ignored);
  CHECK(dir_ignored);
  // Above the scan root nothing is read.
  CHECK(IgnoreStack::for_directory(proj, proj).size() == 0);
}

TEST_CASE("info/exclude of a worktree lives in the main repository's git directory") {
  qg::test::TempTree t;
  t.mkdir("main/.git/info");
  t.write("main/.git/info/exclude", "*.bak\n");
  t.write("main/.git/worktrees/wt/commondir", "../..\n");
  t.write("wt/.git", "gitdir: " + (t / "main/.git/worktrees/wt").string() + "\n");
  CHECK(qg::info_exclude_path((t / "wt").string()) == t / "main/.git/info/exclude");
  IgnoreStack stack;
  stack.push_repository((t / "wt").string());
  CHECK(stack.ignored((t / "wt/x.bak").string(), false));
}
