import { describe, expect, it } from 'vitest';
import { KnowledgeBase } from '../knowledge/index.js';
import { BUILT_IN_TOOL_NAMES, builtInTools } from './built-in-tools.js';
import type { Tool, ToolActions, ToolContext } from './tool.js';

function recorder(): { actions: ToolActions; log: unknown[][] } {
  const log: unknown[][] = [];
  return {
    log,
    actions: {
      updateClaim: async (fields) => {
        log.push(['updateClaim', fields]);
        return { accepted: {}, rejected: { incidentDate: 'is in the future' }, missing: [] };
      },
      transferToHuman: async (request) => void log.push(['transferToHuman', request]),
      endCall: async (reason) => void log.push(['endCall', reason]),
      sendDtmf: async (digits) => void log.push(['sendDtmf', digits]),
    },
  };
}

function tool(name: string): Tool {
  return builtInTools([name])[0]!;
}

async function call(name: string, args: unknown, context: ToolContext): Promise<unknown> {
  const t = tool(name);
  const checked = t.validate(args);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return t.run(checked.value, context);
}

describe('builtInTools', () => {
  it('gives all five by default and the named ones in order, and refuses unknown names', () => {
    expect(builtInTools().map((t) => t.name)).toEqual([...BUILT_IN_TOOL_NAMES]);
    expect(builtInTools(['end_call', 'send_dtmf']).map((t) => t.name)).toEqual([
      'end_call',
      'send_dtmf',
    ]);
    expect(() => builtInTools(['end_call', 'launch_rocket'])).toThrow(/launch_rocket/);
  });

  it('describes its arguments as plain JSON schema objects', () => {
    expect(tool('send_dtmf').parameters).toEqual({
      type: 'object',
      properties: {
        digits: {
          type: 'string',
          pattern: '^[0-9*#wW]{1,32}$',
          description: 'The keys to press, e.g. "1w2#"',
        },
      },
      required: ['digits'],
      additionalProperties: false,
    });
    const claim = tool('update_claim').parameters as { properties: { fields: object } };
    expect(claim.properties.fields).toMatchObject({ type: 'object' });
    expect(JSON.stringify(claim)).not.toContain('propertyNames');
    expect(JSON.stringify(builtInTools().map((t) => t.parameters))).not.toContain('$schema');
  });

  it('validates arguments with paths and messages', () => {
    expect(tool('send_dtmf').validate({ digits: '12a' })).toEqual({
      ok: false,
      problems: [{ path: 'digits', message: 'must be 1 to 32 of 0-9, *, #, w, W' }],
    });
    expect(tool('send_dtmf').validate({ digits: '1'.repeat(33) }).ok).toBe(false);
    expect(tool('update_claim').validate({ fields: {} })).toEqual({
      ok: false,
      problems: [{ path: 'fields', message: 'must name at least one field' }],
    });
    expect(tool('transfer_to_human').validate({ reason: 'x', extra: 1 })).toEqual({
      ok: false,
      problems: [{ path: 'extra', message: 'unknown key' }],
    });
    expect(tool('search_knowledge').validate({ query: 'q', limit: 11 }).ok).toBe(false);
    expect(tool('search_knowledge').validate({ query: 'q', limit: 2.5 }).ok).toBe(false);
    expect(tool('end_call').validate('bye')).toMatchObject({ ok: false });
  });

  it('acts on the call through the context actions', async () => {
    const { actions, log } = recorder();
    const context: ToolContext = { conversationId: 'c', language: 'en-US', actions };
    expect(await call('update_claim', { fields: { incidentDate: '2099-01-01' } }, context)).toEqual(
      {
        accepted: {},
        rejected: { incidentDate: 'is in the future' },
        missing: [],
      },
    );
    expect(await call('transfer_to_human', { reason: 'asked for a person' }, context)).toEqual({
      transferring: true,
    });
    expect(await call('end_call', { reason: 'goodbye' }, context)).toEqual({ ending: true });
    expect(await call('send_dtmf', { digits: '1w#' }, context)).toEqual({ sent: 3 });
    expect(log).toEqual([
      ['updateClaim', { incidentDate: '2099-01-01' }],
      ['transferToHuman', { reason: 'asked for a person' }],
      ['endCall', 'goodbye'],
      ['sendDtmf', '1w#'],
    ]);
  });

  it('searches the knowledge base, or says there is none', async () => {
    const { actions } = recorder();
    const knowledge = new KnowledgeBase();
    knowledge.add({
      id: 'hours',
      title: 'Opening hours',
      text: 'We are open Monday to Friday, 8:00 to 18:00.',
    });
    knowledge.add({ id: 'claims', title: 'Claims', text: 'Claims need a police report.' });
    const found = (await call(
      'search_knowledge',
      { query: 'when are you open?', limit: 1 },
      { conversationId: 'c', language: 'en-US', actions, knowledge },
    )) as { passages: Array<{ title: string; text: string; score: number }> };
    expect(found.passages).toHaveLength(1);
    expect(found.passages[0]).toMatchObject({ title: 'Opening hours' });
    expect(found.passages[0]!.score).toBeGreaterThan(0);
    expect(
      await call(
        'search_knowledge',
        { query: 'open' },
        { conversationId: 'c', language: 'en-US', actions },
      ),
    ).toEqual({ error: 'this agent has no knowledge base' });
  });
});
