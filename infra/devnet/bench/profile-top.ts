/**
 * Where a process's time went: self time by function (and by package) from a .cpuprofile.
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [--top N]
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (file === undefined) {
  console.error("usage: profile-top <file.cpuprofile> [--top N]");
  process.exit(2);
}
const topIdx = process.argv.indexOf("--top");
const top = topIdx > 0 ? Number(process.argv[topIdx + 1]) : 30;
const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
p.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFn = new Map<string, number>();
const byPkg = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id);
  if (n === undefined) continue;
  const url = n.callFrame.url.replace(/^file:\/\//, "");
  const short = url
    .replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, "")
    .replace(/.*\/(packages|apps|infra)\//, "$1/");
  const key = `${n.callFrame.functionName || "(anonymous)"}  ${short}:${n.callFrame.lineNumber + 1}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const pkg =
    n.callFrame.url === ""
      ? n.callFrame.functionName
      : (short.match(/^((@[^/]+\/)?[^/]+(\/[^/]+)?)/)?.[1] ?? short);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`total sampled ${(total / 1e6).toFixed(1)} s`);
console.log("\nby package:");
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${pct(v)}  ${k}`);
console.log("\nby function:");
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
