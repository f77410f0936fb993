// Summarises a V8 CPU profile (node --cpu-prof) by layer: self time per
// package under node_modules, per directory of the gateway's own dist/, per
// Node internal module, and V8's own entries (garbage collector, program).
// `node bench/lib/profile-summary.mjs file.cpuprofile [top] [last seconds] [--layers=<CPU ms per request>]`:
// with `last`, only the samples of the profile's last seconds (the load, not
// the start-up). Idle time is left out, so shares are of the busy time.
// With --layers, the shares are also grouped into the request's layers (HTTP,
// body, middleware, Apollo, GraphQL execution, auth, data, garbage
// collection, ...) and turned into microseconds per request from the CPU
// milliseconds per request the rotation measured for that gateway.
import fs from 'node:fs';
import { layerOf, sourceOf } from './layers.mjs';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const layersArg = process.argv.find((a) => a.startsWith('--layers='));
const profile = JSON.parse(fs.readFileSync(args[0], 'utf8'));
const top = Number(args[1] ?? 25);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
const from = args[2] ? profile.endTime - Number(args[2]) * 1e6 : -Infinity;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  at += deltas[i] ?? 0;
  if (at < from) continue;
  const node = byId.get(profile.samples[i]);
  self.set(node, (self.get(node) ?? 0) + (deltas[i] ?? 0));
}
/** Package, own directory or Node module of a profile node, or V8's own entry such as `(garbage collector)`. */
const layer = (node) => sourceOf(node.callFrame.url, node.callFrame.functionName);

const totals = new Map();
const grouped = new Map();
let busy = 0;
for (const [node, us] of self) {
  const name = layer(node);
  if (name === '(idle)') continue;
  busy += us;
  totals.set(name, (totals.get(name) ?? 0) + us);
  const url = node.callFrame.url || '';
  const group = layerOf(name, url);
  grouped.set(group, (grouped.get(group) ?? 0) + us);
}
console.log(`busy ${(busy / 1000).toFixed(0)} ms`);
for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${name}`);
if (layersArg) {
  const msPerRequest = Number(layersArg.split('=')[1]);
  console.log(`\nlayers (of ${msPerRequest} ms CPU per request):`);
  for (const [name, us] of [...grouped].sort((a, b) => b[1] - a[1]))
    console.log(`${((100 * us) / busy).toFixed(1).padStart(5)}%  ${String(Math.round((msPerRequest * 1000 * us) / busy)).padStart(5)} us  ${name}`);
}
