/* kiln runtime: the C API that runs a compiled kiln artifact. No LibTorch, no libHalide: an artifact's
 * library carries its own Halide runtime.
 *
 * Every call that can fail returns KILN_OK or KILN_ERROR; after an error, kiln_last_error() returns a message
 * naming the problem and what to do (valid until the next failing call on the same thread). Nothing aborts.
 *
 * Threads: any number of models may be open and run at once, each on its own thread. One model runs one call
 * at a time: concurrent kiln_model_run (and kiln_model_set_num_threads) calls on the same model wait their
 * turn, so for parallel runs open one handle per thread.
 *
 *   kiln_model* model;
 *   if (kiln_model_open("resnet18.kiln", &model) != KILN_OK) { puts(kiln_last_error()); return 1; }
 *   kiln_tensor in = {KILN_FLOAT32, 4, dims, data}, out = {KILN_FLOAT32, 2, out_dims, logits};
 *   if (kiln_model_run(model, &in, 1, &out, 1) != KILN_OK) puts(kiln_last_error());
 *   kiln_model_close(model);
 */
#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { KILN_OK = 0, KILN_ERROR = 1 } kiln_status;
typedef enum { KILN_FLOAT32 = 0, KILN_FLOAT64 = 1, KILN_INT32 = 2, KILN_INT64 = 3, KILN_BOOL = 4 } kiln_dtype;

/* A dense row-major (PyTorch-contiguous) tensor owned by the caller. */
typedef struct {
  kiln_dtype dtype;
  int rank;
  const int64_t* dims;
  void* data;
} kiln_tensor;

typedef struct {
  const char* name;
  int rank;
  const int64_t* dims;
  int64_t elements;
  kiln_dtype dtype;
} kiln_tensor_info;

typedef struct {
  int64_t arena_bytes;    /* activation memory after liveness-based reuse */
  int64_t unshared_bytes; /* the sum of every activation's size: what no reuse would need */
  int64_t weight_bytes;   /* mapped from the weights file */
  int blocks;
} kiln_memory_info;

typedef struct kiln_model kiln_model;

const char* kiln_last_error(void);

/* Loads the artifact directory written by `kiln compile`: manifest, library, weights (checksum checked).
 * Refuses a model whose weights and activation arena exceed the memory limit: KILN_MEMORY_LIMIT (e.g. "4G")
 * if set, else the machine's physical memory. */
kiln_status kiln_model_open(const char* artifact_dir, kiln_model** model);
void kiln_model_close(kiln_model* model);

int kiln_model_num_inputs(const kiln_model* model);
int kiln_model_num_outputs(const kiln_model* model);
kiln_status kiln_model_input_info(const kiln_model* model, int index, kiln_tensor_info* info);
kiln_status kiln_model_output_info(const kiln_model* model, int index, kiln_tensor_info* info);
kiln_status kiln_model_memory(const kiln_model* model, kiln_memory_info* info);

/* The threads this model's blocks run their parallel loops on, the calling thread included (0: one per core,
 * the default). Each model has its own; every thread takes a fixed share of each loop, so the rows a thread
 * writes in one block are the rows it reads in the next. May be changed between runs. */
kiln_status kiln_model_set_num_threads(kiln_model* model, int threads);

/* Runs the model: inputs and outputs in manifest order, with exactly the compiled dtypes and shapes (see
 * kiln_tensor_info; float32, or int64 and bool (one byte, 0 or 1) for indices and masks). */
kiln_status kiln_model_run(kiln_model* model, const kiln_tensor* inputs, int num_inputs, kiln_tensor* outputs,
                           int num_outputs);

#ifdef __cplusplus
}
#endif

#endif /* KILN_RUNTIME_H */
