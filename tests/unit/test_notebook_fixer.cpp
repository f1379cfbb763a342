// The notebook fixer: edits on the cells' Python go back into the .ipynb's sources, or are refused.
#include <doctest/doctest.h>

#include "core/notebook.h"
#include "fix/notebook_fixer.h"

namespace {

constexpr std::string_view kNotebook = R"({
 "cells": [
  {"cell_type": "code", "source": ["import openai\n", "x = 1"]},
  {"cell_type": "markdown", "source": ["# not code\n"]},
  {"cell_type": "code", "source": ["%time y = 2\n", "z = openai.x"]}
 ]
}
)";

qg::Notebook parse() {
  std::string error;
  auto nb = qg::Notebook::parse(kNotebook, error);
  REQUIRE(nb);
  REQUIRE(nb->python() == "import openai\nx = 1\n\nz = openai.x\n");
  return *nb;
}

uint32_t at(std::string_view needle) { return static_cast<uint32_t>(parse().python().find(needle)); }

}  // namespace

TEST_CASE("notebook fixer: an edit lands in its cell, everything else stays byte for byte") {
  const qg::Notebook nb = parse();
  std::string error;
  const auto out = qg::fix::rewrite_notebook(kNotebook, nb, {{at("openai.x"), at("openai.x") + 6, "client()"}}, error);
  REQUIRE(out);
  std::string want(kNotebook);
  want.replace(want.find("\"z = openai.x\""), 14, "\"z = client().x\"");
  // The list keeps its one-line shape: the fixer writes the whitespace the old list had.
  CHECK(*out == want);
}

TEST_CASE("notebook fixer: deleting a cell's last line, and an insertion at a cell's start") {
  const qg::Notebook nb = parse();
  std::string error;
  // "x = 1\n" ends cell 1 (its "\n" is python()'s, not the cell's); the insertion before cell 3
  // goes to the end of cell 1, which runs just before it.
  const uint32_t cell3 = at("\n\nz") + 1;  // the blanked `%time y = 2`, cell 3's first line
  const auto out = qg::fix::rewrite_notebook(kNotebook, nb, {{at("x = 1"), at("x = 1") + 6, ""}, {cell3, cell3, "w = 0\n"}}, error);
  REQUIRE(out);
  CHECK(out->find(R"("source": ["import openai\n", "w = 0"]})") != std::string::npos);
  CHECK(out->find(R"(["%time y = 2\n", "z = openai.x"])") != std::string::npos);
}

TEST_CASE("notebook fixer: refuses an edit across cells") {
  const qg::Notebook nb = parse();
  std::string error;
  CHECK_FALSE(qg::fix::rewrite_notebook(kNotebook, nb, {{at("x = 1"), at("z ="), ""}}, error));
  CHECK(error == "a fix spans two cells");
  CHECK_FALSE(qg::fix::rewrite_notebook(kNotebook, nb, {{at("import"), at("openai.x"), "client()"}}, error));
  CHECK(error == "a fix spans two cells");
}
