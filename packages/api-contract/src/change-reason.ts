/**
 * Why a write was made, in the writer's words: the `X-Change-Reason` header on any admin
 * write, percent-encoded UTF-8 (`encodeURIComponent`) so any language fits in a header.
 */
export const CHANGE_REASON_HEADER = 'X-Change-Reason';
/** Characters, after decoding. */
export const CHANGE_REASON_MAX_LENGTH = 500;
