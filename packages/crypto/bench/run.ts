import { emitJson } from "@tandem/test-utils/bench";
import { run as bls } from "./bls.js";
import { run as primitives } from "./primitives.js";

await primitives(emitJson);
await bls(emitJson);
