// Summarises a V8 CPU profile (node --cpu-prof) by layer: self time per
// package under node_modules, per directory of the gateway's own dist/, per
// Node internal module, and V8's own entries (garbage collector, program).
// `node bench/lib/profile-summary.mjs file.cpuprofile [top] [last seconds]`:
// with `last`, only the samples of the profile's last seconds (the load, not
// the start-up). Idle time is left out, so shares are of the busy time.
import fs from 'node:fs';

const profile = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
const from = process.argv[4] ? profile.endTime - Number(process.argv[4]) * 1e6 : -Infinity;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += deltas[i] ?? 0;
  if (at < from) continue;
  const node = byId.get(profile.samples[i]);
  self.set(node, (self.get(node) ?? 0) + (deltas[i] ?? 0));
}
function layer(node) {
  const { url, functionName } = node.callFrame;
  if (!url) return `(${functionName || 'native'})`.replace('((', '(').replace('))', ')');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/(.+)\/[^/]+\.js$/.exec(url) ?? /\/dist\/([^/]+)\.js$/.exec(url);
  if (own) return `usergraph ${own[1]}`;
  if (url.startsWith('node:')) return url;
  return url;
}
const totals = new Map();
let busy = 0;
for (const [node, us] of self) {
  const name = layer(node);
  if (name === '(idle)') continue;
  busy += us;
  totals.set(name, (totals.get(name) ?? 0) + us);
}
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
