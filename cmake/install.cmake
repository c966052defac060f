# cmake/install.cmake — what `cmake --install` adds to the libraries, headers and exported
# targets that the top-level CMakeLists.txt installs; included from it after install(EXPORT).
#
#   bin/tessera-run                                  run a command on tessera (tools/tessera-run)
#   <libdir>/cmake/tessera/tesseraConfig.cmake       find_package(tessera) -> tessera::tessera,
#   <libdir>/cmake/tessera/tesseraConfigVersion.cmake  tessera::tessera-static,
#                                                      tessera::tessera-override
#   <libdir>/pkgconfig/tessera.pc                    pkg-config --cflags --libs tessera
#
# And in the build tree: a copy of tessera-run next to libtessera.so, which finds the library
# there, so `build/tessera-run CMD` works before installing.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TESSERA_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tessera)

# ---- tessera-run ----------------------------------------------------------------------------
file(GENERATE OUTPUT $<TARGET_FILE_DIR:tessera>/tessera-run
  INPUT ${PROJECT_SOURCE_DIR}/tools/tessera-run USE_SOURCE_PERMISSIONS)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/tessera-run DESTINATION ${CMAKE_INSTALL_BINDIR})

# ---- CMake package --------------------------------------------------------------------------
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tesseraConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tesseraConfig.cmake
  INSTALL_DESTINATION ${TESSERA_CMAKE_INSTALL_DIR})
# 0.x: a new minor version may change the API, so find_package(tessera 0.1) accepts 0.1.* only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tesseraConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tesseraConfig.cmake
              ${PROJECT_BINARY_DIR}/tesseraConfigVersion.cmake
  DESTINATION ${TESSERA_CMAKE_INSTALL_DIR})

# ---- pkg-config -----------------------------------------------------------------------------
# Relocatable: the paths in tessera.pc are relative to where the file is installed
# (${pcfiledir}), so `cmake --install build --prefix DIR` works for any DIR. Absolute
# CMAKE_INSTALL_LIBDIR or INCLUDEDIR values are written as they are.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(TESSERA_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(TESSERA_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(TESSERA_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH TESSERA_PC_UP "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" TESSERA_PC_UP "${TESSERA_PC_UP}")  # "../.." (no trailing /)
  set(TESSERA_PC_PREFIX "\${pcfiledir}/${TESSERA_PC_UP}")
  set(TESSERA_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(TESSERA_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/tessera.pc.in ${PROJECT_BINARY_DIR}/tessera.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tessera.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
