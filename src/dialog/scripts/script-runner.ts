/**
 * Walks a script tree one caller turn at a time. The agent owns everything around it: it runs
 * the NLU, stores collected claim values, speaks the lines and persists `state` every turn; the
 * runner only decides what to say next and whether the call leaves the script.
 *
 * Per turn, the first rule that applies wins:
 * 1. the node's `sentimentTransferBelow` (the tree's transfer);
 * 2. a collect node whose value the agent accepted (`next`);
 * 3. the node's `expect` for the intent;
 * 4. `repeat` (the line again, not a retry);
 * 5. the node's objections, then the tree's `global`, then the tree's objections;
 * 6. the node's `*` for any other recognised intent;
 * 7. otherwise (the fallback intent `None`, an unexpected intent, a rejected value) a retry,
 *    and after `retries` of them `onNoMatch`.
 */
import {
  DEFAULT_OBJECTION_MAX_TIMES,
  DEFAULT_RETRIES,
  FALLBACK_INTENT,
  REPEAT_INTENT,
  WILDCARD_INTENT,
  defaultRetryLine,
  isPassThrough,
  pickLine,
  renderPlaceholders,
  resolveLanguage,
  transferNodeOf,
  type Objection,
  type ScriptNode,
  type ScriptTree,
} from './script-tree.js';

/** One caller turn as the NLU classified it. */
export interface ScriptInput {
  intent: string;
  score: number;
  text: string;
  entities?: Array<{ type: string; value: string | number }>;
  /** -1 (angry) .. 1 (happy). */
  sentiment?: number;
}

/** Why the runner did what it did; logged and shown in call traces. */
export type ScriptReason =
  | 'start'
  | 'resume'
  | 'repeat'
  | 'expect'
  | 'wildcard'
  | 'global'
  | 'objection'
  | 'objection-exhausted'
  | 'collected'
  | 'not-collected'
  | 'no-match'
  | 'retries-exhausted'
  | 'sentiment'
  | 'loop'
  | 'finished';

/** What to do after a turn: lines to say in order, and whether the call leaves the script. */
export interface ScriptStep {
  /** The node the call is at now. */
  nodeId: string;
  say: string[];
  /** Hand the call to a human, or hang up, after saying the lines. */
  action?: 'transfer' | 'end';
  /** The claim field the caller's next answer should fill (the current node collects it). */
  collect?: string;
  reason?: ScriptReason;
}

/** Where a call is in its script; JSON-serialisable so the agent can persist it every turn. */
export interface ScriptState {
  nodeId: string;
  /** Unrecognised answers at the current node so far. */
  retries: number;
  /** Times each objection intent was answered in this call. */
  objectionCounts: Record<string, number>;
  /** Node ids reached, each once, in the order first reached. */
  visited: string[];
  /** Set once the call has left the script; later turns say nothing. */
  finished?: 'transfer' | 'end';
}

/** How a runner speaks and where it resumes. */
export interface ScriptRunnerOptions {
  /** The caller's language; matched against the tree's (see `resolveLanguage`). */
  language: string;
  /** A saved `state` to continue from. */
  state?: ScriptState;
  /** Fills placeholders; the default leaves `{{…}}` empty. */
  render?: (line: string) => string;
}

/** Runs one call through a script tree. */
export class ScriptRunner {
  /** The tree language lines are picked in. */
  readonly language: string;
  private readonly tree: ScriptTree;
  private readonly nodes = new Map<string, ScriptNode>();
  private readonly render: (line: string) => string;
  private readonly resumed: boolean;
  private current: ScriptState;

  constructor(tree: ScriptTree, options: ScriptRunnerOptions) {
    this.tree = tree;
    for (const node of tree.nodes) this.nodes.set(node.id, node);
    this.language = resolveLanguage(tree.languages, options.language);
    this.render = options.render ?? ((line) => renderPlaceholders(line));
    if (!this.nodes.has(tree.start)) {
      throw new Error(`script "${tree.name}": start node "${tree.start}" does not exist`);
    }
    const saved = options.state;
    if (saved !== undefined && !this.nodes.has(saved.nodeId)) {
      throw new Error(`script "${tree.name}": saved state is at unknown node "${saved.nodeId}"`);
    }
    this.resumed = saved !== undefined;
    this.current =
      saved !== undefined
        ? copyState(saved)
        : { nodeId: tree.start, retries: 0, objectionCounts: {}, visited: [] };
  }

  /** A copy of where the call is, for persisting. */
  get state(): ScriptState {
    return copyState(this.current);
  }

  /** The start node's line, or with a resumed state the current node's line. */
  start(): ScriptStep {
    if (!this.resumed) return this.enter(this.tree.start, [], 'start');
    const step = this.here([this.lineOf(this.node().lines)], 'resume');
    if (this.current.finished !== undefined) step.action = this.current.finished;
    return step;
  }

  /** The current node's line again; does not count as a retry. */
  repeat(): ScriptStep {
    if (this.current.finished !== undefined) return this.finishedStep();
    return this.here([this.lineOf(this.node().lines)], 'repeat');
  }

  /**
   * One caller turn. `collected` is the agent's verdict on the value for the node's `collect`
   * field (its `message`, e.g. why a date was refused, replaces the retry line).
   */
  next(input: ScriptInput, collected?: { accepted: boolean; message?: string }): ScriptStep {
    if (this.current.finished !== undefined) return this.finishedStep();
    const node = this.node();

    const floor = node.sentimentTransferBelow;
    if (floor !== undefined && input.sentiment !== undefined && input.sentiment < floor) {
      return this.giveUp(undefined, 'sentiment');
    }
    if (node.collect !== undefined && collected?.accepted === true && node.next !== undefined) {
      return this.enter(node.next, [], 'collected');
    }

    const intent = input.intent;
    if (intent !== FALLBACK_INTENT && intent !== WILDCARD_INTENT) {
      const expected = node.expect?.[intent];
      if (expected !== undefined) return this.enter(expected, [], 'expect');
      if (intent === REPEAT_INTENT) return this.repeat();
      const nodeObjection = node.objections?.[intent];
      if (nodeObjection !== undefined) return this.object(intent, nodeObjection);
      const global = this.tree.global?.[intent];
      if (global !== undefined) return this.enter(global, [], 'global');
      const treeObjection = this.tree.objections?.[intent];
      if (treeObjection !== undefined) return this.object(intent, treeObjection);
      const wildcard = node.expect?.[WILDCARD_INTENT];
      if (wildcard !== undefined) return this.enter(wildcard, [], 'wildcard');
    }

    const rejected = node.collect !== undefined && collected !== undefined;
    if (this.current.retries >= (node.retries ?? DEFAULT_RETRIES)) {
      return this.giveUp(node.onNoMatch, 'retries-exhausted');
    }
    this.current.retries += 1;
    const retryLine =
      rejected && collected.message !== undefined && collected.message !== ''
        ? collected.message
        : node.retryLines !== undefined
          ? pickLine(node.retryLines, this.language, this.tree.languages)
          : defaultRetryLine(this.language);
    return this.here(
      [this.render(retryLine), this.lineOf(node.lines)].filter((l) => l !== ''),
      rejected ? 'not-collected' : 'no-match',
    );
  }

  private node(): ScriptNode {
    return this.nodes.get(this.current.nodeId)!;
  }

  private lineOf(lines: Record<string, string>): string {
    return this.render(pickLine(lines, this.language, this.tree.languages));
  }

  /** A step that stays at the current node. */
  private here(say: string[], reason: ScriptReason): ScriptStep {
    const step: ScriptStep = {
      nodeId: this.current.nodeId,
      say: say.filter((l) => l !== ''),
      reason,
    };
    const collect = this.node().collect;
    if (collect !== undefined) step.collect = collect;
    return step;
  }

  private finishedStep(): ScriptStep {
    return {
      nodeId: this.current.nodeId,
      say: [],
      action: this.current.finished!,
      reason: 'finished',
    };
  }

  /** Goes to a node and says its line, then through any nodes that expect nothing. */
  private enter(id: string, say: string[], reason: ScriptReason): ScriptStep {
    // A chain of pass-through nodes longer than the tree is a loop (the validator refuses
    // those, but a tree built in code may skip validation): hand the call over, never spin.
    for (let hops = 0; hops <= this.nodes.size; hops++) {
      const node = this.nodes.get(id);
      if (node === undefined) throw new Error(`script "${this.tree.name}": no node "${id}"`);
      this.current.nodeId = id;
      this.current.retries = 0;
      if (!this.current.visited.includes(id)) this.current.visited.push(id);
      const line = this.lineOf(node.lines);
      if (line !== '') say.push(line);
      if (node.transfer === true || node.end === true) {
        const action = node.transfer === true ? 'transfer' : 'end';
        this.current.finished = action;
        return { nodeId: id, say, action, reason };
      }
      if (!isPassThrough(node)) return this.here(say, reason);
      id = node.next!;
    }
    this.current.finished = 'transfer';
    return { nodeId: this.current.nodeId, say, action: 'transfer', reason: 'loop' };
  }

  private object(intent: string, objection: Objection): ScriptStep {
    const count = this.current.objectionCounts[intent] ?? 0;
    if (count >= (objection.maxTimes ?? DEFAULT_OBJECTION_MAX_TIMES)) {
      return this.giveUp(objection.onExhausted, 'objection-exhausted');
    }
    this.current.objectionCounts[intent] = count + 1;
    const answer = this.lineOf(objection.lines);
    if (objection.next !== undefined) return this.enter(objection.next, [answer], 'objection');
    return this.here([answer, this.lineOf(this.node().lines)], 'objection');
  }

  /** Goes to `target`, else the tree's transfer node, else transfers without a line. */
  private giveUp(target: string | undefined, reason: ScriptReason): ScriptStep {
    const to = target ?? transferNodeOf(this.tree);
    if (to !== undefined) return this.enter(to, [], reason);
    this.current.finished = 'transfer';
    return { nodeId: this.current.nodeId, say: [], action: 'transfer', reason };
  }
}

function copyState(s: ScriptState): ScriptState {
  const copy: ScriptState = {
    nodeId: s.nodeId,
    retries: s.retries,
    objectionCounts: { ...s.objectionCounts },
    visited: [...s.visited],
  };
  if (s.finished !== undefined) copy.finished = s.finished;
  return copy;
}
