/**
 * Claims: the typed fields an agent collects from a caller, how spoken answers become
 * canonical values, and the claim being filled in.
 *
 * @module
 */
export {
  CLAIM_FIELD_TYPES,
  DEMO_CLAIM_SCHEMA,
  isChinese,
  isRequired,
  labelFor,
  pickLocalised,
  promptFor,
  validateClaimSchema,
} from './claim-schema.js';
export type {
  ClaimField,
  ClaimFieldType,
  ClaimSchema,
  ClaimSchemaProblem,
  ClaimSchemaValidation,
} from './claim-schema.js';
export { Claim } from './claim.js';
export type { ClaimSetResult } from './claim.js';
export { normaliseClaimValue } from './normalise-claim-value.js';
export type { NormalisedValue, NormaliseOptions } from './normalise-claim-value.js';
// How numbers and dates are read lives in language/, shared with the NLU; re-exported here
// because claim code (and its callers) imported them from this index first.
export {
  formatDate,
  parseChineseNumber,
  parseEnglishNumber,
  parseSpokenDate,
  parseSpokenDateTime,
  parseSpokenNumber,
  spokenDigitsToText,
} from '../language/index.js';
export type { CalendarDate, DateContext } from '../language/index.js';
