export {
  type KvEntry,
  type KvRange,
  type KvStore,
  MAX_KEY_LENGTH,
  type WriteBatch,
} from "./interface.js";
export {
  defaultLmdbKvStoreOptions,
  type LmdbDurability,
  LmdbKvStore,
  type LmdbKvStoreOptions,
} from "./lmdb.js";
export {
  defaultMemoryKvStoreOptions,
  MemoryDisk,
  MemoryKvStore,
  type MemoryKvStoreOptions,
} from "./memory.js";
