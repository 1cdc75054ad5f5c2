# Sourced by the build scripts: `configure BUILD_DIR [CMAKE_ARGS...]` configures kiln there with Ninja and
# clang-14, through ccache when it is installed (scripts/install-deps.sh installs both).
# Why clang for every build: the checked build (scripts/sanitize.sh, scripts/fuzz.sh) needs clang for
# libFuzzer, and it instruments only the runtime, runner, IR and frontend; with the main build on the same
# compiler and flags, ccache gives it every other stage instead of a second compile. clang also compiled
# kiln's instrumented code faster than g++ 12 (frontend/aten/convolution.cpp with ASan and UBSan: 11.8 s
# against 20.7 s).
# ccache keys a file compiled with debug information by its folder unless CCACHE_NOHASHDIR is set, and by the
# absolute paths on its command line (a unity build's sources are generated in the build folder) unless they
# lie under CCACHE_BASEDIR; both are set, so the objects' debug information names the folder of whichever
# build compiled them first.
configure() {
  # CMake drops every cached setting when the compiler changes, the launcher included: a build configured
  # with another compiler (kiln built with g++ until 2026-12) starts again from nothing.
  if [ -f "$1/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang++-14$' "$1/CMakeCache.txt"; then
    rm -rf "$1/CMakeCache.txt" "$1/CMakeFiles"
  fi
  local launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    export CCACHE_NOHASHDIR=true CCACHE_BASEDIR=$PWD
  fi
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" "${@:2}" >/dev/null
}

# The checked build, ./build-checked, that scripts/sanitize.sh and scripts/fuzz.sh share: AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer's coverage on the code that reads untrusted input (CMakeLists.txt
# says which), and the model zoo of ./build.
configure_checked() {
  configure build-checked -DKILN_SANITIZE=address,undefined -DKILN_FUZZERS=ON -DKILN_ZOO_DIR="$PWD/build/zoo"
}
