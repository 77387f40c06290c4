# mcns_library(name SRCS a.cpp ... DEPS public... PRIVATE_DEPS private...)
#   -> target mcns_<name>, alias mcns::<name>; includes are repo-rooted.
function(mcns_library name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(mcns_${name} STATIC ${A_SRCS})
  add_library(mcns::${name} ALIAS mcns_${name})
  target_include_directories(mcns_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(mcns_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS} mcns_warnings)
endfunction()

# mcns_test(name SRCS a_test.cpp ... DEPS ... [LABELS unit])
#   -> a GoogleTest executable whose cases CTest discovers one by one.
function(mcns_test name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${A_SRCS})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest_main GTest::gmock mcns_warnings)
  if(NOT A_LABELS)
    set(A_LABELS unit)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${A_LABELS}" ENVIRONMENT "MCNS_BIN_DIR=${CMAKE_BINARY_DIR}/bin")
  # The repository root, for tests that read checked-in data (a list in ENVIRONMENT
  # does not survive gtest_discover_tests' property forwarding).
  target_compile_definitions(${name} PRIVATE MCNS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()
