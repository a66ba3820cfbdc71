/**
 * Call routing logic, pure (no I/O, no SIP objects): number patterns, CIDR allow-lists,
 * inbound trunk matching, dispatch rules with time windows, and outbound destination checks.
 */
export {
  InvalidNumberPatternError,
  MAX_PATTERN_LENGTH,
  MAX_REGEX_INPUT_LENGTH,
  matchNumberPattern,
  normaliseNumber,
  validateNumberPattern,
} from './numbers.js';
export { addressInCidr, parseCidr, parseIpAddress, validateCidr, type Cidr } from './cidr.js';
export {
  admitsSource,
  headerAttributes,
  matchInboundTrunk,
  MAX_HEADER_ATTRIBUTE_LENGTH,
  type InboundTrunkMatch,
} from './inbound-trunks.js';
export {
  DEFAULT_TIME_ZONE,
  describeWindow,
  isInsideWindow,
  isValidTimeZone,
  localTime,
  timeWindowProblems,
} from './time-windows.js';
export {
  evaluateDispatchRules,
  orderRules,
  validateDispatchRule,
  type DispatchCall,
  type DispatchResult,
  type UncheckedDispatchRule,
  type RuleProblem,
} from './dispatch.js';
export { checkDestination, MAX_DESTINATION_LENGTH, pickCallerId } from './outbound.js';
