/**
 * The README's code blocks marked `<!-- readme-test: NAME -->` run as written: each is extracted
 * to `test/.readme/NAME.ts` (imports of `loro-rx` and `loro-rx/testing` pointed at the sources,
 * nothing else changed), type-checked with the project's compiler options, and loaded here —
 * a block that declares tests (`it`) adds them to this file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { createRepo } from "../streams/index.js";
import { runTransportAcceptanceSuite } from "../streams/testing/index.js";
import type { Connection, Transport } from "../streams/transport.js";
import { eventually } from "./streams/helpers.js";

const repoRoot = resolve(__dirname, "..");
const outDir = join(repoRoot, "test", ".readme");

/** Every marked block of the README, by name. */
const readmeBlocks = (): Map<string, string> => {
  const text = readFileSync(join(repoRoot, "README.md"), "utf8");
  const blocks = new Map<string, string>();
  for (const match of text.matchAll(/<!-- readme-test: ([\w-]+) -->\n```ts\n([\s\S]*?)\n```/g)) {
    blocks.set(match[1]!, `${match[2]!}\n`);
  }
  return blocks;
};

const extract = (): Map<string, string> => {
  mkdirSync(outDir, { recursive: true });
  const files = new Map<string, string>();
  for (const [name, code] of readmeBlocks()) {
    const source = code
      .replaceAll('from "loro-rx/testing"', 'from "../../streams/testing/index.js"')
      .replaceAll('from "loro-rx"', 'from "../../streams/index.js"');
    const path = join(outDir, `${name}.ts`);
    writeFileSync(path, `// Extracted from README.md by test/readme-sections.test.ts.\n${source}`);
    files.set(name, path);
  }
  return files;
};

const files = extract();
const pathOf = (name: string): string => {
  const path = files.get(name);
  if (path === undefined) throw new Error(`README.md has no block marked ${name}`);
  return path;
};

describe("README code blocks", () => {
  it("the three marked sections are there, and compile with the project's settings", () => {
    expect([...files.keys()].sort()).toEqual([
      "compose-your-own-pipeline",
      "marble-test-a-flow",
      "message-port-transport",
    ]);
    const configPath = join(repoRoot, "tsconfig.json");
    const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
    const program = ts.createProgram([...files.values()], { ...options, noEmit: true });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.includes("/test/.readme/"))
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  }, 120_000);
});

describe("README: Write your own transport", () => {
  const { messagePortTransport } = require(pathOf("message-port-transport")) as {
    messagePortTransport: (port: MessagePort, initiator: boolean) => Transport;
  };

  it("two repos sync over a MessageChannel", async () => {
    const { port1, port2 } = new MessageChannel();
    const alice = createRepo({ transports: [messagePortTransport(port1, true)] });
    const bob = createRepo({ transports: [messagePortTransport(port2, false)] });
    alice.doc("todos").getText("text").insert(0, "buy milk");
    alice.doc("todos").commit();
    const copy = bob.doc("todos");
    await eventually("bob has alice's text", () => copy.getText("text").toString() === "buy milk");
    await alice.close();
    await bob.close();
  });

  it("two non-initiating ends: the engine says the handshake never started", async () => {
    const { port1, port2 } = new MessageChannel();
    const alice = createRepo({
      transports: [messagePortTransport(port1, false)],
      handshakeTimeoutMs: 50,
    });
    const bob = createRepo({ transports: [messagePortTransport(port2, false)] });
    const reasons: string[] = [];
    alice.events$.subscribe((e) => {
      if (e.type === "handshake-not-started") reasons.push(e.reason);
    });
    await eventually("the event", () => reasons.length > 0);
    expect(reasons[0]).toContain("initiator: false");
    await alice.close();
    await bob.close();
  });

  runTransportAcceptanceSuite("MessagePort (the README's)", async () => {
    const { port1, port2 } = new MessageChannel();
    const subs: { unsubscribe(): void }[] = [];
    const take = (transport: Transport) =>
      new Promise<Connection>((resolve) => {
        subs.push(transport.subscribe(resolve));
      });
    const a = await take(messagePortTransport(port1, true));
    const b = await take(messagePortTransport(port2, false));
    return {
      a,
      b,
      unsubscribeA: () => subs[0]!.unsubscribe(),
      cleanup: async () => {
        for (const s of subs) s.unsubscribe();
      },
    };
  });
});

describe("README: Compose your own pipeline", () => {
  it("synchronize orders fed-back inputs; an extra effect sees every import", async () => {
    const section = require(pathOf("compose-your-own-pipeline")) as {
      watched: string[];
      imports: string[];
      alice: { close(): Promise<void> };
      bob: { close(): Promise<void> };
      net: { close(): void };
    };
    expect(section.watched).toEqual(["a", "b"]);
    await eventually("bob's audit effect saw the import", () => section.imports.length > 0);
    expect(section.imports[0]).toBe("todos from 1");
    await section.alice.close();
    await section.bob.close();
    section.net.close();
  });
});

describe("README: Marble-test a flow", () => {
  require(pathOf("marble-test-a-flow"));
});
