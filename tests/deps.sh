#!/bin/sh
# Install the Debian packages the build and the tests need, when missing.
# A quick no-op when everything is present. Arguments name more packages
# (make eval's).
set -eu
PACKAGES="build-essential pkg-config libgsl-dev libopenblas-dev libdnnl-dev
libsndfile1-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
libjansson-dev bats bats-support bats-assert ffmpeg python3 python3-numpy
python3-scipy python3-statsmodels python3-skimage python3-torch python3-mpmath
clang libclang-rt-14-dev espeak-ng locales gnuplot-nox opencv-doc
fonts-dejavu-core parallel libopenmpi-dev openmpi-bin strace $*"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
