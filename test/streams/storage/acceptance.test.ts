import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { levelStorage } from "../../../streams/storage/level-storage.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import { runStorageAcceptanceSuite } from "../../../streams/testing/storage-acceptance.js";

runStorageAcceptanceSuite("memory", async () => ({
  backend: memoryStorage(),
  cleanup: async () => undefined,
}));

runStorageAcceptanceSuite("level", async () => {
  // One directory per test: LevelDB locks its directory (TOOLCHAIN trap 4).
  const dir = await mkdtemp(join(tmpdir(), "loro-rx-level-"));
  return {
    backend: await levelStorage({ dir }),
    reopen: () => levelStorage({ dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
