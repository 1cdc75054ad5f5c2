#!/usr/bin/env bash
# Installs kiln into a temporary prefix and uses it as a user would: the INSTALLED kiln compiles ResNet-18,
# examples/consumer is built against the prefix alone (find_package, and once more with pkg-config), and each
# of its programs (shared runtime, static runtime, pkg-config) must give bit-identical scores to `kiln run`
# on the same image. The installed kiln also validates LeNet-5 for arm64 under qemu, with the aarch64 runner
# it finds beside itself.
#   install_and_consume.sh BUILD_DIR SOURCE_DIR ZOO_DIR PYTHON WORK_DIR
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") zoo=$(realpath "$3") python=$4 work=$(realpath -m "$5")
rm -rf "$work" && mkdir -p "$work" && cd "$work"
prefix=$work/prefix
kiln=$prefix/bin/kiln

cmake --install "$build" --prefix "$prefix" >install.log
echo "installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"

# The consumer, copied out of the source tree, configured with nothing but the prefix.
cp -r "$source/examples/consumer" consumer-src
cmake -S consumer-src -B consumer -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build consumer >/dev/null
# Every path the consumer compiles and links with lies in the prefix or the system.
for token in $(sed -n 's/^ *\(INCLUDES\|LINK_LIBRARIES\|LINK_PATH\|FLAGS\) = //p' consumer/build.ninja); do
  path=${token#-Wl,-rpath,}
  case $path in
    /*) case $path in "$prefix"/* | /usr/* | /lib/*) ;; *) echo "FAIL: the consumer uses $path" && exit 1 ;; esac ;;
  esac
done
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
c++ -std=c++17 consumer-src/classify.cpp -o consumer/classify_pkg_config $(pkg-config --cflags --libs kiln-runtime) \
  -Wl,-rpath,"$(pkg-config --variable=libdir kiln-runtime)"
for program in consumer/classify consumer/classify_static consumer/classify_pkg_config; do
  if ldd $program | grep -E 'torch|Halide'; then
    echo "FAIL: $program links LibTorch or libHalide"
    exit 1
  fi
done
if ldd consumer/classify_static | grep kiln_runtime; then
  echo "FAIL: classify_static links the shared runtime"
  exit 1
fi

"$kiln" compile "$zoo/resnet18_traced.pt" -o resnet18.kiln >compile.log 2>&1 || { cat compile.log; exit 1; }
"$python" -c "import numpy; numpy.random.seed(0); x = numpy.random.randn(1, 3, 224, 224).astype('float32'); \
numpy.save('image.npy', x); x.tofile('image.f32')"
"$kiln" run resnet18.kiln --input image.npy -o kiln_run.npy >/dev/null
for program in consumer/classify consumer/classify_static consumer/classify_pkg_config; do
  "$program" resnet18.kiln image.f32 "$(basename $program).f32"
  "$python" -c "import numpy, sys; same = numpy.array_equal(numpy.load('kiln_run.npy').ravel(), \
numpy.fromfile('$(basename $program).f32', 'float32')); print('$program:', 'scores identical to kiln run' if same \
else 'scores DIFFER from kiln run'); sys.exit(0 if same else 1)"
done

if [ -x "$prefix/lib/kiln/arm64/kiln-runner" ]; then
  "$kiln" compile "$zoo/lenet5_traced.pt" --target arm64 -o lenet5-arm64.kiln >compile.log 2>&1 ||
    { cat compile.log; exit 1; }
  "$kiln" validate --target arm64 "$zoo/lenet5_traced.pt" lenet5-arm64.kiln --seeds 1 | tail -1
fi
echo "install and consume: ok"
