/**
 * The PostgreSQL backend, on `pg`: the store a cluster of hubs shares (several hubs append to one
 * database; chunk names never collide, see `chunk-stamp.ts`).
 *
 * Keys are stored as `bytea` encoded by `key-codec.ts`, so every element-wise prefix is one byte
 * range (`key >= lo AND key < hi`, an index range scan) and strings PostgreSQL's `text` cannot hold
 * (lone surrogates, NUL) stay distinct. A write resolves when its transaction has committed, so
 * it is as durable as the server makes commits; `sync()` has nothing left to do.
 *
 * Schema: created on first start inside `schema` (default `loro_rx`), with a version table
 * (`loro_rx_schema_version`) and an ordered list of migrations below. Start-up takes a
 * transaction-scoped advisory lock, so hubs starting together migrate once. A database migrated by
 * a newer release (a version this code does not know) is refused rather than written to.
 */
import pg from "pg";
import { decodeKey, encodeKey, prefixRange } from "./key-codec.js";
import {
  type StorageBackend,
  type StorageBatchOp,
  StorageClosedError,
  type StorageKey,
} from "./storage-backend.js";
import {
  type StorageTransport,
  type StorageTransportOptions,
  storageTransport,
} from "./storage-transport.js";

export interface PostgresStorageOptions {
  /** `postgres://user@host:port/database`. */
  readonly connectionString: string;
  /** Schema holding the tables; created when missing. Default `"loro_rx"`. */
  readonly schema?: string;
  /** Connections in the pool. Default 4 (the storage connection works per document). */
  readonly maxConnections?: number;
  /** Default `"postgres-storage"`. */
  readonly name?: string;
}

/** The database could not be reached or prepared (bad URL, server down, newer schema). */
export class PostgresOpenError extends Error {
  readonly code = "POSTGRES_OPEN_FAILED";
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "PostgresOpenError";
  }
}

export const DEFAULT_POSTGRES_SCHEMA = "loro_rx";

/** Each entry moves the schema from its index to index + 1. Append; never edit a shipped one. */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `CREATE TABLE ${s}.loro_rx_chunks (key bytea PRIMARY KEY, data bytea NOT NULL)`,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;

// Any constant works; it only has to be the same for every loro-rx process.
const MIGRATION_LOCK = 0x6c6f726f;

const migrate = async (client: pg.PoolClient, schema: string): Promise<void> => {
  const s = ident(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.loro_rx_schema_version (version integer NOT NULL)`,
    );
    const found = await client.query<{ version: number }>(
      `SELECT version FROM ${s}.loro_rx_schema_version`,
    );
    const current = found.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new PostgresOpenError(
        `schema ${schema} is at version ${current}, newer than this loro-rx knows ` +
          `(${MIGRATIONS.length}); upgrade loro-rx`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!(s));
    if (found.rows.length === 0) {
      await client.query(`INSERT INTO ${s}.loro_rx_schema_version VALUES ($1)`, [
        MIGRATIONS.length,
      ]);
    } else if (current !== MIGRATIONS.length) {
      await client.query(`UPDATE ${s}.loro_rx_schema_version SET version = $1`, [
        MIGRATIONS.length,
      ]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
};

const toBytes = (b: Uint8Array): Uint8Array =>
  Object.getPrototypeOf(b) === Uint8Array.prototype
    ? b
    : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// pg sends a Buffer as bytea; a plain Uint8Array would be sent as text.
const param = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

const where = (prefix: StorageKey): { sql: string; values: Buffer[] } => {
  const { gte, lt } = prefixRange(prefix);
  if (gte === undefined || lt === undefined) return { sql: "", values: [] };
  return { sql: " WHERE key >= $1 AND key < $2", values: [param(gte), param(lt)] };
};

/**
 * Connects, creates or migrates the schema, and resolves with the backend. Rejects with
 * {@link PostgresOpenError} when the database cannot be reached or is newer than this code.
 */
export const postgresStorage = async (options: PostgresStorageOptions): Promise<StorageBackend> => {
  const schema = options.schema ?? DEFAULT_POSTGRES_SCHEMA;
  const table = `${ident(schema)}.loro_rx_chunks`;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client, schema);
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    if (e instanceof PostgresOpenError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new PostgresOpenError(`cannot open PostgreSQL storage: ${why}`, e);
  }

  let closed = false;
  const query = async <R extends pg.QueryResultRow>(
    what: string,
    sql: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> => {
    if (closed) throw new StorageClosedError(`${what} (postgres ${schema})`);
    return pool.query<R>(sql, values);
  };
  const upsert = `INSERT INTO ${table} (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data`;

  return {
    name: options.name ?? "postgres-storage",
    async load(key) {
      const r = await query<{ data: Uint8Array }>(
        "load",
        `SELECT data FROM ${table} WHERE key = $1`,
        [param(encodeKey(key))],
      );
      const row = r.rows[0];
      return row === undefined ? undefined : toBytes(row.data);
    },
    async save(key, data) {
      await query("save", upsert, [param(encodeKey(key)), param(data)]);
    },
    async remove(key) {
      await query("remove", `DELETE FROM ${table} WHERE key = $1`, [param(encodeKey(key))]);
    },
    async loadRange(prefix) {
      const w = where(prefix);
      const r = await query<{ key: Uint8Array; data: Uint8Array }>(
        "loadRange",
        `SELECT key, data FROM ${table}${w.sql} ORDER BY key`,
        w.values,
      );
      return r.rows.map((row) => ({ key: decodeKey(toBytes(row.key)), data: toBytes(row.data) }));
    },
    async removeRange(prefix) {
      const w = where(prefix);
      await query("removeRange", `DELETE FROM ${table}${w.sql}`, w.values);
    },
    async batch(ops: readonly StorageBatchOp[]) {
      if (closed) throw new StorageClosedError(`batch (postgres ${schema})`);
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (const op of ops) {
          if (op.type === "put")
            await client.query(upsert, [param(encodeKey(op.key)), param(op.data)]);
          else
            await client.query(`DELETE FROM ${table} WHERE key = $1`, [param(encodeKey(op.key))]);
        }
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async keys(prefix) {
      const w = where(prefix);
      const r = await query<{ key: Uint8Array }>(
        "keys",
        `SELECT key FROM ${table}${w.sql} ORDER BY key`,
        w.values,
      );
      return r.rows.map((row) => decodeKey(toBytes(row.key)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
};

/** A storage transport on PostgreSQL, connected when subscribed and closed when unsubscribed. */
export const postgresStorageTransport = (
  options: PostgresStorageOptions & StorageTransportOptions,
): StorageTransport => storageTransport(() => postgresStorage(options), options);
