// Reading rules/python/library-clients/ (one TOML file per library) into the table of entry
// points that build an OpenAI client inside a library; malformed data is an error naming the file
// and key (python/library_clients.h).
#include <algorithm>
#include <map>

#include "core/catalogue.h"
#include "python/library_clients.h"
#include "python/rules_toml.h"

namespace qg::python {

namespace {

constexpr std::string_view kFolder = "python/library-clients/";  // one .toml per library

// One of `fix-arguments`: text with `{module.name}` references, split into pieces.
FixArgument fix_argument(const RulesReader& r, const std::string& text) {
  FixArgument pieces;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find('{', at), close = text.find('}', at);
    if (open == std::string::npos) {
      if (close != std::string::npos) r.fail("fix-arguments", "has a `}` without its `{`");
      pieces.push_back({text.substr(at), std::nullopt});
      break;
    }
    if (close == std::string::npos || close < open) r.fail("fix-arguments", "has a `{` without its `}`");
    const std::string reference = text.substr(open + 1, close - open - 1);
    const std::size_t dot = reference.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == reference.size())
      r.fail("fix-arguments", fmt::format("names `{{{}}}`, not `{{module.name}}`", reference));
    pieces.push_back({text.substr(at, open - at), FactoryFunction{reference.substr(0, dot), reference.substr(dot + 1)}});
    at = close + 1;
  }
  return pieces;
}

// `[table.<key>.<id>]` subtables (`holders`, `defaults`): `read(id, its reader)` for each.
template <typename Read>
void each_subtable(const RulesReader& r, const toml::table& table, std::string_view key, Read read) {
  const toml::node* sub = table.get(key);
  if (!sub) return;
  if (!sub->is_table()) r.fail(key, "must be a table");
  for (auto&& [id, node] : *sub->as_table()) {
    const std::string where = fmt::format("{}.{}", key, id.str());
    if (!node.is_table()) r.fail(where, "must be a table");
    read(id.str(), RulesReader(*node.as_table(), r.where() + " " + where));
  }
}

// `[table.<key>]` of lists of strings: `read(name, its list)` for each.
template <typename Read>
void each_string_list(const RulesReader& r, const toml::table& table, std::string_view key, Read read) {
  if (!table.get(key)) return;
  const RulesReader lists(r.table(key), r.where() + " " + std::string(key));
  for (const auto& entry : r.table(key)) read(entry.first.str(), lists.strings(entry.first.str()));
}

}  // namespace

const FactoryFunction& tracking_installer() {
  static const FactoryFunction installer{std::string(kTrackingInstaller.substr(0, kTrackingInstaller.find('.'))),
                                         std::string(kTrackingInstaller.substr(kTrackingInstaller.find('.') + 1))};
  return installer;
}

LibraryClientTable LibraryClientTable::from_text(std::string_view toml_text) {
  return from_texts({{std::string(kFolder) + "test.toml", toml_text}});
}

LibraryClientTable LibraryClientTable::from_texts(const std::vector<std::pair<std::string, std::string_view>>& files) {
  LibraryClientTable t;
  enum class Kind { constructor, gated, returns_client, config_gated, config_arguments, uses_default, builds_default, judge };
  struct ConfigSignature {
    std::vector<std::string> names;
    int position;
    bool context;
    std::vector<std::pair<std::string, int>> more;
  };
  std::vector<ConfigSignature> signatures;
  StringMap<std::vector<const DefaultSlot*>> slot_of;
  StringMap<std::vector<std::string>> offline_by;
  StringMap<const Judge*> judge_of;
  // Each name's entries, one per table (libs_ settles before pointing into it); within one table
  // the last kind written wins.
  StringMap<std::vector<std::pair<std::size_t, Kind>>> by_library;
  const auto put = [&](const std::string& name, Kind kind) {
    auto& at = by_library[name];
    if (!at.empty() && at.back().first == t.libs_.size()) at.back().second = kind;
    else at.emplace_back(t.libs_.size(), kind);
  };
  // Every library's tables, in the order of their ids whatever file holds them.
  std::vector<toml::table> roots;
  roots.reserve(files.size());
  std::map<std::string, std::pair<const std::string*, const toml::node*>, std::less<>> tables;
  for (const auto& [file, text] : files) {
    const toml::table& root = roots.emplace_back(parse_rules_toml(text, file));
    for (auto&& [id, node] : root) {
      const auto [at, added] = tables.try_emplace(std::string(id.str()), &file, &node);
      if (!added)
        throw std::runtime_error(fmt::format("rules/{} [{}]: the table is in rules/{} already", file, id.str(), *at->second.first));
    }
  }
  for (auto&& [id, located] : tables) {
    const auto& [file, at] = located;
    const toml::node& node = *at;
    const std::string where = fmt::format("{} [{}]", *file, id);
    if (!node.is_table()) throw std::runtime_error(fmt::format("rules/{} must be a table", where));
    const RulesReader r(*node.as_table(), where);
    ClientBuildingLibrary lib;
    lib.id = id;
    lib.package = r.string("package", true);
    lib.display_name = r.string("display-name", true);
    lib.openai_models = r.strings("openai-models");
    lib.model_keyword = r.string("model-keyword");
    lib.model_position = r.whole_number("model-position").value_or(-1);
    lib.model_aliases = r.strings("model-aliases");
    lib.provider_keywords = r.strings("provider-keywords");
    lib.model_keys = r.strings("model-keys");
    lib.model_enums = r.strings("model-enums");
    each_string_list(r, *node.as_table(), "built-when", [&](std::string_view keyword, const std::vector<std::string>& unless) {
      lib.built_when.emplace_back(std::string(keyword), unless);
    });
    lib.default_model = r.string("default-model");
    lib.default_unless_in = r.strings("default-unless-in");
    lib.default_unless_first = r.strings("default-unless-first");
    if (const auto positionals = r.whole_number("default-positionals")) {
      lib.default_positionals = *positionals;
      if (lib.default_model.empty()) r.fail("default-positionals", "is only read with `default-model`");
    }
    lib.tracked_by = r.strings("tracked-by");
    each_string_list(r, *node.as_table(), "builds-each", [&](std::string_view slot, const std::vector<std::string>& keywords) {
      if (keywords.empty()) r.fail(fmt::format("builds-each.{}", slot), "must name the keywords handing it over");
      for (const std::string& k : keywords)
        if (std::find(lib.tracked_by.begin(), lib.tracked_by.end(), k) == lib.tracked_by.end())
          r.fail(fmt::format("builds-each.{}", slot), fmt::format("names `{}`, which `tracked-by` lacks", k));
      lib.builds_each.push_back(keywords);
    });
    lib.how = r.string("how", true);
    for (const std::string& argument : r.strings("fix-arguments")) lib.fix_arguments.push_back(fix_argument(r, argument));
    lib.fix_unless = r.strings("fix-unless");
    lib.sent_by = r.strings("sent-by");
    lib.config_keyword = r.string("config-keyword");
    lib.other_api_types = r.strings("other-api-types");
    lib.config_contexts = r.strings("config-contexts");
    lib.entry_tracked_by = r.strings("entry-tracked-by");
    lib.judged_enums = r.strings("judged-enums");
    each_string_list(r, *node.as_table(), "judged", [&](std::string_view name, const std::vector<std::string>& v) {
      if (v.size() < 2) r.fail(fmt::format("judged.{}", name), "must be [its enum member, the keywords handing it]");
      lib.judged.push_back({std::string(name), v[0], std::vector<std::string>(v.begin() + 1, v.end())});
    });
    lib.keyword_only = r.boolean("keyword-only");
    if (const toml::node* n = node.as_table()->get("model-config")) {
      if (!n->is_table()) r.fail("model-config", "must be a table");
      const RulesReader mr(*n->as_table(), where + " model-config");
      lib.model_config_keyword = mr.string("keyword", true);
      lib.model_config_attribute = mr.string("attribute", true);
      lib.model_config_file = mr.string("file", true);
      lib.model_config_key = mr.string("key", true);
    }
    const auto constructors = r.strings("constructors");
    const auto gated = r.strings("model-gated");
    const auto returning = r.strings("returns-client");
    const auto config_gated = r.strings("config-gated");
    const auto config_arguments = r.strings("config-arguments");
    if (!config_gated.empty() && lib.config_keyword.empty()) r.fail("config-keyword", "is needed by `config-gated`");
    each_subtable(r, *node.as_table(), "config-signatures", [&](std::string_view, const RulesReader& sr) {
      ConfigSignature sig{sr.strings("names"), -1, sr.boolean("context"), {}};
      const auto parameters = sr.strings("parameters");
      if (sig.names.empty()) sr.fail("names", "is missing");
      for (const auto& name : sig.names)
        if (std::find(config_gated.begin(), config_gated.end(), name) == config_gated.end())
          sr.fail("names", fmt::format("names {}, which `config-gated` does not", name));
      const auto place = [&](std::string_view keyword) {
        const auto at = std::find(parameters.begin(), parameters.end(), keyword);
        return at == parameters.end() ? -1 : static_cast<int>(at - parameters.begin());
      };
      sig.position = place(lib.config_keyword);
      if (!parameters.empty() && sig.position < 0) sr.fail("parameters", "must name `config-keyword`");
      for (const auto& keyword : sr.strings("more-configs")) {
        sig.more.emplace_back(keyword, place(keyword));
        lib.more_config_keywords.push_back(keyword);
      }
      signatures.push_back(std::move(sig));
    });
    bool any_default = false;
    each_subtable(r, *node.as_table(), "defaults", [&](std::string_view id, const RulesReader& dr) {
      DefaultSlot& slot = t.slot_storage_.emplace_back();
      slot.id = std::string(id);
      slot.keywords = dr.strings("keywords");
      slot.set_by = dr.strings("set-by");
      slot.receiver_keywords = dr.strings("receiver-keywords");
      slot.builds_when = dr.string("builds-when");
      slot.positionals = dr.whole_number("positionals").value_or(-1);
      if (slot.keywords.empty()) dr.fail("keywords", "is missing");
      t.slots_.push_back(&slot);
      for (const auto& [list, kind] : {std::pair{"uses", Kind::uses_default}, std::pair{"builds", Kind::builds_default}})
        for (const auto& name : dr.strings(list)) {
          put(name, kind);
          slot_of[name].push_back(&slot);
          any_default = true;
        }
    });
    bool any_judge = false;
    each_subtable(r, *node.as_table(), "judges", [&](std::string_view, const RulesReader& jr) {
      Judge& judge = t.judge_storage_.emplace_back();
      judge.names = jr.strings("names");
      judge.evaluator = jr.string("evaluator", true);
      judge.position = jr.whole_number("position").value_or(-1);
      judge.list = jr.boolean("list");
      judge.takes_all = !jr.has("takes");
      judge.takes = jr.string_map("takes");
      judge.configs = jr.string_map("configs");
      judge.parameters = jr.strings("parameters");
      judge.defaults = jr.strings("defaults");
      if (judge.names.empty()) jr.fail("names", "is missing");
      const auto judged = [&](std::string_view evaluator) {
        return std::any_of(lib.judged.begin(), lib.judged.end(), [&](const JudgedEvaluator& e) { return e.name == evaluator; });
      };
      for (const auto& [member, evaluator] : judge.configs)
        if (!judged(evaluator)) jr.fail("configs." + member, fmt::format("names {}, which `judged` does not", evaluator));
      for (const auto& evaluator : judge.defaults)
        if (!judged(evaluator)) jr.fail("defaults", fmt::format("names {}, which `judged` does not", evaluator));
      for (const auto& name : judge.names) {
        put(name, Kind::judge);
        judge_of[name] = &judge;
      }
      any_judge = true;
    });
    if (any_judge && lib.judged.empty()) r.fail("judged", "is needed by `judges`");
    if (const toml::node* instances = node.as_table()->get("instances")) {
      if (!instances->is_table()) r.fail("instances", "must be a table");
      for (auto&& [callable, cls] : *instances->as_table()) {
        if (!cls.is_string()) r.fail("instances." + std::string(callable.str()), "must be a string");
        t.instances_[std::string(callable.str())] = std::string(cls.value_or(std::string_view{}));
      }
    }
    if (constructors.empty() && gated.empty() && returning.empty() && config_gated.empty() && config_arguments.empty() &&
        !any_default && !any_judge)
      r.fail("constructors", "is empty, and so are `model-gated` and `returns-client`");
    if (!gated.empty() && lib.openai_models.empty()) r.fail("openai-models", "is needed by `model-gated`");
    if (!lib.model_keyword.empty() && gated.empty()) r.fail("model-keyword", "is only read for `model-gated`");
    if (lib.model_position >= 0 && lib.model_keyword.empty())
      r.fail("model-position", "is only read with `model-keyword`");
    if (!lib.model_aliases.empty() && lib.model_keyword.empty())
      r.fail("model-aliases", "is only read with `model-keyword`");
    if (!lib.model_keys.empty() && lib.model_keyword.empty()) r.fail("model-keys", "is only read with `model-keyword`");
    if (!lib.model_enums.empty() && gated.empty()) r.fail("model-enums", "is only read for `model-gated`");
    if (!lib.provider_keywords.empty() && gated.empty()) r.fail("provider-keywords", "is only read for `model-gated`");
    if (!lib.built_when.empty() && gated.empty() && constructors.empty())
      r.fail("built-when", "is only read for `constructors` and `model-gated`");
    if (!lib.default_model.empty() && gated.empty()) r.fail("default-model", "is only read for `model-gated`");
    if (!lib.default_unless_in.empty() && lib.default_model.empty())
      r.fail("default-unless-in", "is only read with `default-model`");
    if (!lib.default_unless_first.empty() && lib.default_model.empty())
      r.fail("default-unless-first", "is only read with `default-model`");
    if (!lib.sent_by.empty() && constructors.empty()) r.fail("sent-by", "is only read for `constructors`");
    if (node.as_table()->get("offline-by")) {
      const toml::table& offline = r.table("offline-by");
      const RulesReader er(offline, where + " offline-by");
      for (auto&& [keyword, entries] : offline)
        for (const auto& name : er.strings(keyword.str())) {
          if (std::find(constructors.begin(), constructors.end(), name) == constructors.end() &&
              std::find(gated.begin(), gated.end(), name) == gated.end())
            er.fail(keyword.str(), fmt::format("names {}, which neither `constructors` nor `model-gated` does", name));
          offline_by[name].push_back(std::string(keyword.str()));
        }
    }
    for (const auto& name : constructors) put(name, Kind::constructor);
    for (const auto& name : gated) put(name, Kind::gated);
    for (const auto& name : returning) put(name, Kind::returns_client);
    for (const auto& name : config_gated) put(name, Kind::config_gated);
    for (const auto& name : config_arguments) put(name, Kind::config_arguments);
    each_subtable(r, *node.as_table(), "holders", [&](std::string_view id, const RulesReader& hr) {
      Holder holder;
      holder.id = std::string(id);
      holder.parameters = hr.strings("parameters");
      holder.client = hr.string("client", true);
      holder.client_attribute = hr.string("client-attribute", true);
      const auto names = hr.strings("names");
      if (names.empty()) hr.fail("names", "is missing");
      for (const auto& n : names) t.holder_names_.emplace(n, t.holders_.size());
      t.holders_.push_back(std::move(holder));
    });
    t.words_.push_back(lib.package);
    t.libs_.push_back(std::move(lib));
  }
  for (const auto& [name, all] : by_library) {
    Entry* last = nullptr;
    for (const auto& at : all) {
      Entry e{&t.libs_[at.first], at.second == Kind::gated, at.second == Kind::returns_client,
              at.second == Kind::config_gated || at.second == Kind::config_arguments};
      e.config_arguments = at.second == Kind::config_arguments;
      if (const auto it = offline_by.find(name); it != offline_by.end()) e.offline_by = it->second;
      if (at.second == Kind::judge) e.judge = judge_of.at(name);
      if (at.second == Kind::uses_default || at.second == Kind::builds_default) {
        e.slots = slot_of.at(name);
        e.builds_default = at.second == Kind::builds_default;
      }
      // The first in entries_, each further one (another table's) chained on it.
      Entry* placed = last ? &t.more_entries_.emplace_back(std::move(e)) : &(t.entries_[name] = std::move(e));
      if (last) last->also = placed;
      last = placed;
    }
  }
  for (const ConfigSignature& sig : signatures)
    for (const auto& name : sig.names) {
      Entry& e = t.entries_[name];
      e.config_position = sig.position;
      e.config_context = sig.context;
      e.more_configs = sig.more;
    }
  t.words_.emplace_back(kTrackingInstaller.substr(0, kTrackingInstaller.find('.')));  // where install() is called
  std::sort(t.words_.begin(), t.words_.end());
  t.words_.erase(std::unique(t.words_.begin(), t.words_.end()), t.words_.end());
  return t;
}

const LibraryClientTable& LibraryClientTable::get() {
  static const LibraryClientTable table = from_texts(embedded_toml_files(kFolder));
  return table;
}

const ClientBuildingLibrary* LibraryClientTable::library_of_api(std::string_view api) const {
  for (const ClientBuildingLibrary& lib : libs_)
    if (api.starts_with(kLibraryApiPrefix) && api.substr(kLibraryApiPrefix.size()) == lib.id) return &lib;
  return nullptr;
}

const std::string* LibraryClientTable::instance_of(std::string_view qualified) const {
  const auto it = instances_.find(qualified);
  return it == instances_.end() ? nullptr : &it->second;
}

const LibraryClientTable::Entry* LibraryClientTable::entry(std::string_view qualified) const {
  const auto it = entries_.find(qualified);
  return it == entries_.end() ? nullptr : &it->second;
}

const Holder* LibraryClientTable::holder(std::string_view qualified) const {
  const auto it = holder_names_.find(qualified);
  return it == holder_names_.end() ? nullptr : &holders_[it->second];
}

}  // namespace qg::python
