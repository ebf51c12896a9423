# SPDX-License-Identifier: MIT
# Cluster mode: db/cluster (libpq client, PostgreSQL schema, replica
# writer) and dkim-filter-sync. Only these and dkim-filter-admin link libpq;
# dkim-filter never does (its only input stays the SQLite file).
find_package(PostgreSQL REQUIRED)

# db/cluster/schema/NNNN_name.sql embedded as db/schema is.
file(GLOB DKIM_CLUSTER_SCHEMA_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/db/cluster/schema/*.sql)
list(SORT DKIM_CLUSTER_SCHEMA_FILES)
set(DKIM_CLUSTER_SCHEMA_ENTRIES "")
foreach(sql_file ${DKIM_CLUSTER_SCHEMA_FILES})
  get_filename_component(sql_name ${sql_file} NAME)
  if(NOT sql_name MATCHES "^([0-9][0-9][0-9][0-9])_[a-z0-9_]+\\.sql$")
    message(FATAL_ERROR "db/cluster/schema/${sql_name}: migrations are named NNNN_name.sql")
  endif()
  math(EXPR sql_version "${CMAKE_MATCH_1}")
  file(READ ${sql_file} sql_text)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${sql_file})
  string(APPEND DKIM_CLUSTER_SCHEMA_ENTRIES "    {${sql_version}, \"${sql_name}\", R\"sql(${sql_text})sql\"},\n")
endforeach()
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/generated/db/cluster/cluster_schema_sql.h
     CONTENT "// Generated from db/cluster/schema/*.sql by cmake/Cluster.cmake; do not edit.\n#pragma once\n#include \"db/cluster/schema.h\"\nnamespace dkim::cluster {\ninline const std::vector<ClusterMigration> kClusterMigrations = {\n@DKIM_CLUSTER_SCHEMA_ENTRIES@};\n}\n"
     @ONLY)

file(GLOB CLUSTER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/db/cluster/*.cpp)
add_library(cluster STATIC ${CLUSTER_SOURCES})
target_include_directories(cluster PRIVATE ${CMAKE_BINARY_DIR}/generated ${Boost_INCLUDE_DIRS})
target_link_libraries(cluster PUBLIC keystore dkimcore PostgreSQL::PostgreSQL SQLite::SQLite3 ${CORE_LIBS})

add_executable(dkim-filter-sync ${CMAKE_SOURCE_DIR}/db/sync/main.cpp)
target_link_libraries(dkim-filter-sync PRIVATE cluster keystore dkimcore Boost::program_options
                      SQLite::SQLite3 ${CORE_LIBS})
install(TARGETS dkim-filter-sync RUNTIME DESTINATION sbin)
# Installed disabled: a node enables it once it is configured.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/dkim-filter-sync.service DESTINATION lib/systemd/system)
