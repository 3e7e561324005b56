/** The sync hub (Node): `startHub`, and the client's way to wait for acknowledgement. */
export {
  DEFAULT_DATA_DIR,
  DEFAULT_HUB_HOST,
  DEFAULT_HUB_PORT,
} from "./defaults.js";
export type { HubHealth } from "./http-routes.js";
export {
  type Hub,
  HubConfigError,
  HubDataLockedError,
  HubListenError,
  type HubOptions,
  startHub,
} from "./hub.js";
export {
  fetchDurableVersion,
  isDurable,
  type WhenDurableOptions,
  whenDurable,
} from "./when-durable.js";
