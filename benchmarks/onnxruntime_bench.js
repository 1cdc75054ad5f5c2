// Times one ONNX model with ONNX Runtime's CPU provider (npm's onnxruntime-node) and prints JSON:
// {"median_seconds", "p90_seconds", "runs", "threads", "version"}. Run by bench_zoo.py, right after kiln's
// own benchmark of the same model, with the same thread count and rounds.
//
// usage: node onnxruntime_bench.js MODEL.onnx SHAPE(1x3x224x224, or 2x11:i64 for token ids 0 and 1) THREADS RUNS
//        WARMUP
const ort = require('onnxruntime-node');

async function main() {
  const [model, spec, threads, runs, warmup] = process.argv.slice(2);
  const [shapeText, dtype] = spec.split(':');
  const shape = shapeText.split('x').map(Number);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
  });
  const count = shape.reduce((a, b) => a * b, 1);
  let input;
  if (dtype === 'i64') {
    const ids = new BigInt64Array(count);
    for (let i = 0; i < count; ++i) ids[i] = BigInt(i % 2);
    input = new ort.Tensor('int64', ids, shape);
  } else {
    const data = new Float32Array(count);
    for (let i = 0; i < count; ++i) data[i] = Math.sin(i * 12.9898) * 0.5;
    input = new ort.Tensor('float32', data, shape);
  }
  const feeds = {[session.inputNames[0]]: input};
  for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
  const times = [];
  for (let i = 0; i < Number(runs); ++i) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const version = require('onnxruntime-node/package.json').version;
  console.log(JSON.stringify({median_seconds: at(0.5), p90_seconds: at(0.9), runs: times.length,
                              threads: Number(threads), version}));
}

main().catch((e) => {
  console.error(`onnxruntime: ${e.message}`);
  process.exit(1);
});
