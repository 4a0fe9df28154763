export { Prng } from "./prng.js";
export {
  blsScheme,
  randomSimConfig,
  type ScenarioOptions,
  SIM_FAILPOINTS,
  simConsensusOptions,
  testScheme,
} from "./scenario.js";
export { Scheduler } from "./scheduler.js";
export {
  type ByzantineBehaviour,
  type SimConfig,
  type SimCrash,
  type SimPartition,
  type SimResult,
  type SimScheme,
  Simulation,
  type SimValsetChange,
} from "./simulation.js";
export { isToyValueValid, makeToyValue, TOY_FLAG_INVALID, ToyApp, type ToyAppHooks } from "./toy-app.js";
