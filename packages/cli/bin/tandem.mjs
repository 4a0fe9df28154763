#!/usr/bin/env node
// The `tandem` command. Runs the built CLI (dist/main.js) when there is one; in the workspace without a
// build, runs the TypeScript source through tsx with the @tandem/source condition, forwarding argv,
// stdio, signals and the exit code. TANDEM_CLI_SOURCE=1 runs the source even when a build exists.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const dist = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const source = fileURLToPath(new URL("../src/main.ts", import.meta.url));

if (existsSync(dist) && process.env.TANDEM_CLI_SOURCE !== "1") {
  const { main } = await import(pathToFileURL(dist).href);
  process.exit(await main(process.argv.slice(2)));
} else {
  let tsx;
  try {
    tsx = import.meta.resolve("tsx");
  } catch {
    process.stderr.write(
      "error [SERVICE_UNAVAILABLE]: the CLI is not built and tsx is not installed; run pnpm build\n",
    );
    process.exit(1);
  }
  const child = spawn(
    process.execPath,
    [...process.execArgv, "--conditions=@tandem/source", "--import", tsx, source, ...process.argv.slice(2)],
    {
      stdio: "inherit",
      // tsx applies one tsconfig: ours covers the workspace sources (Nest's decorators included).
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH:
          process.env.TSX_TSCONFIG_PATH ?? fileURLToPath(new URL("../tsconfig.source.json", import.meta.url)),
      },
    },
  );
  // The child shares the terminal and gets Ctrl-C itself; forward signals sent to this process only.
  const forward = (sig) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => forward(sig));
  child.on("error", (e) => {
    process.stderr.write(`error [INTERNAL]: cannot start node: ${e.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    if (signal !== null) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
