// Frame codecs for the "wire pipe" (WORKLOADS §1.3): every message is encoded into the exact
// frame a socket would carry, counted, and decoded on the other side.
//
// - loro-rx, `wire`: binary framing version 2 inside a v2 transport payload (`00 ‖ frame`, or a
//   fragment header plus fragments above the 100 KiB WebSocket threshold), spec §13.2–13.3,
//   with the encoders of src/protocol/wire. A fragmented frame is handed to the in-process network
//   as the concatenation of its transport payloads (so its byte count is exact) and reassembled
//   with the wire module's FragmentReassembler on delivery; `socketFrames` counts the payloads.
// - loro-rx, `json`: the JSON channel encoding (§13.1) in text frames.
// - loro-extended 5.4.2: its own JSON serialiser (`serializeChannelMsg`), the only wire encoding
//   its package ships (its binary CBOR encoder lives in transport packages not installed here).

const THRESHOLD = 102_400; // spec §13.4: WebSocket fragment threshold (6.x)

/** Counts what a socket would see: messages written (frames) and their bytes. */
export function makeTally() {
  return { frames: 0, bytes: 0 };
}

function batchIdSource() {
  let n = 0;
  return () => {
    const id = new Uint8Array(8);
    new DataView(id.buffer).setUint32(4, ++n);
    return id;
  };
}

function unwrap(either, what) {
  if (either._tag === "Left") {
    const e = either.left;
    throw new Error(`${what}: ${e.code ?? ""} ${e.message ?? String(e)}`);
  }
  return either.right;
}

/** Binary framing v2 transport payloads; needs the wire module from dist. */
export function wireV2Codec(wire, tally) {
  const batchId = batchIdSource();
  const toMessage = (msgs) =>
    msgs.length === 1 ? msgs[0] : { type: "channel/batch", messages: msgs };
  return {
    label: "wire-v2",
    encode(message) {
      const payloads = unwrap(
        wire.encodeTransportPayloads(message, { threshold: THRESHOLD, batchId }),
        "encode",
      );
      tally.frames += payloads.length;
      if (payloads.length === 1) {
        tally.bytes += payloads[0].length;
        return payloads[0];
      }
      for (const p of payloads) tally.bytes += p.length;
      // The link carries one unit per message; a socket would carry these payloads one by one.
      // They ride along on the first payload rather than being joined into one buffer: joining
      // is a copy no socket makes (the receiver's reassembly copy remains, as on a socket).
      const [first] = payloads;
      first.fragments = payloads;
      return first;
    },
    decode(bytes) {
      if (bytes.fragments === undefined) {
        return toMessage(unwrap(wire.decodeFrameV2(bytes.subarray(1)), "decode"));
      }
      const reassembler = new wire.FragmentReassembler();
      const outcomes = bytes.fragments.flatMap((payload) => reassembler.receive(payload, 0));
      reassembler.dispose();
      if (outcomes.length !== 1) throw new Error("fragmented frame did not reassemble");
      const frame = outcomes[0];
      return toMessage(unwrap(wire.decodeFrameV2(unwrap(frame, "reassemble")), "decode"));
    },
  };
}

const utf8 = (text) => Buffer.byteLength(text, "utf8");

/** JSON channel encoding with the wire module's encoder. */
export function jsonCodec(wire, tally) {
  return {
    label: "json",
    encode(message) {
      const text = unwrap(wire.encodeJson(message), "encode");
      tally.frames++;
      tally.bytes += utf8(text);
      return text;
    },
    decode(text) {
      return unwrap(wire.decodeJson(text), "decode");
    },
  };
}

/**
 * Fallback JSON (spec §13.1) written here, for a build without src/protocol/wire: byte arrays
 * (the `data` fields) as base64, version vectors already plain records in our message shape.
 */
export function ownJsonCodec(tally) {
  const replacer = (_key, value) =>
    value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
  const reviver = (key, value) =>
    key === "data" && typeof value === "string"
      ? new Uint8Array(Buffer.from(value, "base64"))
      : value;
  return {
    label: "json(bench)",
    encode(message) {
      const text = JSON.stringify(message, replacer);
      tally.frames++;
      tally.bytes += utf8(text);
      return text;
    },
    decode: (text) => JSON.parse(text, reviver),
  };
}

/** loro-extended 5.4.2's own JSON serialiser. */
export function peerJsonCodec(repoModule, tally) {
  return {
    label: "json(5.4.2)",
    encode(message) {
      const text = JSON.stringify(repoModule.serializeChannelMsg(message));
      tally.frames++;
      tally.bytes += utf8(text);
      return text;
    },
    decode: (text) => repoModule.deserializeChannelMsg(JSON.parse(text)),
  };
}

/** Protocol messages in a frame: a batch counts its inner messages. */
export const messageCount = (message) =>
  message.type === "channel/batch" && Array.isArray(message.messages) ? message.messages.length : 1;
