#include "python/prefilter.h"

#include <algorithm>
#include <cstring>

#include "core/catalogue.h"
#include "core/text_search.h"
#include "python/library_clients.h"
#include "python/library_model.h"

namespace qg::python {

Prefilter::Prefilter(const Project& project, const Config& config) {
  const auto& cat = Catalogue::get();
  openai_words_.push_back(cat.package());
  for (const auto& f : project.factories())
    (f.function.find(cat.package()) != std::string::npos ? openai_words_ : words_).push_back(f.function);
  for (const auto& h : config.extra_hosts) substrings_.push_back(h);
  library_words_ = LibraryModel::get().words();
  for (const auto& w : LibraryClientTable::get().words()) library_words_.push_back(w);
  // The API host contains the word `openai`; no separate needle needed.
  std::vector<std::string> chains;
  for (const auto& m : cat.api_methods())
    if (cat.is_distinctive_resource(m.resource)) chains.push_back("." + m.resource + ".");
  // A needle containing another one adds nothing (".beta.threads.runs." holds ".beta.threads.").
  std::sort(chains.begin(), chains.end(), [](auto& a, auto& b) { return a.size() < b.size(); });
  std::vector<std::string> kept;
  for (const auto& c : chains) {
    bool covered = false;
    for (const auto& k : kept) covered |= c.find(k) != std::string::npos;
    if (!covered) kept.push_back(c);
  }
  for (auto& c : kept) chains_by_first_[static_cast<unsigned char>(c[1])].push_back(c.substr(1));
}

bool Prefilter::chain_at(std::string_view text, std::size_t dot) const {
  if (dot + 1 >= text.size()) return false;
  for (const auto& chain : chains_by_first_[static_cast<unsigned char>(text[dot + 1])])
    if (text.compare(dot + 1, chain.size(), chain) == 0) return true;
  return false;
}

Prefilter::Verdict Prefilter::first_round(std::string_view text) const {
  Verdict v;
  // Every word holding "openai" needs that substring first: one search rules them all out.
  if (contains(text, openai_words_.front()))
    for (const auto& w : openai_words_)
      if (contains_word(text, w)) {
        v.parse = v.openai_context = true;
        return v;
      }
  for (const auto& w : words_)
    if (contains_word(text, w)) {
      v.parse = v.openai_context = true;
      return v;
    }
  for (const auto& w : library_words_)
    if (contains_word(text, w)) {
      v.parse = true;
      return v;
    }
  // A helper importing the module its caller names (`import_module(name)`) may import `openai`
  // for a caller that names it, and a module loaded from its path (`module_from_spec`) may be one
  // that builds clients (python/evaluator_names.cpp, dynamic_import).
  for (const char* w : {"import_module", "__import__", "module_from_spec"})
    if (contains_word(text, w)) {
      v.parse = true;
      return v;
    }
  for (const auto& s : substrings_)
    if (contains(text, s)) {
      v.parse = true;
      return v;
    }
  for (const char* p = text.data(), *end = text.data() + text.size();
       (p = static_cast<const char*>(std::memchr(p, '.', static_cast<std::size_t>(end - p)))); ++p)
    if (chain_at(text, static_cast<std::size_t>(p - text.data()))) {
      v.parse = true;
      return v;
    }
  return v;
}

bool Prefilter::mentions_export(std::string_view text, const std::pair<std::string, std::string>& marker) {
  return contains_word(text, marker.second) && contains_word(text, marker.first);
}

}  // namespace qg::python
