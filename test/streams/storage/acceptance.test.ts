import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { levelStorage } from "../../../streams/storage/level-storage.js";
import { memoryStorage } from "../../../streams/storage/memory-storage.js";
import {
  runStorageAcceptanceSuite,
  storageAcceptanceCases,
} from "../../../streams/testing/storage-acceptance.js";

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

describe("the suite without a test runner (storageAcceptanceCases, run in pages)", () => {
  it("runs every check against the memory backend and they all pass", async () => {
    const cases = storageAcceptanceCases("memory", async () => ({
      backend: memoryStorage(),
      cleanup: async () => undefined,
    }));
    expect(cases.length).toBeGreaterThanOrEqual(20);
    const failed: string[] = [];
    for (const c of cases) await c.run().catch((e: unknown) => failed.push(`${c.name}: ${e}`));
    expect(failed).toEqual([]);
  });

  it("fails the checks a broken backend breaks (prefixes matched as strings)", async () => {
    const cases = storageAcceptanceCases("string prefixes", async () => {
      const inner = memoryStorage();
      const all = () => inner.loadRange([]);
      const under = (prefix: readonly string[]) => async () =>
        (await all()).filter((e) => e.key.join("/").startsWith(prefix.join("/")));
      return {
        backend: { ...inner, loadRange: (prefix) => under(prefix)() },
        cleanup: async () => undefined,
      };
    });
    const failed: string[] = [];
    for (const c of cases) await c.run().catch(() => failed.push(c.name));
    expect(failed).toContain(
      'storage backend acceptance: string prefixes › element-wise prefixes › ["doc"] does not match ["doc2"], ["docs"] or ["do"]',
    );
  });
});
