// Worker-thread entry of the threaded bench: the parent runs under tsx's loader, which a worker thread
// does not inherit on Node 20, so register it here before importing the TypeScript entry.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
