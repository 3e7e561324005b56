import { LoroDoc } from "loro-crdt";
import pg from "pg";
import { asyncScheduler } from "rxjs";
import { docVersion } from "../../../streams/loro-version.js";
import {
  POSTGRES_SCHEMA_VERSION,
  PostgresOpenError,
  postgresStorage,
} from "../../../streams/storage/postgres-storage.js";
import { createStorageConnection } from "../../../streams/storage/storage-connection.js";
import { runStorageAcceptanceSuite } from "../../../streams/testing/storage-acceptance.js";
import { databaseUrl, dropSchema, uniqueName } from "../../services/postgres.js";

// One schema per test: the suite expects an empty store each time.
runStorageAcceptanceSuite("postgres", async () => {
  const schema = uniqueName("acceptance");
  const open = () => postgresStorage({ connectionString: databaseUrl(), schema });
  return { backend: await open(), reopen: open, cleanup: () => dropSchema(schema) };
});

describe("postgresStorage", () => {
  it("creates its schema once, with a version table, even when hubs start together", async () => {
    const schema = uniqueName("migrate");
    try {
      const opened = await Promise.all(
        [1, 2, 3].map(() => postgresStorage({ connectionString: databaseUrl(), schema })),
      );
      await opened[0]!.save(["d", "update", "1"], Uint8Array.of(1, 2));
      expect(Array.from((await opened[2]!.load(["d", "update", "1"])) ?? [])).toEqual([1, 2]);
      for (const b of opened) await b.close();
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      const rows = await client.query(`SELECT version FROM "${schema}".loro_rx_schema_version`);
      await client.end();
      expect(rows.rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
    } finally {
      await dropSchema(schema);
    }
  });

  it("refuses a schema migrated by a newer release instead of writing to it", async () => {
    const schema = uniqueName("newer");
    try {
      await (await postgresStorage({ connectionString: databaseUrl(), schema })).close();
      const client = new pg.Client({ connectionString: databaseUrl() });
      await client.connect();
      await client.query(`UPDATE "${schema}".loro_rx_schema_version SET version = 999`);
      await client.end();
      await expect(postgresStorage({ connectionString: databaseUrl(), schema })).rejects.toThrow(
        /version 999, newer than this loro-rx knows/,
      );
    } finally {
      await dropSchema(schema);
    }
  });

  it("an unreachable server is a PostgresOpenError naming the cause", async () => {
    const error = await postgresStorage({
      connectionString: "postgres://postgres@127.0.0.1:1/postgres",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostgresOpenError);
    expect(String(error)).toMatch(/cannot open PostgreSQL storage: .*ECONNREFUSED/);
  });
});

describe("postgresStorage under the storage peer", () => {
  it("compaction folds a document's chunks into one snapshot in PostgreSQL", async () => {
    const schema = uniqueName("compaction");
    const backend = await postgresStorage({ connectionString: databaseUrl(), schema });
    try {
      const connection = createStorageConnection(backend, {
        adapterType: "postgres-storage",
        scheduler: asyncScheduler,
        compaction: { maxChunks: 3, maxBytesRatio: 4, minBytes: 64 * 1024 },
      });
      const doc = new LoroDoc();
      for (let i = 0; i < 6; i++) {
        const from = doc.oplogVersion();
        doc.getMap("m").set(`k${i}`, i);
        doc.commit();
        connection.send({
          type: "channel/update",
          docId: "folded",
          transmission: {
            type: "update",
            data: doc.export({ mode: "update", from }),
            version: docVersion(doc),
          },
        });
      }
      await connection.flush();
      const chunks = await backend.loadRange(["folded"]);
      expect(chunks.length).toBeLessThan(6);
      const copy = new LoroDoc();
      copy.importBatch(chunks.map((c) => c.data));
      expect(copy.getMap("m").toJSON()).toEqual(doc.getMap("m").toJSON());
      connection.close();
    } finally {
      await backend.close();
      await dropSchema(schema);
    }
  });
});
