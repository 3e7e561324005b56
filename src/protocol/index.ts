/** The protocol layer: message types, version vectors, validation codecs, local identity. */
export * from "./codecs.js";
export * from "./identity.js";
export * from "./messages.js";
export * from "./version-vector.js";
