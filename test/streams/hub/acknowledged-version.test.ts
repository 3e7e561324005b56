/**
 * A hub acknowledges what every guarantee covers (storage; on a cluster hub also the stream):
 * version vectors stand for per-peer prefixes, so what both cover is the per-peer minimum.
 */
import { acknowledgedVersion, meetVersions } from "../../../streams/hub/acknowledged.js";

describe("acknowledged version", () => {
  it("is the per-peer minimum; a peer missing from either counts as nothing", () => {
    expect(meetVersions({ a: 10, b: 5, c: 3 }, { a: 7, b: 9 })).toEqual({ a: 7, b: 5 });
    expect(meetVersions({}, { a: 7 })).toEqual({});
  });

  it("with one source is that source's version; with two, what both cover", () => {
    const storage = { a: 4, b: 2 };
    const stream = { a: 3, b: 8 };
    expect(acknowledgedVersion([() => storage])("doc")).toEqual(storage);
    expect(acknowledgedVersion([() => storage, () => stream])("doc")).toEqual({ a: 3, b: 2 });
    expect(acknowledgedVersion([])("doc")).toEqual({});
  });
});
