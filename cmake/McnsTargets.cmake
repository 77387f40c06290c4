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

# mcns_fuzz_target(name SRC fuzz.cpp DEPS ... SUITE Name CORPUS dir MIN_FILES n MODES m
#                  [INSTRUMENT mcns_lib])
#   -> with clang and MCNS_FUZZ: the libFuzzer executable `name` (INSTRUMENT: the library
#      whose code gets coverage and sanitizers); in every build: the test `name`_replay
#      that runs each seed of CORPUS through the same entry point (cmake/fuzz_replay_test.cpp;
#      MODES values of the first byte are tried, at least MIN_FILES seeds must exist).
function(mcns_fuzz_target name)
  cmake_parse_arguments(A "" "SRC;SUITE;CORPUS;MIN_FILES;MODES;INSTRUMENT" "DEPS" ${ARGN})
  if(MCNS_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    if(A_INSTRUMENT)
      target_compile_options(${A_INSTRUMENT} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
      target_link_options(${A_INSTRUMENT} INTERFACE -fsanitize=address,undefined)
    endif()
    add_executable(${name} ${A_SRC})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${A_DEPS} mcns_warnings)
  endif()
  mcns_test(${name}_replay
    SRCS ${A_SRC} ${PROJECT_SOURCE_DIR}/cmake/fuzz_replay_test.cpp
    DEPS ${A_DEPS})
  target_compile_definitions(${name}_replay PRIVATE
    MCNS_FUZZ_SUITE=${A_SUITE} MCNS_FUZZ_CORPUS="${A_CORPUS}" MCNS_FUZZ_MIN_FILES=${A_MIN_FILES}
    MCNS_FUZZ_MODES=${A_MODES})
endfunction()
