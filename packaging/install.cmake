# What `cmake --install build --prefix P` puts where, the CMake package and pkg-config file through which
# other projects use the runtime, and the Debian package (`cpack -G DEB` in the build folder):
#   bin/kiln, bin/kiln-runner                     the compiler and the LibTorch-free runner
#   LIBDIR/libkiln_runtime.so.0, .so, .a          the runtime, shared (C API only) and static
#   include/kiln/kiln_runtime.h, .hpp             its C and C++ API
#   LIBDIR/cmake/kiln/                            find_package(kiln): kiln::runtime, ::runtime_static, ::kiln
#   LIBDIR/pkgconfig/kiln-runtime.pc              pkg-config --cflags --libs kiln-runtime
#   LIBDIR/kiln/arm64/kiln-runner                 the aarch64 runner `kiln validate --target arm64` starts
# Nothing refers to the source or build tree: the installed kiln finds the aarch64 runner relative to itself
# (validation/artifact_executor.cpp), and the package files are relative to where they are installed.
include(CMakePackageConfigHelpers)
set(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME kiln)

set(kiln_config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/kiln)
set_target_properties(kiln_runtime_shared PROPERTIES EXPORT_NAME runtime)
set_target_properties(kiln_runtime PROPERTIES EXPORT_NAME runtime_static)
install(TARGETS kiln kiln-runner kiln_runtime_shared kiln_runtime EXPORT kilnTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/kiln DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT kilnTargets NAMESPACE kiln:: DESTINATION ${kiln_config_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/kilnConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/packaging/kilnConfig.cmake INSTALL_DESTINATION ${kiln_config_dir})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/packaging/kilnConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/packaging/kilnConfig.cmake ${CMAKE_BINARY_DIR}/packaging/kilnConfigVersion.cmake
        DESTINATION ${kiln_config_dir})

file(RELATIVE_PATH KILN_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${CMAKE_CURRENT_LIST_DIR}/kiln-runtime.pc.in ${CMAKE_BINARY_DIR}/packaging/kiln-runtime.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/packaging/kiln-runtime.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

if(KILN_AARCH64_CXX)
  cmake_path(GET KILN_INSTALLED_ARM64_RUNNER PARENT_PATH arm64_runner_dir)
  install(PROGRAMS ${KILN_ARM64_RUNNER} DESTINATION ${arm64_runner_dir} COMPONENT arm64)
endif()

# The Debian packages: `kiln` (everything above but the aarch64 runner) and `kiln-arm64` (the runner, which
# `kiln validate --target arm64` starts under qemu), under /usr and stripped. Dependencies are Debian's package
# names: the shared libraries' packages (dpkg-shlibdeps), and the programs `kiln compile` runs to link an
# artifact; the runner's libraries are Debian's aarch64 cross packages, which dpkg-shlibdeps cannot name.
set(CPACK_PACKAGE_NAME kiln)
set(CPACK_PACKAGE_VENDOR kiln)
set(CPACK_PACKAGE_CONTACT "kiln developers <kiln@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "compiles PyTorch models into fused native libraries (Halide)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_KILN_PACKAGE_NAME kiln)
set(CPACK_DEBIAN_KILN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_KILN_PACKAGE_DEPENDS "g++, binutils")
set(CPACK_DEBIAN_KILN_PACKAGE_RECOMMENDS "libhalide14-0-dev, kiln-arm64")
set(CPACK_DEBIAN_ARM64_PACKAGE_NAME kiln-arm64)
set(CPACK_DEBIAN_ARM64_DESCRIPTION "kiln's runner for 64-bit ARM, run under qemu by `kiln validate --target arm64`")
set(CPACK_DEBIAN_ARM64_PACKAGE_DEPENDS
    "kiln (= ${PROJECT_VERSION}), g++-aarch64-linux-gnu, libc6-arm64-cross, libstdc++6-arm64-cross, qemu-user")
include(CPack)
