/** WebSocket close reasons are limited to 123 UTF-8 bytes; longer ones make `close()` throw. */
const MAX_REASON_BYTES = 123;

export const closeReason = (reason: string | undefined): string => {
  if (reason === undefined) return "";
  const encoder = new TextEncoder();
  if (encoder.encode(reason).length <= MAX_REASON_BYTES) return reason;
  let cut = reason;
  while (encoder.encode(`${cut}…`).length > MAX_REASON_BYTES) cut = cut.slice(0, -1);
  return `${cut}…`;
};
