// Loaded into a hub process with `node --import` by the soak run: answers "sample" over IPC with
// the process's own figures. The whole process is the code under test, so process-wide counts of
// active handles and timers are the right measure here (unlike in jest, which shares its process).
process.on("message", (message) => {
  if (message !== "sample") return;
  const resources = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const memory = process.memoryUsage();
  process.send({
    resources,
    rssMb: memory.rss / 2 ** 20,
    heapUsedMb: memory.heapUsed / 2 ** 20,
    externalMb: memory.external / 2 ** 20,
  });
});
