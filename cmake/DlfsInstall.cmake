# `cmake --install build/<preset> --prefix DIR` installs the library for programs outside this repo:
# the headers (DIR/include/dl/...), the static libraries (dl_core, dl_framework, one dl_chNN a
# chapter, built from solutions/ or exercises/ as this build was) and a CMake package, so that
#     find_package(dlfs CONFIG REQUIRED)        (with CMAKE_PREFIX_PATH=DIR)
#     target_link_libraries(app PRIVATE dlfs::dl)
# works (examples/classify does it). The libraries are compiled for this machine's CPU unless the
# build was configured with -DDLFS_NATIVE=OFF (a portable x86-64 build, for another machine).
include(CMakePackageConfigHelpers)

set(_dlfs_install_targets dl dl_core dl_framework dl_flags)
foreach(chapter IN LISTS DLFS_CHAPTERS)
    string(SUBSTRING "${chapter}" 0 4 id)
    list(APPEND _dlfs_install_targets dl_${id})
endforeach()
install(TARGETS ${_dlfs_install_targets} EXPORT dlfsTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY "${CMAKE_SOURCE_DIR}/common/include/" "${CMAKE_SOURCE_DIR}/framework/include/"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT dlfsTargets NAMESPACE dlfs:: DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/dlfs")
# Chapter 10's library links MPI: a build with it asks for MPI too.
set(DLFS_FIND_MPI "")
if(MPI_CXX_FOUND)
    set(DLFS_FIND_MPI "find_dependency(MPI COMPONENTS CXX)")
endif()
configure_package_config_file("${CMAKE_SOURCE_DIR}/cmake/dlfsConfig.cmake.in"
                              "${CMAKE_BINARY_DIR}/dlfsConfig.cmake"
                              INSTALL_DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/dlfs")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/dlfsConfigVersion.cmake" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/dlfsConfig.cmake" "${CMAKE_BINARY_DIR}/dlfsConfigVersion.cmake"
        DESTINATION "${CMAKE_INSTALL_LIBDIR}/cmake/dlfs")
