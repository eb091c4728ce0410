# Run by `cmake --install` (CMakeLists.txt: install(CODE ...)) after the
# binary is in place; EGRET_SOURCE_DIR is the source tree. Honours
# --prefix / CMAKE_INSTALL_PREFIX and DESTDIR (file(INSTALL) adds it).
#
#   PREFIX/share/egret/web/               the built web app (web/dist), when built
#   PREFIX/share/egret/egret.example.ini  every key with its default
#   PREFIX/share/egret/nginx/egret.conf   the nginx site (packaging/nginx)
#   PREFIX/share/doc/egret/               operations.md, deploy.md
#   UNITDIR/egret*.service, egret-*.timer systemd units
#   SYSUSERSDIR/egret.conf                the service user (systemd-sysusers)
#   SYSCONFDIR/logrotate.d/egret          logrotate for [server] log_file, only if absent
#   SYSCONFDIR/egret/egret.ini            the configuration, only if absent
#
# UNITDIR is /lib/systemd/system and SYSUSERSDIR /usr/lib/sysusers.d when
# PREFIX is /usr, else PREFIX/lib/systemd/system and PREFIX/lib/sysusers.d;
# SYSCONFDIR is /etc for a PREFIX under /usr, else PREFIX/etc. Each can be
# set in the environment: EGRET_UNITDIR, EGRET_SYSUSERSDIR, EGRET_SYSCONFDIR.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(unitdir_default "/lib/systemd/system")
  set(sysusersdir_default "/usr/lib/sysusers.d")
else()
  set(unitdir_default "${prefix}/lib/systemd/system")
  set(sysusersdir_default "${prefix}/lib/sysusers.d")
endif()
if(prefix MATCHES "^/usr(/|$)")
  set(sysconfdir_default "/etc")
  set(statedir "/var/lib/egret")
else()
  set(sysconfdir_default "${prefix}/etc")
  set(statedir "${prefix}/var/lib/egret")
endif()
foreach(v UNITDIR SYSUSERSDIR SYSCONFDIR)
  string(TOLOWER "${v}" lv)
  if(NOT "$ENV{EGRET_${v}}" STREQUAL "")
    set(EGRET_${v} "$ENV{EGRET_${v}}")
  else()
    set(EGRET_${v} "${${lv}_default}")
  endif()
endforeach()

set(src "${EGRET_SOURCE_DIR}")
set(share "${prefix}/share/egret")
# Staging in the build tree: this file is included by BUILD/cmake_install.cmake
# (in script mode CMAKE_CURRENT_BINARY_DIR is the working directory, the
# source tree when scripts/install.sh runs it).
get_filename_component(egret_build_dir "${CMAKE_PARENT_LIST_FILE}" DIRECTORY)
set(stage "${egret_build_dir}/egret-install-stage")
file(REMOVE_RECURSE "${stage}")
file(MAKE_DIRECTORY "${stage}/systemd" "${stage}/nginx")

# The web app, when `make web` built it.
if(EXISTS "${src}/web/dist/index.html")
  file(INSTALL "${src}/web/dist/" DESTINATION "${share}/web")
else()
  message(STATUS "egret: the web app is not built (web/dist/index.html missing; run `make web`): "
                 "${share}/web not installed, only the API will be served")
endif()

file(INSTALL "${src}/egret.example.ini" DESTINATION "${share}")
file(INSTALL "${src}/docs/operations.md" "${src}/docs/deploy.md" DESTINATION "${prefix}/share/doc/egret")

# systemd units: the installed paths put in.
set(EGRET_BIN "${prefix}/bin/egret")
set(EGRET_CONFIG "${EGRET_SYSCONFDIR}/egret/egret.ini")
set(EGRET_DOC "${prefix}/share/doc/egret")
file(GLOB units "${src}/packaging/systemd/egret*.service" "${src}/packaging/systemd/egret*.timer")
foreach(u ${units})
  get_filename_component(name "${u}" NAME)
  configure_file("${u}" "${stage}/systemd/${name}" @ONLY)
endforeach()
file(GLOB staged_units "${stage}/systemd/*")
file(INSTALL ${staged_units} DESTINATION "${EGRET_UNITDIR}" FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${src}/packaging/sysusers/egret.conf" DESTINATION "${EGRET_SYSUSERSDIR}")

# logrotate, for a log_file under /var/log/egret; like the configuration,
# only when absent (the operator may have tuned it).
if(EXISTS "$ENV{DESTDIR}${EGRET_SYSCONFDIR}/logrotate.d/egret")
  message(STATUS "egret: ${EGRET_SYSCONFDIR}/logrotate.d/egret exists, left as it is")
else()
  file(INSTALL "${src}/packaging/logrotate/egret" DESTINATION "${EGRET_SYSCONFDIR}/logrotate.d"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()

# The nginx site with this installation's web app folder; the rest of its
# placeholders are the defaults an operator edits (docs/operations.md).
file(READ "${src}/packaging/nginx/egret.conf" site)
foreach(pair "SERVER_NAME=egret.example.gov.cn" "HTTPS_LISTEN=443" "HTTP_LISTEN=80"
             "CERT=/etc/ssl/egret/fullchain.pem" "CERT_KEY=/etc/ssl/egret/privkey.pem"
             "WEB_DIR=${share}/web" "UPSTREAM_1=127.0.0.1:8080" "UPSTREAM_2=127.0.0.1:8081")
  string(FIND "${pair}" "=" eq)
  string(SUBSTRING "${pair}" 0 ${eq} key)
  math(EXPR eq "${eq} + 1")
  string(SUBSTRING "${pair}" ${eq} -1 value)
  string(REPLACE "@${key}@" "${value}" site "${site}")
endforeach()
file(WRITE "${stage}/nginx/egret.conf" "${site}")
file(INSTALL "${stage}/nginx/egret.conf" DESTINATION "${share}/nginx")

# The configuration, from the example with the service's paths, only when
# there is none yet (an upgrade keeps the operator's file).
set(ini "$ENV{DESTDIR}${EGRET_SYSCONFDIR}/egret/egret.ini")
if(EXISTS "${ini}")
  message(STATUS "egret: ${ini} exists, left as it is")
else()
  file(READ "${src}/egret.example.ini" conf)
  string(REPLACE "url = var/egret.db" "url = ${statedir}/egret.db" conf "${conf}")
  string(REPLACE "key_file = var/egret.key" "key_file = ${statedir}/egret.key" conf "${conf}")
  string(REPLACE "data_dir = var/files" "data_dir = ${statedir}/files" conf "${conf}")
  string(REPLACE "dir = var/backups" "dir = ${statedir}/backups" conf "${conf}")
  string(REPLACE "static_dir = web/dist" "static_dir = ${share}/web" conf "${conf}")
  # nginx on this machine (packaging/nginx/egret.conf) is the only proxy.
  string(REPLACE "trusted_proxies =\n" "trusted_proxies = 127.0.0.1, ::1\n" conf "${conf}")
  string(REPLACE "connections_per_address = 128" "connections_per_address = 1024" conf "${conf}")
  file(WRITE "${stage}/egret.ini" "${conf}")
  file(INSTALL "${stage}/egret.ini" DESTINATION "${EGRET_SYSCONFDIR}/egret"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
endif()
