#include "python/prefilter.h"

#include <algorithm>

#include "core/catalogue.h"
#include "core/text_search.h"

namespace qg::python {

Prefilter::Prefilter(const Project& project, const Config& config) {
  const auto& cat = Catalogue::get();
  words_.push_back(cat.package());
  for (const auto& f : project.factories()) words_.push_back(f.function);
  for (const auto& h : config.extra_hosts) substrings_.push_back(h);
  // The API host contains the word `openai`; no separate needle needed.
  std::vector<std::string> chains;
  for (const auto& m : cat.api_methods())
    if (cat.is_distinctive_resource(m.resource)) chains.push_back("." + m.resource + ".");
  // A needle containing another one adds nothing (".beta.threads.runs." holds ".beta.threads.").
  std::sort(chains.begin(), chains.end(), [](auto& a, auto& b) { return a.size() < b.size(); });
  for (const auto& c : chains) {
    bool covered = false;
    for (const auto& kept : substrings_) covered |= c.find(kept) != std::string::npos;
    if (!covered) substrings_.push_back(c);
  }
}

Prefilter::Verdict Prefilter::first_round(std::string_view text) const {
  Verdict v;
  for (const auto& w : words_)
    if (contains_word(text, w)) {
      v.parse = v.openai_context = true;
      return v;
    }
  for (const auto& s : substrings_)
    if (contains(text, s)) {
      v.parse = true;
      return v;
    }
  return v;
}

bool Prefilter::mentions_export(std::string_view text, const std::pair<std::string, std::string>& marker) {
  return contains_word(text, marker.second) && contains_word(text, marker.first);
}

}  // namespace qg::python
