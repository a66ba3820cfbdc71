/** Public surface of the SIP message module. */
export * from './types.js';
export * from './headers.js';
export { SipParseError } from './errors.js';
export { parseMessage, isSipVersion, MAX_HEADER_LINES, MAX_LINE_LENGTH } from './parser.js';
export { serializeMessage } from './serializer.js';
export { parseUri, formatUri } from './uri.js';
export { parseNameAddr, formatNameAddr } from './name-addr.js';
export {
  parseVia,
  formatVia,
  parseCSeq,
  MAX_CSEQ,
  defaultPortFor,
  protocolFromToken,
} from './via.js';
export {
  getVias,
  getFrom,
  getTo,
  getCallId,
  getCSeq,
  getContacts,
  getMaxForwards,
  getRequestUri,
} from './accessors.js';
export {
  createRequest,
  createResponse,
  generateBranch,
  generateTag,
  generateCallId,
  BRANCH_COOKIE,
  DEFAULT_MAX_FORWARDS,
} from './builders.js';
export type { CreateRequestInit, CreateResponseOptions } from './builders.js';
export { reasonPhrase } from './reason-phrases.js';
