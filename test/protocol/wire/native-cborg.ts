/**
 * cborg 6 ships ESM only, and the project's jest config (CommonJS via swc) neither transforms nor
 * maps it, so `import "cborg"` cannot be resolved under jest on Node 20. Until jest.config.js
 * lists cborg beside @loro-extended (transformIgnorePatterns + moduleNameMapper), test files that
 * reach the wire code mock "cborg" with the real package loaded by Node's own loader, which
 * supports require(esm) from Node 20.19:
 *
 *   jest.mock("cborg", () => require("<relative>/native-cborg").cborg, { virtual: true });
 */
import * as path from "node:path";

interface NodeModuleLoader {
  _load(request: string, parent: null, isMain: boolean): unknown;
}

const file = path.resolve(__dirname, "../../../node_modules/cborg/cborg.js");
// jest replaces `require` and `createRequire`, but `Module._load` is still Node's.
export const cborg: unknown = (require("node:module") as NodeModuleLoader)._load(file, null, false);
