/* Counts the heap allocations resnet18_run makes: linked into classify_bundle with
 * -Wl,--wrap=resnet18_run, it replaces malloc and its relatives (forwarding to glibc's own) and counts the
 * calls made while the bundle runs, then reports them on stderr. A bundle must make none. */
#include <stddef.h>
#include <stdio.h>

void* __libc_malloc(size_t bytes);
void* __libc_calloc(size_t count, size_t bytes);
void* __libc_realloc(void* pointer, size_t bytes);
void* __libc_memalign(size_t alignment, size_t bytes);
void __libc_free(void* pointer);

static int counting;
static long allocations;

void* malloc(size_t bytes) {
  allocations += counting;
  return __libc_malloc(bytes);
}
void* calloc(size_t count, size_t bytes) {
  allocations += counting;
  return __libc_calloc(count, bytes);
}
void* realloc(void* pointer, size_t bytes) {
  allocations += counting;
  return __libc_realloc(pointer, bytes);
}
void* memalign(size_t alignment, size_t bytes) {
  allocations += counting;
  return __libc_memalign(alignment, bytes);
}
void* aligned_alloc(size_t alignment, size_t bytes) {
  return memalign(alignment, bytes);
}
int posix_memalign(void** pointer, size_t alignment, size_t bytes) {
  *pointer = memalign(alignment, bytes);
  return *pointer ? 0 : 12; /* ENOMEM */
}
void free(void* pointer) {
  __libc_free(pointer);
}

int __real_resnet18_run(const void* weights, const void* const* inputs, void* const* outputs, void* workspace,
                        size_t workspace_size);

int __wrap_resnet18_run(const void* weights, const void* const* inputs, void* const* outputs, void* workspace,
                        size_t workspace_size) {
  counting = 1;
  const int status = __real_resnet18_run(weights, inputs, outputs, workspace, workspace_size);
  counting = 0;
  fprintf(stderr, "heap allocations during resnet18_run: %ld\n", allocations);
  return status;
}
