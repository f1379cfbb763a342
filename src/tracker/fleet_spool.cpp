// The fleet's spool (fleet.h): batches a process stopping with Redis away leaves in files beside
// the host's state, pushed by any process of the host once Redis is back (fleet.cpp's sync thread).
#include <dirent.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>

#include "fleet.h"

namespace qg::tracker {

// One file per batch: "id\tminute\tday\tmonth" then "name\tr\tt\tu\te" per row (a name never
// holds a tab: workspaces are checked text), then "\x1e<key>\x1f<ttl>\x1f<amount>\x1f<field>"
// per usage field (a field holds tabs, never \x1f or a newline), written to a temporary name and
// renamed.
void Fleet::spool_outbox() {
  if (spool_.empty() || outbox_.empty()) return;
  ::mkdir(spool_.c_str(), 0700);
  for (const Batch& b : outbox_) {
    std::string text = b.id;
    for (int p = 0; p < kPeriods; ++p) text += "\t" + std::to_string(b.period_index[p]);
    text += "\n";
    for (const auto& row : b.rows) {
      text += row.name;
      for (uint64_t a : row.amount) text += "\t" + std::to_string(a);
      text += "\n";
    }
    for (const auto& u : b.usage)
      for (const auto& [field, amount] : u.fields)
        text += "\x1e" + u.key + "\x1f" + std::to_string(u.ttl) + "\x1f" + std::to_string(amount) + "\x1f" + field + "\n";
    std::string file = b.id;
    for (char& c : file)
      if (c == ':' || c == '/') c = '_';
    const std::string path = spool_ + "/" + file + ".batch", tmp = path + ".tmp";
    if (std::FILE* f = std::fopen(tmp.c_str(), "w")) {
      const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
      if (std::fclose(f) == 0 && ok) std::rename(tmp.c_str(), path.c_str());
    }
  }
}

void Fleet::push_spool() {
  if (spool_.empty()) return;
  DIR* d = ::opendir(spool_.c_str());
  if (!d) return;
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    if (n.size() > 6 && n.compare(n.size() - 6, 6, ".batch") == 0) files.push_back(spool_ + "/" + n);
  }
  ::closedir(d);
  for (const std::string& path : files) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) continue;  // taken by another process
    Batch b;
    char* buf = nullptr;
    std::size_t cap = 0;
    auto next_line = [&](std::string& s) {
      const ssize_t n = ::getline(&buf, &cap, f);
      if (n < 0) return false;
      s.assign(buf, static_cast<std::size_t>(n));
      if (!s.empty() && s.back() == '\n') s.pop_back();
      return true;
    };
    std::string s;
    bool ok = next_line(s);
    if (ok) {
      std::vector<std::string> head;
      std::size_t at = 0;
      for (std::size_t tab; (tab = s.find('\t', at)) != std::string::npos; at = tab + 1) head.push_back(s.substr(at, tab - at));
      head.push_back(s.substr(at));
      ok = head.size() == 1 + kPeriods;
      if (ok) {
        b.id = head[0];
        for (int p = 0; p < kPeriods; ++p) b.period_index[p] = std::atoll(head[1 + p].c_str());
      }
    }
    while (ok && next_line(s)) {
      if (!s.empty() && s[0] == '\x1e') {  // a usage field: key, ttl, amount, field
        const std::size_t k = s.find('\x1f'), t = s.find('\x1f', k + 1), v = s.find('\x1f', t + 1);
        if (k == std::string::npos || t == std::string::npos || v == std::string::npos) continue;
        const std::string key = s.substr(1, k - 1);
        if (b.usage.empty() || b.usage.back().key != key) b.usage.push_back({key, std::atoll(s.c_str() + k + 1), {}});
        b.usage.back().fields.emplace_back(s.substr(v + 1), std::atoll(s.c_str() + t + 1));
        continue;
      }
      Batch::Row row{kEntities, {}, {}};
      std::size_t at = s.find('\t');
      if (at == std::string::npos) break;
      row.name = s.substr(0, at);
      for (int w = 0; w < kSharedAmounts; ++w) {
        const std::size_t next = s.find('\t', at + 1);
        row.amount[w] = std::strtoull(s.c_str() + at + 1, nullptr, 10);
        at = next;
      }
      b.rows.push_back(std::move(row));
    }
    std::free(buf);
    std::fclose(f);
    if (!ok) continue;
    const Pushed p = push(b);
    if (p == Pushed::failed) return;  // Redis went away again: the file waits
    pushed(p, std::move(b));
    std::remove(path.c_str());
  }
}

}  // namespace qg::tracker
