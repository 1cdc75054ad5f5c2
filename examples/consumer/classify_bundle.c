/* classify_bundle: classify.cpp's job through a static bundle of ResNet-18, for a program (or a board)
 * without kiln's runtime: no dlopen, no manifest, no heap. The bundle comes from
 *
 *   kiln compile resnet18.pt --name resnet18 --bundle -o resnet18.kiln   (--embed-weights links the weights
 * in)
 *
 * and is linked as resnet18.kiln/libresnet18_bundle.a. The weights file and the image are mapped from their
 * files, the workspace is a static array of the size the bundle's header gives.
 *
 *   classify_bundle resnet18.kiln/resnet18.weights image.f32 [scores.f32]
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resnet18_bundle.h"

enum { kClasses = KILN_RESNET18_OUTPUT0_BYTES / sizeof(float) };

static unsigned char workspace[KILN_RESNET18_WORKSPACE_BYTES] __attribute__((aligned(64)));
static float scores[kClasses];

/* The file's bytes, mapped read-only, or NULL (with a message) unless it holds exactly `bytes`. */
static const void* map_file(const char* path, size_t bytes) {
  const int fd = open(path, O_RDONLY);
  struct stat info;
  if (fd < 0 || fstat(fd, &info) != 0 || (size_t)info.st_size != bytes) {
    fprintf(stderr, "classify_bundle: %s is not the %zu bytes the model takes\n", path, bytes);
    return NULL;
  }
  void* data = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  return data == MAP_FAILED ? NULL : data;
}

static void print_top_five(void) {
  int order[5];
  for (int k = 0; k < 5; ++k) {
    order[k] = -1;
    for (int c = 0; c < kClasses; ++c) {
      int taken = 0;
      for (int j = 0; j < k; ++j) taken |= order[j] == c;
      if (!taken && (order[k] < 0 || scores[c] > scores[order[k]])) order[k] = c;
    }
  }
  double total = 0;
  for (int c = 0; c < kClasses; ++c) total += exp(scores[c] - scores[order[0]]);
  printf("top 5 of %d classes:\n", kClasses);
  for (int k = 0; k < 5; ++k)
    printf("  class %4d  score %8.4f  probability %.4f\n", order[k], scores[order[k]],
           exp(scores[order[k]] - scores[order[0]]) / total);
}

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s RESNET18.weights IMAGE.f32 [SCORES.f32]\n", argv[0]);
    return 2;
  }
  const void* weights =
      KILN_RESNET18_WEIGHTS_EMBEDDED ? NULL : map_file(argv[1], KILN_RESNET18_WEIGHTS_BYTES);
  const void* image = map_file(argv[2], KILN_RESNET18_INPUT0_BYTES);
  if ((!KILN_RESNET18_WEIGHTS_EMBEDDED && !weights) || !image) return 1;
  const void* inputs[] = {image};
  void* outputs[] = {scores};
  const int status = resnet18_run(weights, inputs, outputs, workspace, sizeof workspace);
  if (status != 0) {
    fprintf(stderr, "classify_bundle: resnet18_run failed with status %d\n", status);
    return 1;
  }
  print_top_five();
  if (argc == 4) {
    FILE* out = fopen(argv[3], "wb");
    if (!out || fwrite(scores, sizeof scores, 1, out) != 1 || fclose(out) != 0) {
      fprintf(stderr, "classify_bundle: cannot write %s\n", argv[3]);
      return 1;
    }
  }
  return 0;
}
