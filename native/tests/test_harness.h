#pragma once
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace servesim_test {
struct Case { const char* name; void (*fn)(bool&, std::string&); };
inline std::vector<Case>& registry() { static std::vector<Case> r; return r; }
struct Registrar { Registrar(const char* n, void (*f)(bool&, std::string&)) { registry().push_back({n, f}); } };
}  // namespace servesim_test

#define TEST_CASE(name)                                                        \
  static void name(bool& ok_, std::string& why_);                              \
  static servesim_test::Registrar reg_##name(#name, name);                     \
  static void name(bool& ok_, std::string& why_)

#define EXPECT_TRUE(cond)                                                      \
  do { if (!(cond)) { ok_ = false; why_ = "expected " #cond; return; } } while (0)

#define EXPECT_EQ(a, b)                                                        \
  do { auto va_ = (a); auto vb_ = (b); if (!(va_ == vb_)) { std::ostringstream os_;  \
    os_ << #a " == " #b " but " << va_ << " != " << vb_; ok_ = false; why_ = os_.str(); return; } } while (0)

#define EXPECT_NEAR(a, b, tol)                                                 \
  do { double va_ = (a), vb_ = (b); if (!(std::fabs(va_ - vb_) <= (tol))) { std::ostringstream os_; \
    os_.precision(17); os_ << #a " ~ " #b " but " << va_ << " vs " << vb_; ok_ = false; why_ = os_.str(); return; } } while (0)
