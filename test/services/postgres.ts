/**
 * PostgreSQL for tests: the throwaway server jest's globalSetup started (`DATABASE_URL`), and a
 * fresh database per test file, so parallel jest workers and hub processes never share tables.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const databaseUrl = (): string => {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === "") {
    throw new Error(
      "DATABASE_URL is not set: jest's globalSetup (test/services) starts PostgreSQL",
    );
  }
  return url;
};

export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(6).toString("hex")}`;

const withAdmin = async <T>(body: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
};

/** Creates an empty database; `drop()` removes it (closing whatever still uses it). */
export const freshDatabase = async (
  prefix = "loro_rx_test",
): Promise<{ url: string; drop: () => Promise<void> }> => {
  const name = uniqueName(prefix);
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(databaseUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(),
  };
};

/** Drops a schema of the default database (a per-test schema of the storage acceptance suite). */
export const dropSchema = (schema: string): Promise<void> =>
  withAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).then();
