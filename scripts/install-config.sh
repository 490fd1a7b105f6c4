#!/bin/sh
# install-config.sh SRC DIR: install the sample configuration as
# DIR/policyd-spf.conf unless one is there already (meson install runs this;
# DESTDIR is honoured).  An existing file is never overwritten.
set -eu
src=$1
dir=${DESTDIR:-}$2
mkdir -p "$dir"
if [ -e "$dir/policyd-spf.conf" ]; then
	echo "keeping the existing $dir/policyd-spf.conf"
else
	install -m 0644 "$src" "$dir/policyd-spf.conf"
fi
