#include "test_harness.h"
#include "version.h"

TEST_CASE(kernel_version_is_positive) { EXPECT_TRUE(servesim::kKernelVersion > 0); }
