// Preloaded into a gateway by bench/lib/allocations.mjs when BENCH_HEAP_PROFILE
// names a file: the first SIGUSR2 starts V8's sampling heap profiler with the
// objects later collected included (so it shows what a request allocates, not
// what stays alive), the second writes the profile (.heapprofile, which
// Chrome DevTools opens) to that file.
const inspector = require('node:inspector');
const fs = require('node:fs');

const session = new inspector.Session();
session.connect();
let sampling = false;
process.on('SIGUSR2', () => {
  if (!sampling) {
    sampling = true;
    session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    return;
  }
  sampling = false;
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) console.error('heap profile failed', error);
    else fs.writeFileSync(process.env.BENCH_HEAP_PROFILE, JSON.stringify(result.profile));
  });
});
