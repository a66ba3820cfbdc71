/** Calls: legs connected by echo, bridge and rooms, recording, and the live call service. */
export { bridge, echo, Room, type Disconnect, type RoomPartyOptions } from './connect.js';
export { recordLeg, type RecordOptions, type Recording } from './recording.js';
export {
  CallFailedError,
  CallService,
  type CallServiceEvents,
  type CallServiceOptions,
} from './call-service.js';
export * from './dispatch/index.js';
export {
  TrunkAdmission,
  type AdmissionDecision,
  type AdmissionRequest,
  type TrunkAdmissionOptions,
} from './trunk-admission.js';
export {
  recordCallHistory,
  type CallEventInput,
  type CallEventType,
  type CallHistory,
  type CallHistoryOptions,
} from './call-history.js';
