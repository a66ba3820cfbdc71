/**
 * /v1/dispatch-rules: inbound routing. zod checks the shape (types, unknown fields, patterns);
 * `validateDispatchRule` — the same check the dispatcher's configuration loader uses — checks the
 * meaning (clock times, time zones, PINs, prompt paths), on the merged rule for a PATCH, so a
 * rule can never be saved in a state the dispatcher would refuse.
 */
import { z } from 'zod';
import {
  MAX_PATTERN_LENGTH,
  validateDispatchRule,
  validateNumberPattern,
  type UncheckedDispatchRule,
} from '../../calls/index.js';
import {
  NotFoundError,
  type DispatchRule,
  type DispatchRulePatch,
  type Repositories,
  type Store,
} from '../../store/index.js';
import { BadRequestError, type ApiRouter } from '../route-kit.js';
import { addDeleteRoute, addGetRoute, addListRoute, addPatchRoute } from './crud.js';
import {
  idSchema,
  integer,
  iso,
  line,
  list,
  optionalFields,
  rejectUnknownKeys,
  strictObject,
  timestamp,
} from './schemas.js';

const MAX_TRUNK_IDS = 100;
const MAX_WINDOWS = 20;
const MAX_PRIORITY = 1_000_000;

/** A number pattern (see `validateNumberPattern`): exact, wildcard or `/regex/`. */
const numberPattern = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_PATTERN_LENGTH, `must be at most ${MAX_PATTERN_LENGTH} characters`)
  .superRefine((pattern, ctx) => {
    let reason: string | undefined;
    try {
      reason = validateNumberPattern(pattern);
    } catch {
      reason = 'is not a valid number pattern';
    }
    if (reason !== undefined) ctx.addIssue({ code: 'custom', message: reason });
  });

const clock = z.string().regex(/^\d{2}:\d{2}$/, 'must be a time HH:MM');

const timeWindowShape = {
  days: list(integer(0, 6), { min: 1, max: 7, what: 'weekdays (0 = Sunday … 6)', unique: true }),
  start: clock,
  end: clock,
  timeZone: z.string().max(64, 'must be at most 64 characters').optional(),
};
const timeWindow = strictObject(timeWindowShape);

/** Fields of each action type; the discriminated union and the unknown-key check share them. */
const ACTION_SHAPES = {
  echo: { type: z.literal('echo') },
  prompt: { type: z.literal('prompt'), file: line(500) },
  room: { type: z.literal('room'), room: line(200) },
  'pin-room': {
    type: z.literal('pin-room'),
    room: line(200),
    pin: z.string().regex(/^\d{3,12}$/, 'must be 3–12 digits'),
  },
  reject: {
    type: z.literal('reject'),
    status: integer(400, 699),
    reason: line(128).optional(),
  },
  flow: { type: z.literal('flow'), flowId: line(200) },
  agent: { type: z.literal('agent'), agentId: line(200) },
  enqueue: {
    type: z.literal('enqueue'),
    queueId: line(200),
    priority: integer(-MAX_PRIORITY, MAX_PRIORITY).optional(),
    skills: list(line(100), { max: 50, what: 'skills', unique: true }).optional(),
  },
} as const;

const ACTION_TYPES = Object.keys(ACTION_SHAPES) as Array<keyof typeof ACTION_SHAPES>;

const actionUnion = z.discriminatedUnion(
  'type',
  [
    z.strictObject(ACTION_SHAPES.echo),
    z.strictObject(ACTION_SHAPES.prompt),
    z.strictObject(ACTION_SHAPES.room),
    z.strictObject(ACTION_SHAPES['pin-room']),
    z.strictObject(ACTION_SHAPES.reject),
    z.strictObject(ACTION_SHAPES.flow),
    z.strictObject(ACTION_SHAPES.agent),
    z.strictObject(ACTION_SHAPES.enqueue),
  ],
  {
    // An unknown type is reported on `action.type`; a value that is no object on `action`.
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be one of ${ACTION_TYPES.join(', ')}`
        : `must be an object with a type, one of ${ACTION_TYPES.join(', ')}`,
  },
);

const actionKeys = new Map(
  Object.entries(ACTION_SHAPES).map(([type, shape]) => [type, new Set(Object.keys(shape))]),
);
const action = rejectUnknownKeys(
  (value) => (typeof value.type === 'string' ? actionKeys.get(value.type) : undefined),
  actionUnion,
);

const ruleFields = {
  name: line(200),
  priority: integer(-MAX_PRIORITY, MAX_PRIORITY),
  enabled: z.boolean(),
  trunkIds: list(idSchema, { max: MAX_TRUNK_IDS, what: 'trunks', unique: true }),
  calledNumber: numberPattern,
  callingNumber: numberPattern,
  timeWindows: list(timeWindow, { max: MAX_WINDOWS, what: 'windows' }),
  action,
};

const ruleCreate = strictObject({
  id: idSchema.optional(),
  ...optionalFields(ruleFields),
  name: ruleFields.name,
  action: ruleFields.action,
});

const rulePatch = strictObject({
  ...optionalFields(ruleFields),
  // null removes the condition.
  calledNumber: numberPattern.nullable().optional(),
  callingNumber: numberPattern.nullable().optional(),
});

/** A dispatch rule as answered. */
export const dispatchRuleView = z.object({
  id: z.string(),
  name: z.string(),
  priority: z.number().int(),
  enabled: z.boolean(),
  trunkIds: z.array(z.string()),
  calledNumber: z.string().optional(),
  callingNumber: z.string().optional(),
  timeWindows: z.array(z.object(timeWindowShape)),
  action: actionUnion,
  createdAt: timestamp,
  updatedAt: timestamp,
});

function ruleView(r: DispatchRule): z.infer<typeof dispatchRuleView> {
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    enabled: r.enabled,
    trunkIds: r.trunkIds,
    calledNumber: r.calledNumber,
    callingNumber: r.callingNumber,
    timeWindows: r.timeWindows,
    action: r.action as z.infer<typeof actionUnion>,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}

/**
 * Refuses a rule the dispatcher would refuse. Its field paths (`timeWindows[0].start`) are
 * rewritten in the route kit's dotted style (`timeWindows.0.start`), so every 400 reads alike.
 */
function assertValidRule(rule: UncheckedDispatchRule): void {
  const problems = validateDispatchRule(rule);
  if (problems.length > 0) {
    throw new BadRequestError(
      problems.map((p) => ({ field: p.field.replace(/\[(\d+)\]/g, '.$1'), message: p.message })),
    );
  }
}

/** Refuses trunk ids that name no inbound trunk: such a rule would never match. */
async function assertTrunksExist(tx: Repositories, trunkIds: string[] | undefined): Promise<void> {
  if (!trunkIds || trunkIds.length === 0) return;
  const known = new Set((await tx.trunks.listInbound()).map((t) => t.id));
  const issues = trunkIds.flatMap((id, i) =>
    known.has(id) ? [] : [{ field: `trunkIds.${i}`, message: `no inbound trunk has id ${id}` }],
  );
  if (issues.length > 0) throw new BadRequestError(issues);
}

/** The stored rule with the patch applied (`null` removes a number condition). */
function merge(current: DispatchRule, patch: DispatchRulePatch): UncheckedDispatchRule {
  const merged: UncheckedDispatchRule = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    (merged as Record<string, unknown>)[key] = value === null ? undefined : value;
  }
  return merged;
}

/** Registers the dispatch rule routes. */
export function registerDispatchRuleRoutes(router: ApiRouter, store: Store): void {
  const tag = 'dispatch-rules';
  const base = '/v1/dispatch-rules';
  addListRoute(router, {
    url: base,
    summary: 'List dispatch rules in evaluation order (priority descending, then creation)',
    tag,
    scope: 'read-only',
    item: dispatchRuleView,
    list: () => store.dispatchRules.list(),
    view: ruleView,
  });
  router.add({
    method: 'POST',
    url: base,
    summary: 'Create a dispatch rule',
    tag,
    scope: 'admin',
    body: ruleCreate,
    status: 201,
    response: dispatchRuleView,
    handler: async ({ body }) => {
      assertValidRule(body);
      // The trunk check and the insert in one transaction: a trunk deleted in between (the
      // delete checks for rules naming it) cannot leave the new rule pointing at nothing.
      return ruleView(
        await store.transaction(async (tx) => {
          await assertTrunksExist(tx, body.trunkIds);
          return tx.dispatchRules.create(body);
        }),
      );
    },
  });
  addGetRoute(router, {
    url: base,
    summary: 'Get a dispatch rule',
    tag,
    scope: 'read-only',
    what: 'dispatch rule',
    response: dispatchRuleView,
    get: (id) => store.dispatchRules.get(id),
    view: ruleView,
  });
  addPatchRoute(router, {
    url: base,
    summary: 'Change a dispatch rule; the merged rule is validated as a whole',
    tag,
    scope: 'admin',
    body: rulePatch,
    response: dispatchRuleView,
    update: (id, body) =>
      store.transaction(async (tx) => {
        const current = await tx.dispatchRules.get(id);
        if (!current) throw new NotFoundError('dispatch rule', id);
        assertValidRule(merge(current, body));
        await assertTrunksExist(tx, body.trunkIds);
        return tx.dispatchRules.update(id, body);
      }),
    view: ruleView,
  });
  addDeleteRoute(router, {
    url: base,
    summary: 'Delete a dispatch rule',
    tag,
    scope: 'admin',
    remove: (id) => store.dispatchRules.delete(id),
  });
}
