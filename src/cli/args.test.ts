import { describe, expect, it } from 'vitest';
import {
  closest,
  editDistance,
  helpText,
  parseCommandArgs,
  resolveCommand,
  UsageError,
  type Command,
} from './args.js';
import { ROOT } from './main.js';

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

function leaf(argv: string[]): { command: Command; rest: string[]; where: string } {
  const r = resolveCommand(ROOT, argv);
  if (r.node.kind !== 'command') throw new Error('not a command');
  return {
    command: r.node,
    rest: r.rest,
    where: ['switchboard', ...r.path.slice(1).map((n) => n.name)].join(' '),
  };
}

describe('resolveCommand', () => {
  it('walks the words to a command and leaves its arguments', () => {
    const r = resolveCommand(ROOT, ['trunks', 'inbound', 'get', 'tr_1', '--json']);
    expect(r.path.map((n) => n.name)).toEqual(['switchboard', 'trunks', 'inbound', 'get']);
    expect(r.rest).toEqual(['tr_1', '--json']);
    expect(r.help).toBe(false);
  });

  it('takes global flags before, between and after the words', () => {
    const r = resolveCommand(ROOT, [
      '--url',
      'http://x:1',
      'rules',
      '--key=k',
      'list',
      '--config',
      'c.json',
    ]);
    expect(r.node.name).toBe('list');
    // The value of --url is not mistaken for a command word.
    expect(r.rest).toEqual(['--url', 'http://x:1', '--key=k', '--config', 'c.json']);
  });

  it('stops at a group when the words run out, and notices --help / -h', () => {
    expect(resolveCommand(ROOT, ['trunks']).node.name).toBe('trunks');
    expect(resolveCommand(ROOT, ['trunks', '--help']).help).toBe(true);
    expect(resolveCommand(ROOT, ['call', 'dial', '-h']).help).toBe(true);
    expect(resolveCommand(ROOT, []).node).toBe(ROOT);
  });

  it('names an unknown command and suggests the close one', () => {
    const err = usageError(() => resolveCommand(ROOT, ['trunk', 'list']));
    expect(err.message).toBe("unknown command 'trunk' for 'switchboard'");
    expect(err.hints[0]).toBe("did you mean 'switchboard trunks'?");
    expect(err.hints[1]).toContain("run 'switchboard --help'");
    const deep = usageError(() => resolveCommand(ROOT, ['trunks', 'inbound', 'lsit']));
    expect(deep.message).toBe("unknown command 'lsit' for 'switchboard trunks inbound'");
    expect(deep.hints[0]).toBe("did you mean 'switchboard trunks inbound list'?");
    // Nothing close: no guess, just where to look.
    const far = usageError(() => resolveCommand(ROOT, ['zzzzzz']));
    expect(far.hints).toHaveLength(1);
  });
});

describe('parseCommandArgs', () => {
  it('parses flags, repeatable flags and positionals', () => {
    const { command, rest, where } = leaf([
      'rules',
      'update',
      'dr_1',
      '--trunk',
      't1',
      '--trunk',
      't2,t3',
      '--priority=-5',
      '--json',
    ]);
    const parsed = parseCommandArgs(command, rest, where);
    expect(parsed.positionals).toEqual(['dr_1']);
    expect(parsed.values.trunk).toEqual(['t1', 't2,t3']);
    expect(parsed.values.priority).toBe('-5');
    expect(parsed.values.json).toBe(true);
  });

  it('names an unknown flag with a suggestion', () => {
    const { command, rest, where } = leaf(['call', 'dial', '--too', '+861']);
    const err = usageError(() => parseCommandArgs(command, rest, where));
    expect(err.message).toBe("unknown option '--too' for 'switchboard call dial'");
    expect(err.hints).toContain("did you mean '--to'?");
  });

  it('reports a flag without its value', () => {
    const { command, rest, where } = leaf(['call', 'dial', '--to']);
    const err = usageError(() => parseCommandArgs(command, rest, where));
    expect(err.message).toContain("'--to <value>' argument missing");
  });

  it('checks the number of positionals', () => {
    const missing = leaf(['call', 'dtmf', 'ca_1']);
    expect(
      usageError(() => parseCommandArgs(missing.command, missing.rest, missing.where)).message,
    ).toBe("missing <digits> for 'switchboard call dtmf'");
    const extra = leaf(['trunks', 'inbound', 'get', 'a', 'b']);
    const err = usageError(() => parseCommandArgs(extra.command, extra.rest, extra.where));
    expect(err.message).toBe("unexpected argument 'b' for 'switchboard trunks inbound get'");
    expect(err.hints[0]).toBe('usage: switchboard trunks inbound get <id> [options]');
  });

  it('rejects a value on a boolean flag', () => {
    const { command, rest, where } = leaf(['rules', 'list', '--json=yes']);
    expect(usageError(() => parseCommandArgs(command, rest, where)).message).toContain(
      "'--json' does not take an argument",
    );
  });
});

describe('suggestions', () => {
  it('measures edit distance', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    expect(editDistance('lsit', 'list')).toBe(1);
  });

  it('prefers a prefix, and gives up when nothing is close', () => {
    expect(closest('regis', ['rules', 'registrations'])).toBe('registrations');
    expect(closest('webhook', ['webhooks', 'keys'])).toBe('webhooks');
    expect(closest('xyz', ['rules', 'calls'])).toBeUndefined();
  });
});

describe('helpText', () => {
  it('lists a group’s commands and a command’s flags, with the global ones', () => {
    const group = helpText(resolveCommand(ROOT, ['trunks', 'inbound']).path);
    expect(group).toMatch(/^Usage: switchboard trunks inbound <command> \[options\]/);
    expect(group).toMatch(/^ {2}list +List inbound trunks$/m);
    expect(group).toMatch(/^ {2}delete +Delete an inbound trunk$/m);
    const command = helpText(resolveCommand(ROOT, ['call', 'mute']).path);
    expect(command).toMatch(/^Usage: switchboard call mute <callId> <participantId> \[options\]/);
    expect(command).toMatch(/--off +Unmute instead/);
    expect(command).toMatch(/--url <url> +Server URL/);
    expect(command).toContain('Examples:');
  });
});
