// A request's CPU by layer from Linux perf, which samples CPU time: V8's own
// profiler (--cpu-prof, profile-summary.mjs) samples the thread on a wall
// clock, so time the event loop spends waiting for a core shows up under
// whatever it last ran. Under a login storm that put 24-31% on `(writev)`
// where perf finds 6%.
//
//   node bench/lib/perf-layers.mjs record <pid> <seconds> <out.txt>
//     samples the event loop thread of <pid> (perf record -F 999 -g) and
//     writes `perf script`'s text; start the gateway with
//     BENCH_UG_NODE_ARGS="--perf-basic-prof --interpreted-frames-native-stack"
//     so JavaScript frames have names and files.
//   node bench/lib/perf-layers.mjs <out.txt> [top] [--layers=<CPU ms per request>]
//     prints the sources (packages, the gateway's directories, Node modules,
//     kernel paths) and the layers of bench/lib/layers.mjs, with
//     microseconds per request given the CPU per request measured without
//     the profiler.
//
// Each sample goes to the innermost frame that says where it comes from: a
// kernel path (socket writes and reads, epoll, futex, page faults), garbage
// collection anywhere on the stack, else the innermost JavaScript frame (V8
// builtins and runtime calls count for the JavaScript that called them),
// else native code (llhttp, libuv).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { layerOf, sourceOf } from './layers.mjs';

const KERNEL_PATHS = [
  ['(writev)', /tcp_sendmsg|sock_write_iter|do_writev/],
  ['(socket read)', /tcp_recvmsg|sock_read_iter/],
  ['(epoll)', /ep_poll|do_epoll_wait/],
  ['(futex: thread messages, GC helpers)', /futex/],
  ['(pipe write: logs)', /pipe_write/],
  ['(file write: perf map)', /ext4|vfs_write/],
];
const GC =
  /v8::internal::(Heap::|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkCompact|MinorMarkSweep|IncrementalMarking|ConcurrentMarking|GCTracer|MemoryAllocator)/;
const JS_FRAME = /^(?:JS|LazyCompile|Function|Script):[*~^+-]?(\S*) (.+?):\d+(?::\d+)?(?:\+0x[0-9a-f]+)?$/;

/** Where one sample's CPU went: [source, url]. */
function classify(frames) {
  if (frames[0]?.kernel) {
    for (const [name, pattern] of KERNEL_PATHS) if (frames.some((f) => f.kernel && pattern.test(f.sym))) return [name, ''];
    return ['(kernel: page faults, scheduling, timers)', ''];
  }
  if (frames.some((f) => GC.test(f.sym))) return ['(garbage collector)', ''];
  for (const f of frames) {
    const js = JS_FRAME.exec(f.sym);
    if (js) return [sourceOf(js[2], js[1]), js[2]];
  }
  const leaf = frames[0]?.sym ?? '';
  if (/llhttp|node::.*Parser/.test(frames.map((f) => f.sym).join(' '))) return ['node:_http_server (llhttp)', 'node:_http_server'];
  if (/^uv_|^uv__/.test(leaf)) return ['(libuv)', ''];
  return ['(native: node, V8, libc)', ''];
}

/** Samples per source (`perf script` text), with each source's URL for its layer. */
export function perfSources(text) {
  const bySource = new Map();
  let samples = 0;
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim());
    if (lines.length < 2) continue;
    const frames = lines.slice(1).map((line) => {
      const m = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^)]*)\)\s*$/.exec(line);
      return { sym: (m?.[1] ?? '').replace(/\+0x[0-9a-f]+$/, ''), kernel: m?.[2] === '[kernel.kallsyms]' };
    });
    const [source, url] = classify(frames);
    samples++;
    const entry = bySource.get(source) ?? { n: 0, url };
    entry.n++;
    bySource.set(source, entry);
  }
  return { samples, bySource };
}

/** Text of the top sources and, given the CPU ms per request measured without the profiler, the layers in microseconds. */
export function perfReport(text, { top = 25, msPerRequest = null } = {}) {
  const { samples, bySource } = perfSources(text);
  const share = (n) => `${((100 * n) / samples).toFixed(1).padStart(5)}%`;
  const out = [`${samples} samples (about ${(samples / 999).toFixed(1)} s of CPU)`];
  for (const [source, { n }] of [...bySource].sort((a, b) => b[1].n - a[1].n).slice(0, top)) out.push(`${share(n)}  ${source}`);
  if (msPerRequest) {
    const layers = new Map();
    for (const [source, { n, url }] of bySource) {
      const layer = layerOf(source, url);
      layers.set(layer, (layers.get(layer) ?? 0) + n);
    }
    out.push('', `layers (of ${msPerRequest} ms CPU per request):`);
    for (const [layer, n] of [...layers].sort((a, b) => b[1] - a[1]))
      out.push(`${share(n)}  ${String(Math.round((msPerRequest * 1000 * n) / samples)).padStart(5)} us  ${layer}`);
  }
  return out.join('\n');
}

/** Starts sampling the event loop thread of `pid`; `stop()` ends it and returns `perf script`'s text. */
export function startPerf(pid) {
  const data = path.join(os.tmpdir(), `perf-layers-${process.pid}-${pid}-${Date.now()}.data`);
  const perf = spawn('perf', ['record', '-F', '999', '-g', '-t', String(pid), '-o', data], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  perf.stderr.on('data', (chunk) => (errors += chunk));
  return {
    async stop() {
      if (perf.exitCode === null) {
        const exited = new Promise((resolve) => perf.once('exit', resolve));
        perf.kill('SIGINT');
        await exited;
      }
      if (!fs.existsSync(data)) throw new Error(`perf record wrote nothing: ${errors.slice(-500)}`);
      try {
        return execFileSync('perf', ['script', '-i', data], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      } finally {
        fs.rmSync(data, { force: true });
      }
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === 'record') {
    const [pid, seconds, out] = process.argv.slice(3);
    const perf = startPerf(pid);
    await new Promise((resolve) => setTimeout(resolve, Number(seconds) * 1000));
    fs.writeFileSync(out, await perf.stop());
  } else {
    const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
    const layersArg = process.argv.find((a) => a.startsWith('--layers='));
    console.log(perfReport(fs.readFileSync(args[0], 'utf8'), { top: Number(args[1] ?? 25), msPerRequest: layersArg ? Number(layersArg.split('=')[1]) : null }));
  }
}
