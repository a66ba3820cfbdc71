/** `switchboard rules …`: dispatch rules, which route inbound calls. */
import { UsageError, type FlagValues, type Group } from '../args.js';
import {
  formatBool,
  formatList,
  formatTime,
  orNone,
  renderRecord,
  renderTable,
  type Column,
} from '../table.js';
import type { WireDispatchRule } from '../types.js';
import { flag, int, list, str, strings } from './common.js';
import { crudGroup } from './crud.js';
import {
  ACTION_HELP,
  formatAction,
  formatWindow,
  parseAction,
  parseWindow,
} from './rule-syntax.js';

const columns: Column<WireDispatchRule>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'priority', value: (r) => orNone(r.priority), align: 'right' },
  { header: 'name', value: (r) => r.name },
  { header: 'enabled', value: (r) => formatBool(r.enabled) },
  { header: 'trunks', value: (r) => formatList(r.trunkIds, 'any') },
  { header: 'called', value: (r) => r.calledNumber ?? 'any' },
  { header: 'calling', value: (r) => r.callingNumber ?? 'any' },
  { header: 'windows', value: (r) => formatList(r.timeWindows?.map(formatWindow), 'always') },
  { header: 'action', value: (r) => formatAction(r.action, true) },
];

/** Table of dispatch rules (room PINs masked). */
export const renderRules = (items: WireDispatchRule[]): string => renderTable(items, columns);

function record(r: WireDispatchRule): string {
  return renderRecord([
    ['id', r.id],
    ['name', r.name],
    ['priority', orNone(r.priority)],
    ['enabled', formatBool(r.enabled)],
    ['trunks', formatList(r.trunkIds, 'any')],
    ['called', r.calledNumber ?? 'any'],
    ['calling', r.callingNumber ?? 'any'],
    ['windows', formatList(r.timeWindows?.map(formatWindow), 'always')],
    ['action', formatAction(r.action)],
    ['created', formatTime(r.createdAt)],
    ['updated', formatTime(r.updatedAt)],
  ]);
}

/** A number condition: given → the pattern; `''` on update → null (remove the condition). */
function numberCondition(
  values: FlagValues,
  name: string,
  mode: 'create' | 'update',
): string | null | undefined {
  const v = str(values, name);
  if (v === '') return mode === 'update' ? null : undefined;
  return v;
}

/** Rule body fields from flags (exported for tests). */
export function ruleFields(values: FlagValues, mode: 'create' | 'update'): Record<string, unknown> {
  if (flag(values, 'enabled') && flag(values, 'disabled')) {
    throw new UsageError('--enabled and --disabled exclude each other');
  }
  const action = str(values, 'action');
  const windows = strings(values, 'window');
  return {
    name: str(values, 'name'),
    priority: int(values, 'priority'),
    enabled: flag(values, 'disabled') ? false : flag(values, 'enabled') ? true : undefined,
    trunkIds: list(values, 'trunk'),
    calledNumber: numberCondition(values, 'called', mode),
    callingNumber: numberCondition(values, 'calling', mode),
    timeWindows: windows?.filter((w) => w.trim() !== '').map(parseWindow),
    action: action === undefined ? undefined : parseAction(action),
  };
}

/** The `rules` group. */
export const rulesGroup: Group = crudGroup<WireDispatchRule>({
  name: 'rules',
  summary: 'Dispatch rules: which inbound call goes where (highest priority first)',
  path: '/v1/dispatch-rules',
  noun: 'dispatch rule',
  where: 'switchboard rules',
  table: renderRules,
  record,
  options: {
    name: { type: 'string', placeholder: '<name>', description: 'Display name' },
    priority: {
      type: 'string',
      placeholder: '<n>',
      description: 'Higher wins (default 0)',
    },
    called: {
      type: 'string',
      placeholder: '<pattern>',
      description: "Called number: exact, pattern (4XXX, +86*, [1-5]XX) or /regex/; '' removes",
    },
    calling: {
      type: 'string',
      placeholder: '<pattern>',
      description: "Calling number, same syntax; '' removes",
    },
    trunk: {
      type: 'string',
      multiple: true,
      placeholder: '<trunkId>',
      description: "Only calls from this inbound trunk (default any); '' clears on update",
    },
    window: {
      type: 'string',
      multiple: true,
      placeholder: '"<days> <HH:MM>-<HH:MM> [zone]"',
      description: 'When it applies, e.g. "mon-fri 09:00-18:00 Asia/Shanghai"; \'\' clears',
    },
    action: { type: 'string', placeholder: '<action>', description: ACTION_HELP },
    enabled: { type: 'boolean', description: 'Enable the rule' },
    disabled: { type: 'boolean', description: 'Disable the rule' },
  },
  fields: ruleFields,
  createExamples: [
    'switchboard rules create --name support --priority 10 --called 4XXX --trunk t1 --action room:demo',
    'switchboard rules create --name closed --window "sat,sun 00:00-24:00" --action prompt:closed.wav',
    'switchboard rules create --name vip --action pin-room:vip:1234 --calling +8613800000000',
    'switchboard rules create --file rule.json --priority 5',
  ],
  updateExamples: [
    'switchboard rules update dr_123 --disabled',
    "switchboard rules update dr_123 --called '' --action reject:486",
  ],
});
