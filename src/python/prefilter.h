// Decides which Python files are worth parsing. Sound by construction: a file can only talk to
// the API through the `openai` name, a configured factory, an API host, a name another
// project module exports as a client (found in later rounds), a library that builds its own
// client (the `agents` package: rules/python/libraries.toml), a dynamic import (a helper
// importing what its caller names), or — for calls on values of
// unknown origin — an unmistakable API chain.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.h"
#include "python/project.h"

namespace qg::python {

class Prefilter {
 public:
  Prefilter(const Project& project, const Config& config);

  struct Verdict {
    bool parse = false;
    bool openai_context = false;  // mentions the package or a factory, not just an API chain
  };
  Verdict first_round(std::string_view text) const;

  // Later rounds: a module `pkg.ai` exporting `client` is reached by text containing both the
  // words `ai` and `client` (`from pkg.ai import client`, `from .ai import *` + `client.x`).
  static bool mentions_export(std::string_view text, const std::pair<std::string, std::string>& marker);

 private:
  bool chain_at(std::string_view text, std::size_t dot) const;

  std::vector<std::string> words_;         // whole words: openai, factory functions
  std::vector<std::string> openai_words_;  // those containing "openai": only checked if it occurs
  std::vector<std::string> library_words_; // packages of libraries with their own client
  std::vector<std::string> substrings_;    // extra hosts
  // Distinctive API chains (".chat.completions.", ".embeddings."), indexed by the byte after
  // the dot: one memchr pass over the dots of a file instead of one search per chain.
  std::vector<std::string> chains_by_first_[256];
};

}  // namespace qg::python
