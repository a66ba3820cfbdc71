/**
 * Live call control over /v1/calls: dialling out and the actions on a live call and its
 * participants (hang up, DTMF, play, transfer, mute, hold, move). The routes only validate and
 * translate; the {@link CallControl} given does the work (the live call service in the app), so
 * the routes are tested over a recording stand-in.
 */
import { z } from 'zod';
import {
  CallControlRefusal,
  type CallControl,
  type CallTarget,
  type DialRequest,
  type MoveTarget,
} from '../../calls/index.js';
import { BadRequestError, type ApiRouter, type FieldIssue, type RouteSpec } from '../route-kit.js';
import { callView, participantView, toCallView, toParticipantView } from './calls.js';
import {
  boundedRecord,
  extraHeaderName,
  headerValue,
  idParams,
  idSchema,
  integer,
  line,
  strictObject,
} from './schemas.js';

/** Most extra INVITE headers one dial may carry; a trunk's own headers come on top. */
const MAX_DIAL_HEADERS = 20;

/** Path parameters of `/v1/calls/:id/participants/:pid/…`. */
const participantParams = z.object({ id: idSchema, pid: idSchema });

/**
 * A room name, in an alphabet that is safe in URL paths, SIP URIs and file names without
 * escaping, whatever later names the room.
 */
const roomName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a room name: 1–64 letters, digits, "_", "." or "-"');

/**
 * A media file for the server to play. Which paths it may read is the control's decision: the
 * API only keeps the text to one line of sane length.
 */
const mediaFile = line(512);

/** A participant of the call in the path; when left out the action picks its default. */
const participantId = idSchema.optional();

/** Digits sent after answer: `w` pauses 500 ms, as dialers' dial strings do. */
const dialDigits = z
  .string()
  .regex(/^[0-9*#A-Dw]{1,64}$/, 'must be 1–64 of 0-9 * # A-D, and w for a 500 ms pause');

/**
 * An extra INVITE header's name: a plain token first (so the 400 says what a name may be),
 * then the trunk rules, which refuse the headers the SIP stack writes itself — Via, From, To,
 * Call-ID, CSeq, Contact, Content-Length, Max-Forwards and their compact forms, whatever the
 * case — since a second copy would break the dialog or its authentication.
 */
const dialHeaderName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, {
    message: 'must be a header name: 1–64 letters, digits or "-"',
    // One reason per bad name: the reserved-name check below has nothing to add.
    abort: true,
  })
  .pipe(extraHeaderName);

/** Not in this version: accepted by the schema only to be refused with a clear reason. */
const notYet = (what: string) =>
  z
    .unknown()
    .optional()
    .meta({ description: `${what}: not available in this version yet` });

const dialBody = strictObject({
  to: line(256).meta({
    description: 'A number (through trunkId), a registered user name or a SIP URI',
  }),
  trunkId: idSchema.optional(),
  from: line(256).optional(),
  room: roomName.optional(),
  echo: z.literal(true, 'must be true, or left out').optional(),
  prompt: mediaFile.optional().meta({ description: 'Plays this file, then hangs up' }),
  callId: idSchema.optional().meta({ description: 'Joins this live call' }),
  flow: notYet('Run a flow on answer'),
  agent: notYet('Connect an AI agent on answer'),
  waitUntilAnswered: z.boolean().optional(),
  ringTimeoutS: integer(1, 600).optional(),
  maxDurationS: integer(1, 86_400).optional(),
  dtmf: dialDigits.optional(),
  headers: boundedRecord(dialHeaderName, headerValue, MAX_DIAL_HEADERS).optional(),
});

type DialBody = z.infer<typeof dialBody>;

/** The fields that say where the answered call goes, in the order a 400 names them. */
const TARGET_FIELDS = ['room', 'echo', 'prompt', 'callId'] as const;

/** Features the dial request names but this release lacks, and how to say so. */
const NOT_YET: ReadonlyArray<readonly ['flow' | 'agent', string]> = [
  ['flow', 'flows are not available in this version yet (they arrive with a later release)'],
  ['agent', 'AI agents are not available in this version yet (they arrive with a later release)'],
];

const hangupBody = strictObject({ reason: line(200).optional() });

const dtmfBody = strictObject({
  digits: z.string().regex(/^[0-9*#A-D]{1,64}$/, 'must be 1–64 of 0-9 * # A-D'),
  participantId,
});

const playBody = strictObject({ file: mediaFile, participantId });

const transferBody = strictObject({ to: line(256), participantId, trunkId: idSchema.optional() });

const muteBody = strictObject({ muted: z.boolean().default(true) });

const holdBody = strictObject({ held: z.boolean().default(true) });

const moveBody = strictObject({ room: roomName.optional(), callId: idSchema.optional() });

const dialAnswer = z.object({ call: callView, participants: z.array(participantView) });

const okAnswer = z.object({ ok: z.literal(true) });

const transferAnswer = z.object({ ok: z.literal(true), method: z.enum(['refer', 'bridge']) });

/**
 * The dial request a valid body stands for. Cross-field rules zod does not express well are
 * checked here: at most one target, and no flow or AI agent yet.
 * @throws BadRequestError naming each field at fault.
 */
function dialRequest(body: DialBody): DialRequest {
  const issues: FieldIssue[] = NOT_YET.filter(([field]) => body[field] !== undefined).map(
    ([field, message]) => ({ field, message }),
  );
  const targets = TARGET_FIELDS.filter((field) => body[field] !== undefined);
  if (targets.length > 1) {
    issues.push({
      field: targets[1]!,
      message: `cannot be given with ${targets[0]!}: a call goes to one of ${TARGET_FIELDS.join(', ')}`,
    });
  }
  if (issues.length > 0) throw new BadRequestError(issues);
  return withoutUndefined({
    to: body.to,
    trunkId: body.trunkId,
    from: body.from,
    target: dialTarget(body),
    ringTimeoutS: body.ringTimeoutS,
    maxDurationS: body.maxDurationS,
    dtmf: body.dtmf,
    headers: body.headers,
    waitUntilAnswered: body.waitUntilAnswered,
  });
}

function dialTarget(body: DialBody): CallTarget | undefined {
  if (body.room !== undefined) return { type: 'room', room: body.room };
  if (body.echo !== undefined) return { type: 'echo' };
  if (body.prompt !== undefined) return { type: 'prompt', file: body.prompt };
  if (body.callId !== undefined) return { type: 'call', callId: body.callId };
  return undefined;
}

/** Where a participant moves. @throws BadRequestError unless exactly one is given. */
function moveTarget(body: z.infer<typeof moveBody>): MoveTarget {
  if (body.room !== undefined && body.callId !== undefined) {
    throw new BadRequestError([
      { field: 'callId', message: 'cannot be given with room: a participant moves to one place' },
    ]);
  }
  if (body.room !== undefined) return { room: body.room };
  if (body.callId !== undefined) return { callId: body.callId };
  throw new BadRequestError([
    { field: 'room', message: 'give room or callId: where the participant moves to' },
  ]);
}

/**
 * The object without its undefined fields: the control sees only what the client sent, so
 * `'trunkId' in request` means the same as "a trunk was asked for".
 */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** What a control route states; method, tag and scope are the same for all of them. */
type ControlRoute<B, P> = Pick<
  RouteSpec<B, unknown, P>,
  'url' | 'summary' | 'body' | 'params' | 'status' | 'response' | 'handler'
>;

/**
 * Adds a POST route needing the operator scope. A {@link CallControlRefusal} is answered here
 * with its own status (the kit maps only the store's errors, whose statuses are fixed); the
 * kit sees the reply sent and leaves it.
 */
function addControlRoute<B, P>(router: ApiRouter, route: ControlRoute<B, P>): void {
  router.add<B, unknown, P>({
    ...route,
    method: 'POST',
    tag: 'calls',
    scope: 'operator',
    handler: async (ctx) => {
      try {
        return await route.handler(ctx);
      } catch (err) {
        if (!(err instanceof CallControlRefusal)) throw err;
        return ctx.reply
          .code(err.status)
          .send({ error: 'refused', field: err.field, message: err.message });
      }
    },
  });
}

/**
 * Registers the call-control routes (operator scope) on `router`, over `control`. Unknown or
 * ended calls answer 404, actions that cannot apply now 409 naming the field, and destinations
 * refused by policy the refusal's status with `{ error: 'refused', field, message }`.
 */
export function registerCallControlRoutes(router: ApiRouter, control: CallControl): void {
  const live = '/v1/calls/:id';
  const participant = `${live}/participants/:pid`;
  addControlRoute(router, {
    url: '/v1/calls',
    summary:
      'Dial out to a number (through trunkId), a registered user or a SIP URI and, once ' +
      'answered, connect the call to a room, the echo test, a prompt or another live call ' +
      '(at most one); with waitUntilAnswered it answers once the call is answered or ended',
    body: dialBody,
    status: 201,
    response: dialAnswer,
    handler: async ({ body }) => {
      const snapshot = await control.dial(dialRequest(body));
      return {
        call: toCallView(snapshot.call),
        participants: snapshot.participants.map(toParticipantView),
      };
    },
  });
  addControlRoute(router, {
    url: `${live}/hangup`,
    summary: 'Hang up a live call: every participant leaves (the body and its reason are optional)',
    body: hangupBody,
    params: idParams,
    response: okAnswer,
    handler: async ({ params, body }) => {
      await control.hangup(params.id, body.reason);
      return { ok: true };
    },
  });
  addControlRoute(router, {
    url: `${live}/dtmf`,
    summary: "Send DTMF digits to a participant (default: the call's first live participant)",
    body: dtmfBody,
    params: idParams,
    response: okAnswer,
    handler: async ({ params, body }) => {
      await control.sendDtmf(params.id, body.digits, body.participantId);
      return { ok: true };
    },
  });
  addControlRoute(router, {
    url: `${live}/play`,
    summary:
      'Play a media file to a participant (default: every live participant of the call); ' +
      'answers 202 once playback has started, not when it ends',
    body: playBody,
    params: idParams,
    status: 202,
    response: okAnswer,
    handler: async ({ params, body }) => {
      await control.play(params.id, body.file, body.participantId);
      return { ok: true };
    },
  });
  addControlRoute(router, {
    url: `${live}/transfer`,
    summary:
      "Blind-transfer a participant (default: the call's first) to a number or SIP URI: by " +
      'REFER when its far end accepts one, otherwise by a new leg bridged in its place; ' +
      '`method` says which',
    body: transferBody,
    params: idParams,
    status: 202,
    response: transferAnswer,
    handler: async ({ params, body }) => {
      const { method } = await control.transfer(
        params.id,
        body.to,
        withoutUndefined({ participantId: body.participantId, trunkId: body.trunkId }),
      );
      return { ok: true, method };
    },
  });
  addControlRoute(router, {
    url: `${participant}/mute`,
    summary: 'Mute what a participant says (muted: true, the default) or unmute it',
    body: muteBody,
    params: participantParams,
    response: participantView,
    handler: async ({ params, body }) =>
      toParticipantView(await control.mute(params.id, params.pid, body.muted)),
  });
  addControlRoute(router, {
    url: `${participant}/hold`,
    summary:
      'Put a participant on hold (held: true, the default: it hears music and no one hears ' +
      'it) or resume it',
    body: holdBody,
    params: participantParams,
    response: participantView,
    handler: async ({ params, body }) =>
      toParticipantView(await control.hold(params.id, params.pid, body.held)),
  });
  addControlRoute(router, {
    url: `${participant}/move`,
    summary: 'Move a participant to a room or into another live call (exactly one of room, callId)',
    body: moveBody,
    params: participantParams,
    response: participantView,
    handler: async ({ params, body }) =>
      toParticipantView(await control.move(params.id, params.pid, moveTarget(body))),
  });
}
