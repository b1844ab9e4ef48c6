// Directories a test writes into, removed when the test program exits.
#pragma once

#include <string>

namespace convene::testing {

// A new directory under the temporary directory ($TMPDIR or /tmp), removed
// with everything in it when the test program exits (kept when
// CONVENE_KEEP_TEST_DATA is set, to be looked at).
std::string scratch_dir(const char* prefix);

// Removes `dir` and everything in it now, unless CONVENE_KEEP_TEST_DATA is
// set: for a directory made by someone else (a server's own data directory).
void remove_test_dir(const std::string& dir);

}  // namespace convene::testing
