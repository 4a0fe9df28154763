/**
 * An opt-in CPU profile of a service process (`TANDEM_CPU_PROFILE=<file.cpuprofile>`), written when the
 * service stops cleanly: how the service bench finds where a node's time goes. Node's own --cpu-prof
 * is not used because the service exits through its signal handler.
 */
import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

export interface CpuProfiler {
  stop(): Promise<void>;
}

export async function startCpuProfile(path: string): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1000 });
  await session.post("Profiler.start");
  return {
    async stop() {
      const { profile } = await session.post("Profiler.stop");
      await writeFile(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}
