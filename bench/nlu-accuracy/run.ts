/**
 * NLU accuracy benchmark: `npm run bench:nlu [-- --repeats N]`.
 *
 * Trains the demo tenant's intent models (en-US, zh-CN) several times and reports the training
 * time, then parses each language's held-out set and reports accuracy, fallback rate, accuracy
 * per intent and the most frequent confusions, how often out-of-scope sentences fall back, and
 * the time per parse (the whole `Nlu.parse`, and entity extraction and sentiment on their own).
 * Writes bench/results/nlu-accuracy.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { HELD_OUT_EN } from '../../src/dialog/nlu/data/held-out.en.js';
import { HELD_OUT_ZH } from '../../src/dialog/nlu/data/held-out.zh.js';
import {
  DEMO_INTENT_MODELS,
  evaluateIntents,
  extractEntities,
  labelled,
  Nlu,
  sentimentOf,
  type IntentEvaluation,
} from '../../src/dialog/nlu/index.js';
import { codeRevision, cpuMhz } from '../lib/code-revision.js';
import { describeMachine, formatMachine } from '../lib/machine.js';
import { median, percentile } from '../lib/stats.js';
import { fmt, fmtPercent, formatTable } from '../lib/table.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const RESULT_FILE = path.join(REPO_ROOT, 'bench', 'results', 'nlu-accuracy.json');

/** Sentences no demo intent covers: they should get the fallback intent. */
const OUT_OF_SCOPE: Record<string, string[]> = {
  'en-US': [
    'what is the weather like tomorrow',
    'can you order me a pizza',
    'play some music',
    'who won the football game last night',
    'how tall is the eiffel tower',
    'I like turtles',
    'book me a flight to paris',
    'what time is it in tokyo',
    'tell me a joke',
    'my cat is sleeping on the sofa',
  ],
  'zh-CN': [
    '明天天气怎么样',
    '帮我点一份外卖',
    '放首歌听听',
    '昨晚球赛谁赢了',
    '埃菲尔铁塔有多高',
    '我喜欢吃火锅',
    '帮我订一张去北京的机票',
    '东京现在几点',
    '讲个笑话',
    '我家猫在沙发上睡觉',
  ],
};

const HELD_OUT: Record<string, Readonly<Record<string, readonly string[]>>> = {
  'en-US': HELD_OUT_EN,
  'zh-CN': HELD_OUT_ZH,
};

function parseRepeats(argv: string[]): number {
  const i = argv.indexOf('--repeats');
  if (argv.includes('--help')) {
    console.log('usage: npm run bench:nlu [-- --repeats N]   (timing passes per set, default 5)');
    process.exit(0);
  }
  const n = i >= 0 ? Number(argv[i + 1]) : 5;
  if (!Number.isInteger(n) || n < 1) throw new Error('--repeats must be a positive integer');
  return n;
}

function timeMicros(fn: () => void): number {
  const started = performance.now();
  fn();
  return (performance.now() - started) * 1000;
}

async function main(): Promise<void> {
  const repeats = parseRepeats(process.argv.slice(2));
  const machine = describeMachine();
  const revision = codeRevision(REPO_ROOT);
  console.log(`NLU accuracy — ${formatMachine(machine)}`);
  console.log(
    `commit ${revision.gitCommit ?? 'unknown'}${revision.gitDirty ? ' (src dirty)' : ''}, ` +
      `load average ${os.loadavg()[0]!.toFixed(2)}, ${repeats} timing passes\n`,
  );

  // Training: the first run includes loading and JIT; later runs are what a retrain costs.
  const trainMs: number[] = [];
  let nlu: Nlu | undefined;
  for (let i = 0; i < repeats + 1; i++) {
    const started = performance.now();
    nlu = await Nlu.train(DEMO_INTENT_MODELS);
    trainMs.push(performance.now() - started);
  }
  const classifier = nlu!;
  const trainFirstMs = trainMs[0]!;
  const trainMedianMs = median(trainMs.slice(1))!;
  console.log(
    `training both models (${DEMO_INTENT_MODELS.map(
      (m) =>
        `${m.language}: ${m.intents.length} intents, ` +
        `${m.intents.reduce((s, i) => s + i.utterances.length, 0)} utterances`,
    ).join('; ')}): ` +
      `first ${fmt(trainFirstMs, 0)} ms, then median ${fmt(trainMedianMs, 0)} ms\n`,
  );

  const languages = [];
  for (const model of DEMO_INTENT_MODELS) {
    const language = model.language;
    const samples = labelled(HELD_OUT[language]!);
    const evaluation: IntentEvaluation = await evaluateIntents(classifier, language, samples);
    // Timing passes after the scoring pass, which warmed the caches and the JIT.
    const parseMicros: number[] = [];
    const entityMicros: number[] = [];
    const sentimentMicros: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const again = await evaluateIntents(classifier, language, samples);
      parseMicros.push(...again.parseMicros);
      for (const s of samples) {
        entityMicros.push(timeMicros(() => extractEntities(s.text, language)));
        sentimentMicros.push(timeMicros(() => sentimentOf(s.text, language)));
      }
    }
    let outOfScopeFallbacks = 0;
    const outOfScopeAccepted: string[] = [];
    for (const text of OUT_OF_SCOPE[language]!) {
      const r = await classifier.parse(text, language);
      if (r.fallback) outOfScopeFallbacks += 1;
      else outOfScopeAccepted.push(`${text} → ${r.intent} (${r.score.toFixed(2)})`);
    }
    const outOfScope = OUT_OF_SCOPE[language]!.length;
    const summary = {
      language,
      utterances: evaluation.utterances,
      accuracy: evaluation.accuracy,
      fallbackRate: evaluation.fallbackRate,
      perIntent: evaluation.perIntent,
      confusions: evaluation.confusions,
      outOfScope: {
        utterances: outOfScope,
        fallbackRate: outOfScopeFallbacks / outOfScope,
        accepted: outOfScopeAccepted,
      },
      parseMicros: {
        p50: median(parseMicros)!,
        p95: percentile(parseMicros, 95)!,
        samples: parseMicros.length,
      },
      entitiesMicrosP50: median(entityMicros)!,
      sentimentMicrosP50: median(sentimentMicros)!,
    };
    languages.push(summary);

    console.log(`== ${language}`);
    console.log(
      formatTable(
        [summary],
        [
          { header: 'utterances', value: (s) => String(s.utterances) },
          { header: 'accuracy', value: (s) => fmtPercent(s.accuracy) },
          { header: 'fallback', value: (s) => fmtPercent(s.fallbackRate) },
          {
            header: 'out-of-scope → fallback',
            value: (s) => `${outOfScopeFallbacks}/${s.outOfScope.utterances}`,
          },
          { header: 'parse p50 µs', value: (s) => fmt(s.parseMicros.p50, 0) },
          { header: 'parse p95 µs', value: (s) => fmt(s.parseMicros.p95, 0) },
          { header: 'entities p50 µs', value: (s) => fmt(s.entitiesMicrosP50, 1) },
          { header: 'sentiment p50 µs', value: (s) => fmt(s.sentimentMicrosP50, 1) },
        ],
      ),
    );
    console.log();
    console.log(
      formatTable(Object.entries(evaluation.perIntent), [
        { header: 'intent', align: 'left', value: ([name]) => name },
        { header: 'n', value: ([, s]) => String(s.utterances) },
        { header: 'correct', value: ([, s]) => String(s.correct) },
        { header: 'accuracy', value: ([, s]) => fmtPercent(s.accuracy, 0) },
      ]),
    );
    if (evaluation.confusions.length > 0) {
      console.log('\nconfusions (expected → got):');
      for (const c of evaluation.confusions.slice(0, 8)) {
        console.log(
          `  ${c.expected} → ${c.got} ×${c.count}: ${c.examples.map((e) => JSON.stringify(e)).join(', ')}`,
        );
      }
    }
    if (outOfScopeAccepted.length > 0) {
      console.log('out-of-scope sentences given an intent:');
      for (const a of outOfScopeAccepted) console.log(`  ${a}`);
    }
    console.log();
  }

  mkdirSync(path.dirname(RESULT_FILE), { recursive: true });
  writeFileSync(
    RESULT_FILE,
    `${JSON.stringify(
      {
        benchmark: 'nlu-accuracy',
        at: new Date().toISOString(),
        machine: { ...machine, cpuMhz: cpuMhz(), loadAverage: os.loadavg() },
        revision,
        repeats,
        training: { firstMs: trainFirstMs, medianMs: trainMedianMs, runsMs: trainMs },
        languages,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${path.relative(REPO_ROOT, RESULT_FILE)}`);
}

await main();
