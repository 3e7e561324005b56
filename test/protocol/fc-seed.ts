/**
 * One fast-check seed per test file, printed so a failure can be replayed with
 * `FC_SEED=<seed> npx jest <file>`.
 */
export const fcSeed = (file: string): number => {
  const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`fast-check seed for ${file}: ${seed} (replay with FC_SEED=${seed})`);
  return seed;
};
