/**
 * The control plane's data model, as plain shapes. The store persists them; the domain rooms
 * (calls, api, cli) work with them. Ids are strings (UUIDs or short prefixed ids), times are
 * `Date`s, phone numbers are kept as dialled strings (normalisation happens in matching).
 */

/** Digest credentials a trunk uses (inbound: what the peer must present; outbound: ours). */
export interface TrunkCredentials {
  username: string;
  password: string;
}

/** A carrier or PBX that sends us calls. */
export interface InboundTrunk {
  id: string;
  name: string;
  /** Numbers (DIDs) this trunk delivers; empty = any number. One number belongs to one trunk. */
  numbers: string[];
  /** Source addresses allowed to send INVITEs, CIDR (`203.0.113.0/24`, `::1/128`); empty = any. */
  allowedAddresses: string[];
  /** When set, INVITEs must authenticate with these credentials (digest). */
  credentials?: TrunkCredentials;
  /** SIP header name → call attribute name, e.g. `{ "X-Customer-Id": "customerId" }`. */
  headerAttributes: Record<string, string>;
  /** Concurrent calls allowed on this trunk; 0 = unlimited. */
  maxConcurrentCalls: number;
  createdAt: Date;
  updatedAt: Date;
}

/** SIP transport for an outbound trunk. */
export type TrunkTransport = 'udp' | 'tcp' | 'tls';

/** A carrier we send calls to. */
export interface OutboundTrunk {
  id: string;
  name: string;
  /** `host:port` of the carrier's SIP server. */
  address: string;
  transport: TrunkTransport;
  /** Numbers we may present as caller ID on this trunk. */
  numbers: string[];
  credentials?: TrunkCredentials;
  /** Extra SIP headers put on every INVITE. */
  headers: Record<string, string>;
  maxConcurrentCalls: number;
  /**
   * Destination prefixes allowed (`+86`, `+1415`); empty = any. Guards against toll fraud: a
   * destination outside them is refused before any SIP is sent.
   */
  allowedDestinationPrefixes: string[];
  createdAt: Date;
  updatedAt: Date;
}

/** A time-of-day window in a time zone: days 0 (Sunday) … 6, `HH:MM` local times. */
export interface TimeWindow {
  days: number[];
  start: string;
  end: string;
  /** IANA zone, e.g. `Asia/Shanghai`; default UTC. */
  timeZone?: string;
}

/** What a dispatch rule does with a matched call. */
export type DispatchAction =
  | { type: 'echo' }
  | { type: 'prompt'; file: string }
  | { type: 'room'; room: string }
  | { type: 'pin-room'; room: string; pin: string }
  | { type: 'reject'; status: number; reason?: string }
  | { type: 'flow'; flowId: string }
  | { type: 'agent'; agentId: string }
  | { type: 'enqueue'; queueId: string; priority?: number; skills?: string[] };

/** Routes inbound calls: the highest-priority rule whose conditions all hold wins. */
export interface DispatchRule {
  id: string;
  name: string;
  /** Higher first; ties broken by creation order. */
  priority: number;
  enabled: boolean;
  /** Only calls from these trunks (ids); empty = any trunk (and calls from registered users). */
  trunkIds: string[];
  /**
   * Called number: exact (`1000`, `+861088886666`) or a pattern — `*` any run of characters,
   * `X` any digit, `N` 2–9, `[1-5]` a range, as in Asterisk dial plans; or `/regex/`.
   */
  calledNumber?: string;
  /** Calling number, same syntax as {@link calledNumber}. */
  callingNumber?: string;
  /** When set, the rule applies only inside one of these windows. */
  timeWindows: TimeWindow[];
  action: DispatchAction;
  createdAt: Date;
  updatedAt: Date;
}

/** Lifecycle of a call or participant. */
export type CallState = 'ringing' | 'answered' | 'on-hold' | 'transferring' | 'ended';

/** A call: the aggregate of its participants. */
export interface CallRecord {
  id: string;
  direction: 'inbound' | 'outbound';
  state: CallState;
  /** Calling and called numbers (personal data: keep out of logs). */
  caller: string;
  callee: string;
  trunkId?: string;
  /** The dispatch rule that matched, and why (human-readable reasons, in order). */
  ruleId?: string;
  matchExplanation: string[];
  /** Free-form attributes: mapped SIP headers, flow variables, … */
  attributes: Record<string, string>;
  endReason?: string;
  /** SIP status that ended the call, when one did. */
  sipStatus?: number;
  createdAt: Date;
  answeredAt?: Date;
  endedAt?: Date;
}

/** One party of a call (a leg). */
export interface ParticipantRecord {
  id: string;
  callId: string;
  kind: 'sip' | 'twilio' | 'webrtc' | 'text' | 'agent';
  /** Who: a number, SIP URI or user name (personal data). */
  identity: string;
  state: CallState;
  /** Room the participant is in, when it is in one. */
  room?: string;
  muted: boolean;
  endReason?: string;
  sipStatus?: number;
  joinedAt: Date;
  answeredAt?: Date;
  leftAt?: Date;
}

/**
 * One exchange of a voice-bot conversation: what the caller said, what the bot answered, how
 * long each stage took, and what went wrong. Stored with the call (deleted with it).
 */
export interface VoiceTurnRecord {
  /** `vt_…`. */
  id: string;
  callId: string;
  /** The participant (leg) the bot talked to, when known. */
  participantId?: string;
  /** 0-based order within the call; one turn per index. */
  index: number;
  /** What the caller said (final transcript; personal data). */
  userText: string;
  /** What the bot said, as heard: cut at the barge-in point when interrupted. */
  assistantText: string;
  /** The caller interrupted the answer (barge-in); assistantText is what was heard. */
  interrupted: boolean;
  /**
   * Milliseconds from the caller's end of speech to each stage (absent when not reached):
   * `sttFinal`, `responderFirstToken`, `ttsFirstAudio`, `firstPacket`. Plus durations inside
   * providers: `sttMs`, `responderMs`, `ttsMs`.
   */
  latency: Record<string, number>;
  /**
   * What happened out of the ordinary, in order: e.g. `{ type: 'soft-timeout', atMs }`,
   * `{ type: 'provider-switch', from, to, reason }`, `{ type: 'hard-timeout' }`,
   * `{ type: 'recognition-retry', attempt }`, `{ type: 'barge-in', heardMs }` … Stored as JSON:
   * they read back as JSON values (a `Date` as its ISO string, `undefined` fields dropped).
   */
  events: Array<Record<string, unknown>>;
  startedAt: Date;
  endedAt?: Date;
}

/** What an API key may do. */
export type ApiScope = 'admin' | 'operator' | 'agent' | 'read-only';

/** An API key; only its hash is stored. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** First characters of the key, shown in listings to tell keys apart. */
  prefix: string;
  /** SHA-256 of the key (hex). */
  hash: string;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

/** An outgoing webhook subscription. */
export interface WebhookRecord {
  id: string;
  url: string;
  /** Event types (`call.answered`, `call.*`); empty = all. */
  events: string[];
  /** HMAC-SHA256 signing secret. */
  secret: string;
  enabled: boolean;
  createdAt: Date;
}

/** One delivery attempt series of one event to one webhook. */
export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /**
   * The request body (the serialised event), kept so a retry, even after a restart, sends the
   * same bytes as the first attempt.
   */
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** HTTP status of the last attempt, when there was a response. */
  lastStatus?: number;
  lastError?: string;
  nextAttemptAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** A domain event, as published on the bus and delivered to webhooks. */
export interface DomainEvent {
  id: string;
  /** `call.ringing`, `call.answered`, `call.ended`, `participant.joined`, `dtmf.received`, … */
  type: string;
  occurredAt: Date;
  callId?: string;
  participantId?: string;
  data: Record<string, unknown>;
}

/** What a dialog document is: an IVR flow, an agent, an intents set or a script tree. */
export type DialogDocumentKind = 'flow' | 'agent' | 'intents' | 'script';

/** One version of a dialog document; every save makes a new version. */
export interface DialogDocumentRecord {
  kind: DialogDocumentKind;
  /** `/^[a-z0-9][a-z0-9._-]{0,63}$/`, unique per kind. */
  name: string;
  /** 1, 2, 3… per (kind, name). */
  version: number;
  /** The document as stored (validated by the API before it gets here). */
  document: unknown;
  /** What changed, as the author put it. */
  comment?: string;
  createdAt: Date;
}

/** Where a conversation stands; `closed` and `transferred` ones are not resumed. */
export type ConversationStateName =
  'initiate' | 'gathering' | 'confirming' | 'closed' | 'transferred';

/** The end-of-conversation summary. */
export interface ConversationSynthesis {
  summary: string;
  satisfaction: 'low' | 'medium' | 'high' | 'unknown';
  suggestions: string[];
  /** Whether a language model wrote it or it was extracted from the messages. */
  by: 'llm' | 'extractive';
}

/** A dialog-room conversation with one caller or chat user, resumable across calls. */
export interface ConversationRecord {
  /** `cv_…`. */
  id: string;
  /** Resume key: the caller's identity (number, SIP user) or a chat/stream session id (personal data). */
  key: string;
  channel: 'voice' | 'text';
  agentId: string;
  /** The latest call it ran on (`calls.id`; no foreign key: text chats have none). */
  callId?: string;
  state: ConversationStateName;
  nextAction?: string;
  language: string;
  /** What has been gathered so far (personal data). */
  claim: Record<string, unknown>;
  /** The agent's working state (script node, retries, confirmations). */
  memory: Record<string, unknown>;
  reminders: Array<{ at: string; text: string }>;
  synthesis?: ConversationSynthesis;
  /** How many times it was picked up again after an interruption. */
  resumeCount: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt?: Date;
}

/** One message of a conversation (personal data in `content`). */
export interface ConversationMessageRecord {
  /** `cm_…`. */
  id: string;
  conversationId: string;
  /** 0, 1, 2… within the conversation, unique. */
  seq: number;
  persona: 'human' | 'assistant' | 'tool' | 'system';
  content: string;
  /** False when the caller barged in and heard only part (then `content` is what was heard). */
  heard: boolean;
  /** For a `tool` message: the call it answers. */
  toolCallId?: string;
  /** For an `assistant` message: the tools it called. */
  toolCalls?: Array<{ id: string; name: string; arguments: string }>;
  /** The call it was said on. */
  callId?: string;
  createdAt: Date;
}
