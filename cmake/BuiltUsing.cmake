# SPDX-License-Identifier: MIT
# CPack post-build script (CPACK_POST_BUILD_SCRIPTS): adds the Built-Using
# field (Debian policy 7.8: source packages whose code is statically linked
# into the binary package) to each .deb CPack made. CPack's DEB generator
# has no variable for that field, so the package is unpacked with
# `dpkg-deb -R`, the field added to DEBIAN/control, and rebuilt with
# `dpkg-deb -b`. CPACK_DKIM_BUILT_USING comes from cmake/BuildInfo.cmake.
if(NOT CPACK_DKIM_BUILT_USING)
  return()
endif()
foreach(deb ${CPACK_PACKAGE_FILES})
  if(NOT deb MATCHES "\\.deb$")
    continue()
  endif()
  set(tree ${deb}.built-using)
  file(REMOVE_RECURSE ${tree})
  execute_process(COMMAND dpkg-deb -R ${deb} ${tree} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -R ${deb} failed")
  endif()
  file(READ ${tree}/DEBIAN/control control)
  if(NOT control MATCHES "\nBuilt-Using:")
    # A new field before Description, whose continuation lines end the paragraph.
    string(REPLACE "\nDescription:" "\nBuilt-Using: ${CPACK_DKIM_BUILT_USING}\nDescription:" control "${control}")
    file(WRITE ${tree}/DEBIAN/control "${control}")
  endif()
  execute_process(COMMAND dpkg-deb --root-owner-group -Zxz -b ${tree} ${deb} RESULT_VARIABLE rc OUTPUT_QUIET)
  file(REMOVE_RECURSE ${tree})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "dpkg-deb -b ${deb} failed")
  endif()
endforeach()
