// Minimal test runner for the C++ core: each case prints "ok <name>" or "FAIL <name>: <why>";
// test/native-core.test.ts runs this binary and turns each line into a vitest assertion.
#include "test_harness.h"
#include <cstdio>

int main() {
  int failed = 0;
  for (auto& c : servesim_test::registry()) {
    std::string why;
    bool ok = true;
    try {
      c.fn(ok, why);
    } catch (const std::exception& e) {
      ok = false;
      why = std::string("exception: ") + e.what();
    }
    if (ok) std::printf("ok %s\n", c.name);
    else { std::printf("FAIL %s: %s\n", c.name, why.c_str()); ++failed; }
  }
  return failed == 0 ? 0 : 1;
}
