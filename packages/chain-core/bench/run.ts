import { emitJson } from "@tandem/test-utils/bench";
import { run as lmdbDurability } from "./lmdb-durability.js";

await lmdbDurability(emitJson);
