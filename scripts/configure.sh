# Sourced by the build scripts: compile through ccache when it is installed (scripts/install-deps.sh installs
# it). The main, sanitizer and fuzzing builds compile many files with the same flags in different folders;
# ccache keys a file compiled with debug information by its folder unless CCACHE_NOHASHDIR is set, so without
# it the sanitizer build recompiled every file the main build had just compiled. (The objects' debug
# information then names the folder of whichever build compiled them first.)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  export CCACHE_NOHASHDIR=true
fi
