#!/usr/bin/env bash
# Builds kiln's Debian packages (`cpack -G DEB`) and checks them without touching the system: the files the
# `kiln` package holds, its dependencies (Debian's package names, which apt can satisfy here: a simulated
# install), and that the `kiln` unpacked from it compiles and runs LeNet-5 (the aarch64 runner from the
# `kiln-arm64` package beside it).
#   debian_package.sh BUILD_DIR ZOO_DIR WORK_DIR
set -euo pipefail
build=$(realpath "$1") zoo=$(realpath "$2") work=$(realpath -m "$3")
rm -rf "$work" && mkdir -p "$work" && cd "$work"
(cd "$build" && cpack -G DEB -B "$work" >"$work/cpack.log" 2>&1) || { cat cpack.log; exit 1; }
arch=$(dpkg --print-architecture)
kiln_deb=$(echo kiln_*_"$arch".deb) arm64_deb=$(echo kiln-arm64_*_"$arch".deb)

dpkg -c "$kiln_deb" | awk '{print $6}' >files.txt
for file in ./usr/bin/kiln ./usr/bin/kiln-runner ./usr/lib/libkiln_runtime.so.0 ./usr/lib/libkiln_runtime.a \
  ./usr/include/kiln/kiln_runtime.h ./usr/include/kiln/kiln_runtime.hpp ./usr/lib/cmake/kiln/kilnConfig.cmake \
  ./usr/lib/pkgconfig/kiln-runtime.pc; do
  grep -qx "$file" files.txt || { echo "FAIL: $kiln_deb lacks $file"; exit 1; }
done
echo "$kiln_deb: $(grep -vc '/$' files.txt) files; Depends: $(dpkg-deb -f "$kiln_deb" Depends)"
echo "$arm64_deb: $(dpkg -c "$arm64_deb" | awk '{print $6}' | grep -v '/$' | tr '\n' ' ')"
apt-get install --simulate "./$kiln_deb" "./$arm64_deb" >simulate.log 2>&1 || { cat simulate.log; exit 1; }
grep -E '^Inst kiln' simulate.log

dpkg-deb -x "$kiln_deb" root && dpkg-deb -x "$arm64_deb" root
root/usr/bin/kiln compile "$zoo/lenet5_traced.pt" -o lenet5.kiln >compile.log 2>&1 || { cat compile.log; exit 1; }
root/usr/bin/kiln run lenet5.kiln --random 1 | tail -1
echo "debian package: ok"
