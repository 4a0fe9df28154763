/** Child of failpoints.test.ts: hits a failpoint armed to SIGKILL this process at its 2nd hit. */
import { processKillFailpoints } from "../../src/failpoints.js";

const fp = processKillFailpoints(process.argv[2] ?? "cons.afterWalWrite:2");
for (let i = 1; i <= 3; i++) {
  process.stdout.write(`before hit ${i}\n`);
  fp.hit("cons.afterWalWrite");
}
process.stdout.write("survived\n");
