/** Calls: legs connected by echo, bridge and rooms, recording, and the live call service. */
export { bridge, echo, Room, type Disconnect, type RoomPartyOptions } from './connect.js';
export { recordLeg, type RecordOptions, type Recording } from './recording.js';
export {
  CallFailedError,
  CallService,
  type DialOptions,
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
  LiveCalls,
  type CallEventInput,
  type CallEventType,
  type LiveCall,
  type LiveCallsOptions,
  type LiveParticipant,
  type Link,
  type OpenCallInput,
} from './live-calls.js';
export { RoomRegistry } from './rooms.js';
export {
  InboundRouter,
  type AgentRunner,
  type AgentRunContext,
  type FlowLauncher,
  type InboundRouterOptions,
  type RouterPrompts,
} from './inbound-router.js';
export { LiveCallControl, type LiveCallControlOptions } from './call-control.js';
export {
  ensureDemoTenant,
  DEMO_IVR_FLOW,
  DEMO_ROOM,
  type DemoExtensions,
  type DemoTenant,
} from './demo-tenant.js';
export { collectPin, type PinEntryOptions, type PinEntryResult } from './pin-entry.js';
export {
  CallControlRefusal,
  type CallControl,
  type CallSnapshot,
  type CallTarget,
  type DialRequest,
  type MoveTarget,
} from './control-types.js';
export { sendDigits } from './dial-plan.js';
