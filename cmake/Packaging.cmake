# SPDX-License-Identifier: MIT
# Installation (`make install`, PREFIX and DESTDIR) and the Debian package
# (`make deb`, CPack's DEB generator). Included at the end of the
# top-level CMakeLists.txt, after the install(TARGETS) rules of the binaries.
include(GNUInstallDirs)

set(DKIM_DOC_DIR ${CMAKE_INSTALL_DATAROOTDIR}/doc/dkim-filter)
set(DKIM_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/packaging)

# Man pages, installed gzip-compressed (Debian policy 12.1). -n keeps the
# name and time out of the .gz, so two builds give the same bytes.
find_program(DKIM_GZIP gzip REQUIRED)
set(DKIM_MAN_PAGES)
foreach(page dkim-filter.8 dkim-filter-milter.8 dkim-filter-admin.8 dkim-filter-web.8 dkim-filter-sync.8)
  set(out ${CMAKE_BINARY_DIR}/man/${page})
  add_custom_command(OUTPUT ${out}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/man/${page} ${out}
    COMMAND ${DKIM_GZIP} -9nf ${out}
    DEPENDS ${CMAKE_SOURCE_DIR}/man/${page}
    COMMENT "Compressing man page ${page}"
    VERBATIM)
  list(APPEND DKIM_MAN_PAGES ${out}.gz)
endforeach()
add_custom_target(man-pages ALL DEPENDS ${DKIM_MAN_PAGES})
install(FILES ${DKIM_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# dkim-filter-milter's systemd unit: installed, not enabled (the
# administrator points Postfix at it first).
install(FILES ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-milter.service DESTINATION lib/systemd/system)

# The MTA examples as the administrator copies them, with the README and
# the licence. Test scaffolding never lives under examples/.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${DKIM_DOC_DIR}/examples)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${DKIM_PACKAGING_DIR}/copyright DESTINATION ${DKIM_DOC_DIR})
# The key lifecycle's daily timer (dkim-filter-admin(8), "lifecycle run"),
# shipped disabled: nothing enables it until the administrator does.
install(FILES ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-lifecycle.service
              ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-lifecycle.timer
        DESTINATION lib/systemd/system)
# Cluster mode's change-log pruning (dkim-filter-admin(8), "cluster
# prune"), shipped disabled the same way.
install(FILES ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-cluster-prune.service
              ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-cluster-prune.timer
        DESTINATION lib/systemd/system)

# dkim-filter-web's unit (installed, not enabled: see the file's header).
install(FILES ${DKIM_PACKAGING_DIR}/systemd/dkim-filter-web.service DESTINATION lib/systemd/system)

# ---- Debian package -------------------------------------------------------
# Files go under /usr; the system user, its group and /var/lib/dkim-filter
# are made by the maintainer scripts, so `make install` never needs root
# accounts and the package never ships the administrator's data.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME dkim-filter)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "dkim-filter maintainers <postmaster@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "DKIM signing filter for Postfix and Exim")
set(CPACK_PACKAGE_DESCRIPTION
    "dkim-filter signs the mail of authenticated outgoing users as it leaves\n"
    "Postfix (pipe(8) content filter) or Exim (transport_filter), one short-lived\n"
    "process per message, or as a milter daemon (dkim-filter-milter, Postfix\n"
    "smtpd_milters and non_smtpd_milters). Keys are kept per domain and a DKIM selector per\n"
    "outgoing user in an SQLite database managed with dkim-filter-admin.\n"
    "Signatures are rsa-sha256 (RFC 6376, RFC 8301) or ed25519-sha256 (RFC 8463).")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # dkim-filter_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: the libraries the binaries really link (dpkg-shlibdeps, from
# dpkg-dev), plus adduser for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postfix | exim4-daemon-heavy, python3-dkim")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${DKIM_PACKAGING_DIR}/postinst ${DKIM_PACKAGING_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # maintainer scripts 0755
# Built-Using: the source packages of the archives linked into the static
# dkim-filter (cmake/BuildInfo.cmake computes them with dpkg-query at
# configure time); cmake/BuiltUsing.cmake writes the field.
set(CPACK_DKIM_BUILT_USING "${DKIM_BUILT_USING}")
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/cmake/BuiltUsing.cmake)
set(CPACK_SOURCE_GENERATOR "")
include(CPack)
