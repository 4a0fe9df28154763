/**
 * The backends every cross-check runs over: the naive reference, and the fast backend with its pairings on
 * the WebAssembly kernels (the public API's) and on bigints (its fallback).
 */
import type { AnyBackend } from "../../src/backend.js";
import { createFastBackend, fastBackend } from "../../src/fast/backend.js";
import { naiveBackend } from "../../src/naive/backend.js";

export const BACKENDS: ReadonlyArray<readonly [string, AnyBackend]> = [
  ["naive", naiveBackend],
  ["fast", fastBackend],
  ["fast (bigint pairing)", createFastBackend({ wasm: false })],
];
