// The rule catalogue and the OpenAI API surface, loaded once from the embedded rules/ data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/finding.h"
#include "core/language.h"
#include "core/rule_ids.h"

namespace qg {

struct RuleInfo {
  std::string id, name, severity, summary, what, why, fix, bad, good;
  bool fixable = false;
  std::vector<Language> languages;  // where the rule applies
};

struct ApiMethod {
  std::string api;        // "chat.completions.create"
  std::string resource;   // "chat.completions"
  std::string method;     // "create"
  std::string verb;       // "POST"
  std::string url_path;   // "/chat/completions"
  std::string billable;   // "yes" | "no" | "storage"
};

struct ClientClass {
  ClientKind kind = ClientKind::Sync;
  bool fixable = true;
};

struct LegacyMethod {
  std::string v1_api;     // "chat.completions.create", or empty where v1 has no counterpart
};

// Transparent hashing so lookups take string_view without allocating.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

class Catalogue {
 public:
  static const Catalogue& get();

  const std::vector<RuleInfo>& rules() const { return rules_; }  // in RuleId order
  const RuleInfo* rule(std::string_view id) const;
  const RuleInfo& rule(RuleId id) const { return rules_[static_cast<std::size_t>(id)]; }
  // Whether a finding of this rule fails a scan: every severity but `info` (QG007 is reported
  // and counted, but an unresolved origin alone never refuses a commit or a build).
  bool fails_scan(std::string_view id) const;
  // The text of a rule's `message` or of one of its `message-variants` (core/message.h renders it).
  const std::string& message_template(MessageId id) const { return messages_[static_cast<std::size_t>(id)]; }

  // API surface (rules/openai-api-surface.tsv), keyed without the leading "client.".
  const ApiMethod* api_method(std::string_view api) const;
  bool is_resource(std::string_view path) const { return resources_.contains(path); }
  // The last segment of some API method ("create", "upload_and_poll").
  bool is_method_name(std::string_view name) const { return method_names_.contains(name); }
  bool is_distinctive_resource(std::string_view path) const { return distinctive_.contains(path); }
  // A name some resource path goes through ("messages" of "beta.threads.messages").
  bool is_resource_segment(std::string_view name) const { return segments_.contains(name); }
  bool is_response_wrapper(std::string_view name) const { return wrappers_.contains(name); }
  // "/v1/chat/completions", "https://api.openai.com/v1/embeddings" -> the POST method's api.
  std::string api_for_url(std::string_view url) const;
  const std::vector<ApiMethod>& api_methods() const { return methods_; }

  // Python client model (rules/python/*.toml).
  const std::string& package() const { return package_; }
  const ClientClass* client_class(std::string_view qualified) const;
  bool is_star_export(std::string_view name) const { return star_exports_.contains(name); }
  bool is_copy_method(std::string_view name) const { return copy_methods_.contains(name); }
  // One of them, standing for a copy method whose name is not known here.
  const std::string& copy_method() const { return copy_method_; }
  bool is_raw_method(std::string_view name) const { return raw_methods_.contains(name); }
  // `typing.cast`: a call of it is its value argument (rules/python/clients.toml value-casts).
  bool is_value_cast(std::string_view qualified) const { return value_casts_.contains(qualified); }
  // `functools.partial`: what a call of it returns, called, calls its first argument
  // (rules/python/clients.toml callable-binders).
  bool is_callable_binder(std::string_view qualified) const { return callable_binders_.contains(qualified); }
  // `dataclasses.field`: where it takes a class it calls later (rules/python/clients.toml
  // factory-takers); null for any other callable.
  struct FactoryArgument {
    std::string keyword;
    int position = -1;  // -1: keyword only
  };
  const FactoryArgument* factory_argument(std::string_view qualified) const;
  // The client's own attributes and methods, no API resource (rules/python/client-members.toml).
  bool is_client_member(std::string_view name) const { return members_.contains(name); }
  // A name under a package of another vendor's OpenAI-shaped SDK (rules/python/other-vendors.toml).
  bool is_other_vendor(std::string_view qualified) const {
    return other_vendors_.contains(qualified.substr(0, qualified.find('.')));
  }
  // A catalogue method that sends no request (`webhooks.unwrap`): never an API call.
  bool is_local_method(std::string_view api) const { return local_methods_.contains(api); }
  // A call through a resource of a client (`chat.completions.create`, or a method the catalogue
  // lacks, `beta.vector_stores.new_thing`): the path's first segment is no client member, no
  // later one a resource's own member (`files._client.get`), and the call is no local helper.
  // One segment (`close`, `post`) is a call on the client itself.
  bool is_resource_call(std::string_view api) const;
  // "ChatCompletion.create" -> v1 api; nullptr when not a legacy method.
  const LegacyMethod* legacy_method(std::string_view class_dot_method) const;
  // Default factory specs ("quotaguard:openai_client") per kind.
  const std::vector<std::pair<ClientKind, std::string>>& default_factories() const { return default_factories_; }
  // The default factory that QG002 fixes call (a shared client); also among the sync ones above, last.
  const std::string& module_client_factory() const { return module_client_factory_; }

  const std::vector<std::string>& api_hosts() const { return hosts_; }

 private:
  Catalogue();
  std::vector<RuleInfo> rules_;
  std::vector<std::string> messages_;  // by MessageId
  std::vector<ApiMethod> methods_;
  StringMap<std::size_t> method_index_;
  StringSet resources_, segments_, distinctive_, wrappers_, method_names_;
  std::string package_;
  StringMap<ClientClass> classes_;
  StringMap<FactoryArgument> factory_arguments_;
  StringSet other_vendors_, star_exports_, copy_methods_, raw_methods_, value_casts_, callable_binders_, members_, resource_members_,
      local_methods_;
  StringMap<LegacyMethod> legacy_;
  std::vector<std::pair<ClientKind, std::string>> default_factories_;
  std::string module_client_factory_;
  std::string copy_method_;
  std::vector<std::string> hosts_;
};

// Parses "sync" / "async" / "azure" / "async-azure".
std::optional<ClientKind> parse_client_kind(std::string_view s);

// Embedded text of one rules/ file ("python/clients.toml"); empty if absent.
std::string_view embedded_rule_file(std::string_view relative_path);
// Every embedded rules/ .toml file under `folder` ("cpp/", "python/library-clients/"): (path
// relative to rules/, text), in path order.
std::vector<std::pair<std::string, std::string_view>> embedded_toml_files(std::string_view folder);

}  // namespace qg
