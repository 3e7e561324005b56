/** The cluster's configuration surface: flags, environment, refusals, and the client's URL list. */
import { parseCli } from "../../../streams/hub/cli-args.js";
import { HubConfigError, startHub } from "../../../streams/hub/hub.js";
import { urlRotation } from "../../../streams/transports/client-urls.js";

describe("cluster flags", () => {
  it("takes --redis and --postgres, or LORO_RX_REDIS_URL and LORO_RX_DATABASE_URL", () => {
    const fromFlags = parseCli(["serve", "--redis", "redis://r", "--postgres", "postgres://p"]);
    expect(fromFlags).toMatchObject({
      kind: "serve",
      options: { redis: "redis://r", postgres: "postgres://p" },
    });
    const fromEnv = parseCli(["serve"], {
      LORO_RX_REDIS_URL: "redis://e",
      LORO_RX_DATABASE_URL: "postgres://e",
    });
    expect(fromEnv).toMatchObject({
      kind: "serve",
      options: { redis: "redis://e", postgres: "postgres://e" },
    });
    expect(parseCli(["serve", "--postgres", "postgres://p"])).toMatchObject({
      kind: "serve",
      options: { postgres: "postgres://p", redis: undefined },
    });
  });

  it("refuses --redis without --postgres, saying why", async () => {
    const parsed = parseCli(["serve", "--redis", "redis://r"]);
    expect(parsed.kind).toBe("error");
    expect(parsed.kind === "error" ? parsed.message : "").toMatch(
      /--redis needs --postgres: hubs in a cluster load each other's documents from one PostgreSQL/,
    );
    await expect(startHub({ port: 0, redis: "redis://127.0.0.1:1" })).rejects.toBeInstanceOf(
      HubConfigError,
    );
  });
});

describe("webSocketClient url lists", () => {
  it("stays on a URL until told to move, then goes round the list", () => {
    const urls = urlRotation(["ws://a", "ws://b", "ws://c"]);
    expect(urls.current()).toBe("ws://a");
    expect(urls.current()).toBe("ws://a");
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      urls.advance();
      seen.push(urls.current());
    }
    expect(seen).toEqual(["ws://b", "ws://c", "ws://a", "ws://b"]);
    const one = urlRotation("ws://only");
    one.advance();
    expect(one.current()).toBe("ws://only");
  });

  it("an empty list is a TypeError, not a client that never connects", () => {
    expect(() => urlRotation([])).toThrow(TypeError);
  });
});
