#!/usr/bin/env bash
# Installs kiln into a temporary prefix and uses it as a user would. The INSTALLED kiln compiles ResNet-18
# (with its static bundle), examples/consumer is built against the prefix alone (find_package, and once more
# with pkg-config), and each of its programs (shared runtime, static runtime, pkg-config, static bundle) must
# give scores bit-identical to `kiln run` on the same image; the bundle must make no heap allocation
# (tests/packaging/count_heap.c). For arm64, the bundle is cross-linked and run under qemu-aarch64 against
# the installed aarch64 kiln-runner, and LeNet-5 is validated with that runner, which kiln finds beside itself.
#   install_and_consume.sh BUILD_DIR SOURCE_DIR ZOO_DIR PYTHON WORK_DIR
set -euo pipefail
build=$(realpath "$1") source=$(realpath "$2") zoo=$(realpath "$3") python=$4 work=$(realpath -m "$5")
rm -rf "$work" && mkdir -p "$work" && cd "$work"
prefix=$work/prefix
kiln=$prefix/bin/kiln
qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu)

# same_scores OUTPUT.f32 REFERENCE.npy LABEL: exit 1 unless the raw float32 scores equal the reference's.
same_scores() {
  "$python" -c "import numpy, sys; same = numpy.array_equal(numpy.load('$2').ravel(), \
numpy.fromfile('$1', 'float32')); print('$3:', 'scores identical to' if same else 'scores DIFFER from', '$2'); \
sys.exit(0 if same else 1)"
}
# compile ARGS...: the installed kiln, its output kept out of the test's unless it fails.
compile() { "$kiln" compile "$@" >compile.log 2>&1 || { cat compile.log && exit 1; }; }

cmake --install "$build" --prefix "$prefix" --strip >install.log
echo "installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"
compile "$zoo/resnet18_traced.pt" --name resnet18 --bundle -o resnet18.kiln
"$python" -c "import numpy; numpy.random.seed(0); x = numpy.random.randn(1, 3, 224, 224).astype('float32'); \
numpy.save('image.npy', x); x.tofile('image.f32')"
"$kiln" run resnet18.kiln --input image.npy -o kiln_run.npy >/dev/null

# The consumer, copied out of the source tree, configured with nothing but the prefix and the bundle.
cp -r "$source/examples/consumer" consumer-src
cmake -S consumer-src -B consumer -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DRESNET18_BUNDLE="$work/resnet18.kiln" \
  >/dev/null
cmake --build consumer >/dev/null
# Every path the consumer compiles and links with lies in the prefix, the bundle or the system.
for token in $(sed -n 's/^ *\(INCLUDES\|LINK_LIBRARIES\|LINK_PATH\|FLAGS\) = //p' consumer/build.ninja); do
  path=${token#-Wl,-rpath,}
  path=${path#-I}
  case $path in
    /*) case $path in "$prefix"/* | "$work"/resnet18.kiln* | /usr/* | /lib/*) ;;
      *) echo "FAIL: the consumer uses $path" && exit 1 ;; esac ;;
  esac
done
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
c++ -std=c++17 consumer-src/classify.cpp -o consumer/classify_pkg_config $(pkg-config --cflags --libs kiln-runtime) \
  -Wl,-rpath,"$(pkg-config --variable=libdir kiln-runtime)"
for program in classify classify_static classify_pkg_config classify_bundle; do
  if ldd consumer/$program | grep -E 'torch|Halide'; then echo "FAIL: $program links LibTorch or libHalide" && exit 1; fi
done
for program in classify_static classify_bundle; do
  if ldd consumer/$program | grep -E 'kiln_runtime|libdl'; then echo "FAIL: $program links the above" && exit 1; fi
done

for program in classify classify_static classify_pkg_config; do
  consumer/$program resnet18.kiln image.f32 $program.f32 >/dev/null
  same_scores $program.f32 kiln_run.npy $program
done
consumer/classify_bundle resnet18.kiln/resnet18.weights image.f32 classify_bundle.f32 >/dev/null
same_scores classify_bundle.f32 kiln_run.npy classify_bundle

# The bundle's heap allocations, counted while resnet18_run runs: on this machine, and under qemu for arm64.
# bundle_program CC ARTIFACT OUTPUT: classify_bundle linked with the counting allocator.
bundle_program() {
  "$1" -O2 -I "$2" consumer-src/classify_bundle.c "$source/tests/packaging/count_heap.c" -Wl,--wrap=resnet18_run \
    "$2/libresnet18_bundle.a" -lm -lpthread -o "$3"
}
# no_heap LABEL PROGRAM...: runs it and exit 1 unless it reports no heap allocation.
no_heap() {
  local label=$1
  shift
  "$@" >/dev/null 2>heap.log
  grep -x "heap allocations during resnet18_run: 0" heap.log >/dev/null || { cat heap.log && exit 1; }
  echo "$label: $(cat heap.log)"
}
bundle_program cc resnet18.kiln counted_bundle
no_heap "bundle" ./counted_bundle resnet18.kiln/resnet18.weights image.f32 counted.f32
if [ -x "$prefix/lib/kiln/arm64/kiln-runner" ]; then
  compile "$zoo/resnet18_traced.pt" --name resnet18 --bundle --target arm64 -o resnet18-arm64.kiln
  bundle_program aarch64-linux-gnu-gcc resnet18-arm64.kiln counted_bundle_arm64
  no_heap "arm64 bundle" "${qemu[@]}" ./counted_bundle_arm64 resnet18-arm64.kiln/resnet18.weights image.f32 \
    arm64_bundle.f32
  mkdir runner-out
  "${qemu[@]}" "$prefix/lib/kiln/arm64/kiln-runner" resnet18-arm64.kiln --input image.npy --output-dir runner-out \
    --threads 1 >/dev/null
  same_scores arm64_bundle.f32 runner-out/output0.npy "arm64 classify_bundle"

  compile "$zoo/lenet5_traced.pt" --target arm64 -o lenet5-arm64.kiln
  "$kiln" validate --target arm64 "$zoo/lenet5_traced.pt" lenet5-arm64.kiln --seeds 1 | tail -1
fi
echo "install and consume: ok"
