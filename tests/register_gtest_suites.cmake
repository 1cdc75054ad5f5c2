# Writes a CTest include file with one test per GoogleTest suite of a test binary (a CMake script run after
# the binary links; kiln_register_suites in CMakeLists.txt). One process per suite rather than per case: a
# test binary linked to LibTorch spends about a second starting (LibTorch registers its operators at load),
# which per case was about a sixth of the tests' summed time (2,258 s per case, 1,928 s per suite).
#
# In: TEST_EXECUTABLE, CTEST_FILE, TEST_PROPERTIES (key;value;... set on every test). Each test's COST is its
# number of cases, so that a clean build's first ctest run starts the long suites first.

execute_process(COMMAND "${TEST_EXECUTABLE}" --gtest_list_tests
  OUTPUT_VARIABLE listing ERROR_VARIABLE errors RESULT_VARIABLE status TIMEOUT 120)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} --gtest_list_tests failed (${status}):\n${listing}${errors}")
endif()

# The listing is "Suite." lines, each followed by its "  Case" lines; a parameterized suite or case may end
# with "  # GetParam() = ..." (any text, so semicolons are removed before the lines become a CMake list).
string(REPLACE ";" "," listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")
set(suites "")
set(counts "")
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ #]+)\\.( .*)?$")
    list(APPEND suites "${CMAKE_MATCH_1}")
    list(APPEND counts 0)
  elseif(line MATCHES "^  [^ ]" AND suites)
    list(POP_BACK counts count)
    math(EXPR count "${count} + 1")
    list(APPEND counts ${count})
  endif()
endforeach()

set(properties "")
set(pending_key "")
foreach(item IN LISTS TEST_PROPERTIES)
  if(pending_key)
    string(APPEND properties " ${pending_key} [==[${item}]==]")
    set(pending_key "")
  else()
    set(pending_key "${item}")
  endif()
endforeach()

set(script "")
foreach(suite count IN ZIP_LISTS suites counts)
  string(APPEND script
    "add_test([==[${suite}]==] [==[${TEST_EXECUTABLE}]==] [==[--gtest_filter=${suite}.*]==])\n"
    "set_tests_properties([==[${suite}]==] PROPERTIES COST ${count}${properties})\n")
endforeach()
file(WRITE "${CTEST_FILE}" "${script}")
