# How a chapter is put together.
#
#   dl_core              common/: tensor, data, utilities (no chapter maths)
#   dl_chNN              that chapter's exercise sources, from exercises/ or solutions/
#   dl_framework         framework/: layers, losses, optimizers, training step and loop (they call the ops)
#   dl                   umbrella: dl_framework + dl_core + every dl_chNN; every executable links it
#   chNN_name            chapters/chNN_name/main.cpp, the chapter's executable
#   test_chNN            tests/chNN_name/*.cpp, one Catch2 program, each test a ctest test

# Resolve DLFS_SOLUTIONS (none | all | list of chNN) into DLFS_SOLUTIONS_RESOLVED (list of chNN).
function(_dlfs_resolve_solutions)
    set(resolved "")
    foreach(item IN LISTS DLFS_SOLUTIONS)
        string(REPLACE "," ";" parts "${item}")
        foreach(p IN LISTS parts)
            string(STRIP "${p}" p)
            if(p STREQUAL "all")
                foreach(ch IN LISTS DLFS_CHAPTERS)
                    string(SUBSTRING "${ch}" 0 4 id)
                    list(APPEND resolved ${id})
                endforeach()
            elseif(p STREQUAL "none" OR p STREQUAL "")
            elseif(p MATCHES "^ch[0-9][0-9]")
                string(SUBSTRING "${p}" 0 4 id)
                list(APPEND resolved ${id})
            else()
                message(FATAL_ERROR "DLFS_SOLUTIONS: '${p}' is not a chapter; use none, all, or a list such as ch01;ch02")
            endif()
        endforeach()
    endforeach()
    list(REMOVE_DUPLICATES resolved)
    set(DLFS_SOLUTIONS_RESOLVED "${resolved}" PARENT_SCOPE)
endfunction()

# Build dl_chNN for every chapter and the umbrella library dl.
macro(dlfs_chapter_libraries)
    _dlfs_resolve_solutions()
    string(REPLACE ";" "," _solutions_text "${DLFS_SOLUTIONS_RESOLVED}")
    target_compile_definitions(dl_framework PRIVATE DLFS_SOLUTIONS_LIST="${_solutions_text}")
    add_library(dl INTERFACE)
    target_link_libraries(dl INTERFACE dl_framework dl_core)
    set(_earlier_chapters "")
    foreach(chapter IN LISTS DLFS_CHAPTERS)
        string(SUBSTRING "${chapter}" 0 4 id)
        if(id IN_LIST DLFS_SOLUTIONS_RESOLVED)
            set(src_dir "${CMAKE_SOURCE_DIR}/solutions/${chapter}")
        else()
            set(src_dir "${DLFS_EXERCISES_DIR}/${chapter}")
        endif()
        file(GLOB sources CONFIGURE_DEPENDS "${src_dir}/*.cpp")
        if(NOT sources)
            message(FATAL_ERROR "dlfs: no sources in ${src_dir}")
        endif()
        add_library(dl_${id} STATIC ${sources})
        # A chapter builds on the ones before it (chapter 7's attention calls chapter 2's GEMM): link
        # them after it, whatever order a program names the libraries in.
        target_link_libraries(dl_${id} PUBLIC dl_core ${_earlier_chapters} PRIVATE dl_flags)
        list(APPEND _earlier_chapters dl_${id})
        target_link_libraries(dl_framework PUBLIC dl_${id})
        # Stubs keep their parameter names for the learner, so unused parameters are expected there.
        target_compile_options(dl_${id} PRIVATE -Wno-unused-parameter)
        if(id STREQUAL "ch10")
            target_link_libraries(dl_${id} PUBLIC MPI::MPI_CXX)   # chapter 10 is MPI's (dl/ops/distributed.hpp)
        endif()
        target_link_libraries(dl INTERFACE dl_${id})
    endforeach()
endmacro()

# The chapter's executable: chapters/<chapter>/main.cpp (plus any other .cpp there).
function(dlfs_add_chapter chapter)
    file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${chapter}/*.cpp")
    add_executable(${chapter} ${sources})
    target_link_libraries(${chapter} PRIVATE dl dl_flags)
endfunction()

# The chapter's tests: one Catch2 program, every TEST_CASE a ctest test, with labels from its tags:
# KINDS lists the kinds the program has (default: exercise infra; a spec matching no test warns).
# [exercise] -> label chNN.exercise, [infra] -> chNN.infra (a test carries exactly one of the two).
# One label holds both because catch_discover_tests flattens a list of labels; ctest -L takes a
# regular expression, so `ctest -L ch01`, `ctest -L exercise` and `ctest -L ch01.exercise` all work.
function(dlfs_add_chapter_tests dir)
    cmake_parse_arguments(ARG "" "LABEL;TARGET" "EXTRA_LIBS;KINDS" ${ARGN})
    if(NOT ARG_KINDS)
        set(ARG_KINDS exercise infra)
    endif()
    file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${dir}/*.cpp")
    add_executable(${ARG_TARGET} ${sources})
    target_link_libraries(${ARG_TARGET} PRIVATE dl dl_testing dl_flags ${ARG_EXTRA_LIBS})
    # GCC 12.2 with AVX-512 (-march=native here) miscompiles some small constant initialiser lists
    # in its SLP vectoriser: TensorD::from({1, 1, 4}, {1, 1, 0, 0}) held 1, 1, 1, 1 (found by
    # chapter 7's hand-worked attention test; -O2 -mavx512f reproduces it in a 5-line program). The
    # tests' worked values must be the values written, so their programs do without SLP.
    target_compile_options(${ARG_TARGET} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-tree-slp-vectorize>)
    target_compile_definitions(${ARG_TARGET} PRIVATE DLFS_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                               DLFS_BINARY_DIR="${CMAKE_BINARY_DIR}")
    # Catch2 v2 does not turn tags into ctest labels: discover once per kind with disjoint specs
    # (hidden tests, tagged [.], are excluded from both). Exit code 77 means "skipped" (no GPU).
    foreach(kind IN LISTS ARG_KINDS)
        catch_discover_tests(${ARG_TARGET}
            TEST_SPEC "[${kind}]~[.]"
            PROPERTIES LABELS "${ARG_LABEL}.${kind}" SKIP_RETURN_CODE 77
            TEST_LIST ${ARG_TARGET}_${kind}_tests)
    endforeach()
endfunction()
