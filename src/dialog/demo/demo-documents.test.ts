/**
 * The demo tenant's dialog documents: each one passes the validator the API would run on it,
 * the references between them (a flow's agent step, an agent's script and intents, the
 * service script's intents) name documents that are in the set, and writing them into a real
 * store (embedded PGlite) stores version 1 of each, as given.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/index.js';
import { isDocumentName, validateAgentDefinition } from '../agents/agent-definition.js';
import { validateFlow, type Flow } from '../flows/flow-schema.js';
import { validateIntentModel, type IntentModel } from '../nlu/index.js';
import { validateScriptTree, type ScriptTree } from '../scripts/index.js';
import {
  DEMO_CLAIMS_AGENT,
  DEMO_DIALOG_DOCUMENTS,
  DEMO_IVR_NAME,
  writeDemoDialogDocuments,
} from './demo-documents.js';

type Kind = (typeof DEMO_DIALOG_DOCUMENTS)[number]['kind'];

/** The problems the validator of `kind` finds in `document` (empty: valid). */
function problemsOf(kind: Kind, document: unknown): Array<{ path: string; message: string }> {
  const r =
    kind === 'flow'
      ? validateFlow(document)
      : kind === 'agent'
        ? validateAgentDefinition(document)
        : kind === 'intents'
          ? validateIntentModel(document)
          : validateScriptTree(document);
  return r.ok ? [] : r.problems;
}

const ofKind = (kind: Kind) => DEMO_DIALOG_DOCUMENTS.filter((d) => d.kind === kind);
const names = (kind: Kind) => ofKind(kind).map((d) => d.name);

/** The agent documents, validated. */
function agents() {
  return ofKind('agent').map(({ name, document }) => {
    const r = validateAgentDefinition(document);
    if (!r.ok) throw new Error(`agent ${name}: ${JSON.stringify(r.problems)}`);
    return { name, definition: r.value };
  });
}

describe('the demo dialog documents', () => {
  it('hold every kind, each name once and valid for the store', () => {
    expect(new Set(DEMO_DIALOG_DOCUMENTS.map((d) => d.kind))).toEqual(
      new Set(['flow', 'agent', 'intents', 'script']),
    );
    const keys = DEMO_DIALOG_DOCUMENTS.map((d) => `${d.kind}/${d.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const { name } of DEMO_DIALOG_DOCUMENTS) expect(isDocumentName(name), name).toBe(true);
    expect(names('flow')).toContain(DEMO_IVR_NAME);
    expect(names('agent')).toContain(DEMO_CLAIMS_AGENT);
  });

  it.each(DEMO_DIALOG_DOCUMENTS.map((d) => [`${d.kind} ${d.name}`, d] as const))(
    '%s passes its validator',
    (_label, { kind, document }) => {
      expect(problemsOf(kind, document)).toEqual([]);
    },
  );

  it("names each intent set after its model's primary language", () => {
    for (const { name, document } of ofKind('intents')) {
      const language = (document as IntentModel).language;
      expect(name).toBe(`demo-${language.split('-')[0]!.toLowerCase()}`);
    }
    expect(names('intents').sort()).toEqual(['demo-en', 'demo-zh']);
  });

  it("names each script tree after the tree's own name", () => {
    for (const { name, document } of ofKind('script')) {
      expect(name).toBe((document as ScriptTree).name);
    }
  });

  it("points the flows' agent steps at agents in the set", () => {
    const agentNames = names('agent');
    let steps = 0;
    for (const { name, document } of ofKind('flow')) {
      for (const step of (document as Flow).steps) {
        if (!('agent' in step)) continue;
        steps++;
        expect(agentNames, `flow ${name}, step ${step.id}`).toContain(step.agent.agentId);
      }
    }
    // The IVR's option 1 reaches the claims agent.
    expect(steps).toBeGreaterThan(0);
  });

  it("points the agents' script and intents at documents in the set", () => {
    const scripts = names('script');
    const intents = names('intents');
    let references = 0;
    for (const { name, definition } of agents()) {
      if (definition.script !== undefined) {
        references++;
        expect(scripts, `agent ${name}'s script`).toContain(definition.script);
      }
      for (const set of definition.intents ?? []) {
        references++;
        expect(intents, `agent ${name}'s intents`).toContain(set);
      }
    }
    // The service agent follows the service script.
    expect(references).toBeGreaterThan(0);
  });

  it('trains the agents on every intent their script tree listens for, in each language', () => {
    const models = new Map(
      ofKind('intents').map(({ name, document }) => [name, document as IntentModel]),
    );
    const trees = new Map(
      ofKind('script').map(({ name, document }) => [name, document as ScriptTree]),
    );
    for (const { name, definition } of agents()) {
      if (definition.script === undefined) continue;
      const tree = trees.get(definition.script)!;
      // An agent without `intents` is trained on every stored set.
      const sets = (definition.intents ?? [...models.keys()]).map((n) => models.get(n)!);
      const wanted = new Set<string>([
        ...Object.keys(tree.global ?? {}),
        ...Object.keys(tree.objections ?? {}),
        ...tree.nodes.flatMap((n) => [
          ...Object.keys(n.expect ?? {}),
          ...Object.keys(n.objections ?? {}),
        ]),
      ]);
      for (const language of tree.languages) {
        const model = sets.find((m) => m.language === language);
        expect(model, `agent ${name}: intents in ${language}`).toBeDefined();
        const known = new Set(model!.intents.map((i) => i.name));
        for (const intent of wanted) {
          if (intent === '*' || intent === model!.fallbackIntent) continue;
          expect(known.has(intent), `agent ${name}: "${intent}" in ${language}`).toBe(true);
        }
      }
    }
  });

  it('greets in every language the agents speak', () => {
    for (const { name, definition } of agents()) {
      for (const line of [definition.greeting, definition.resumeGreeting]) {
        if (line === undefined || typeof line === 'string') continue;
        for (const language of definition.languages ?? [definition.language]) {
          expect(line[language], `agent ${name} in ${language}`).toBeTruthy();
        }
      }
    }
  });
});

describe('writeDemoDialogDocuments', () => {
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sb-demo-docs-'));
    store = await openStore({ dataDir });
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('stores version 1 of each document, as given, in one transaction', async () => {
    await store.transaction((tx) => writeDemoDialogDocuments(tx));
    for (const { kind, name, document } of DEMO_DIALOG_DOCUMENTS) {
      const stored = await store.dialogDocuments.latest(kind, name);
      expect(stored, `${kind} ${name}`).toMatchObject({
        kind,
        name,
        version: 1,
        comment: 'demo tenant',
      });
      expect(stored!.document, `${kind} ${name}`).toEqual(JSON.parse(JSON.stringify(document)));
      expect(await store.dialogDocuments.history(kind, name)).toHaveLength(1);
      // What was stored still passes the validator (jsonb kept it whole).
      expect(problemsOf(kind, stored!.document)).toEqual([]);
    }
    for (const kind of ['flow', 'agent', 'intents', 'script'] as const) {
      expect((await store.dialogDocuments.list(kind)).map((d) => d.name).sort()).toEqual(
        names(kind).sort(),
      );
    }
  });
});
