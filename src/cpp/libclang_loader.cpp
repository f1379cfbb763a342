// Compiled only when the libclang headers were found at configure time.
#ifdef QG_HAVE_LIBCLANG
#include "cpp/libclang_loader.h"

#include <dlfcn.h>

#include <mutex>

namespace qg::cpp {

namespace {

struct Loaded {
  LibClang api;
  bool ok = false;
  std::string why;
};

Loaded load() {
  Loaded out;
  // The library found at build time first, then Debian's sonames, newest first.
  const char* candidates[] = {
#ifdef QG_LIBCLANG_PATH
      QG_LIBCLANG_PATH,
#endif
      "libclang-16.so.1", "libclang-16.so.16", "libclang.so.1", "libclang-15.so.1", "libclang-14.so.1",
  };
  void* handle = nullptr;
  for (const char* name : candidates)
    if ((handle = ::dlopen(name, RTLD_NOW | RTLD_LOCAL))) break;
  if (!handle) {
    out.why = "libclang is not installed (apt-get install libclang-16-dev)";
    return out;
  }
#define QG_LIBCLANG_RESOLVE(name)                                                     \
  out.api.name = reinterpret_cast<decltype(&::name)>(::dlsym(handle, #name));         \
  if (!out.api.name) {                                                                \
    out.why = "the installed libclang lacks " #name;                                  \
    return out;                                                                       \
  }
  QG_LIBCLANG_FUNCTIONS(QG_LIBCLANG_RESOLVE)
#undef QG_LIBCLANG_RESOLVE
  out.ok = true;  // the handle stays open for the life of the process
  return out;
}

}  // namespace

const LibClang* libclang(std::string* why) {
  static const Loaded loaded = load();
  if (!loaded.ok && why) *why = loaded.why;
  return loaded.ok ? &loaded.api : nullptr;
}

}  // namespace qg::cpp

#endif  // QG_HAVE_LIBCLANG
