// Names the calling thread as `top -H`, `ps -L` and /proc/<pid>/task/*/comm show it, so a
// user (or a test) can tell the tracker's threads from the application's. At most 15 bytes.
#pragma once

#ifdef __linux__
#include <pthread.h>
#endif

namespace qg::tracker {

inline void name_this_thread(const char* name) {
#ifdef __linux__
  pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

}  // namespace qg::tracker
