#include "core/finding.h"

namespace qg {

const char* to_string(Provenance p) {
  switch (p) {
    case Provenance::Factory: return "factory";
    case Provenance::Direct: return "direct";
    case Provenance::Module: return "module";
    case Provenance::Unknown: return "unknown";
    case Provenance::Legacy: return "legacy";
    case Provenance::RawHttp: return "raw-http";
  }
  return "unknown";
}

const char* to_string(CallStatus s) {
  switch (s) {
    case CallStatus::Tracked: return "tracked";
    case CallStatus::Untracked: return "untracked";
    case CallStatus::Unresolved: return "unresolved";
  }
  return "unresolved";
}

const char* to_string(ClientKind k) {
  switch (k) {
    case ClientKind::Sync: return "sync";
    case ClientKind::Async: return "async";
    case ClientKind::Azure: return "azure";
    case ClientKind::AsyncAzure: return "async-azure";
  }
  return "sync";
}

}  // namespace qg
