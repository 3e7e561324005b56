// Imports the built package the way a user's Node process would: plain ESM, no jest resolver.
const main = await import("loro-rx");
const testing = await import("loro-rx/testing");
const missing = ["init", "update", "decodeChannelMsg"].filter(
  (name) => typeof main[name] !== "function",
);
if (missing.length > 0) {
  console.error(`loro-rx is missing exports: ${missing.join(", ")}`);
  process.exit(1);
}
console.log(
  `loro-rx imports: ${Object.keys(main).length} exports, testing: ${Object.keys(testing).length}`,
);
