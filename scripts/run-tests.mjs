#!/usr/bin/env node
// Runs every vitest project once and ends with one summary line, "N passed, N failed[, N skipped]",
// read from vitest's JSON report. Exits non-zero when a test failed or no test ran at all.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const outDir = ".vitest-results";
const report = join(outDir, "report.json");
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const args = [
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
];
const res = spawnSync("pnpm", [...args, ...process.argv.slice(2)], { stdio: "inherit" });

let summary;
try {
  summary = JSON.parse(readFileSync(report, "utf8"));
} catch (err) {
  console.error(`no test report was written (${err.message}); vitest exited with ${res.status}`);
  process.exit(res.status || 1);
}
const passed = summary.numPassedTests ?? 0;
const failed = (summary.numFailedTests ?? 0) + (summary.numFailedTestSuites ?? 0);
const skipped = (summary.numPendingTests ?? 0) + (summary.numTodoTests ?? 0);
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error("no test ran");
  process.exit(1);
}
process.exit(failed > 0 || res.status !== 0 ? 1 : 0);
