#!/bin/sh
# As curlimages/curl's entrypoint behaves: an option, or a word that is no
# command, is handed to curl; anything else runs as given.
set -e
case $1 in
  -*) set -- curl "$@" ;;
  *) command -v "$1" >/dev/null 2>&1 || set -- curl "$@" ;;
esac
exec "$@"
