// Planted defects, one per sanitizer, so a sanitizer run can prove it reports (issue 20): a
// run whose sanitizer is not linked, whose runtime is not preloaded, whose options let errors
// recover, or whose harness swallows the report, checks nothing while staying green.
// Built as a program (the C++ runs) and as a shared library (the Python harness, via ctypes).
#include <climits>
#include <cstdio>
#include <cstring>
#include <thread>

namespace {

[[gnu::noinline]] int heap_use_after_free() {
  int* volatile p = new int[4]{1, 2, 3, 4};
  delete[] p;
  return p[1];
}

[[gnu::noinline]] int signed_overflow() {
  volatile int x = INT_MAX;
  return x + 1;
}

int* volatile leaked = nullptr;
[[gnu::noinline]] int leak() {
  leaked = new int[16];
  leaked = nullptr;
  return 0;
}

int shared_counter = 0;  // written by two threads without synchronisation
[[gnu::noinline]] int data_race() {
  std::thread a([] { ++shared_counter; });
  std::thread b([] { ++shared_counter; });
  a.join();
  b.join();
  return shared_counter;
}

}  // namespace

// Runs one planted defect by name ("ok": none); -1 for an unknown name.
extern "C" int qg_sanitizer_canary(const char* which) {
  if (!std::strcmp(which, "ok")) return 0;
  if (!std::strcmp(which, "heap-use-after-free")) return heap_use_after_free();
  if (!std::strcmp(which, "signed-integer-overflow")) return signed_overflow();
  if (!std::strcmp(which, "leak")) return leak();
  if (!std::strcmp(which, "data-race")) return data_race();
  return -1;
}

#ifndef QG_CANARY_LIBRARY
#include <cstdlib>
// The defect is named by the argument or by QG_CANARY (as the Python harness is told).
int main(int argc, char** argv) {
  const char* which = argc > 1 ? argv[1] : std::getenv("QG_CANARY");
  if (!which || qg_sanitizer_canary(which) == -1) {
    std::fprintf(stderr, "usage: qg_sanitizer_canary ok|heap-use-after-free|signed-integer-overflow|leak|data-race\n");
    return 2;
  }
  return 0;  // a sanitizer that saw the defect has already ended the process with its own code
}
#endif
