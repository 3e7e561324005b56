/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)sx?$": [
      "@swc/jest",
      { jsc: { target: "es2022", parser: { syntax: "typescript" } }, module: { type: "commonjs" } },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!(@loro-extended|emittery|cborg|jose)/)"],
  moduleNameMapper: {
    "^@loro-extended/(repo|change)$": "<rootDir>/node_modules/@loro-extended/$1/dist/index.js",
    // cborg is ESM-only with an import-only exports map; point jest's CJS resolver at its entry.
    "^cborg$": "<rootDir>/node_modules/cborg/cborg.js",
    // jose 6 is ESM-only too (its "." export is the Web Crypto build).
    "^jose$": "<rootDir>/node_modules/jose/dist/webapi/index.js",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testTimeout: 30000,
  // Real redis-server and PostgreSQL on free ports, Chromium's path: test/services/.
  globalSetup: "<rootDir>/test/services/global-setup.mjs",
  globalTeardown: "<rootDir>/test/services/global-teardown.mjs",
};
