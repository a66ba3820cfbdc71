/**
 * A model's own entities: regular expressions and enums of canonical values with synonyms.
 * Compiled once per model, matched on every parse.
 */
import type { IntentModelEntity } from './intent-model.js';
import type { NluEntity } from './nlu-result.js';

/** Finds one model's custom entities in an utterance. */
export type CustomEntityMatcher = (text: string) => NluEntity[];

const LATIN_EDGE = /[A-Za-z0-9]/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches a synonym as a whole word in Latin text, anywhere in Chinese text. */
function synonymPattern(synonym: string): string {
  const body = escapeRegExp(synonym.trim()).replace(/\s+/g, '\\s+');
  const start = LATIN_EDGE.test(synonym.trim()[0] ?? '') ? '(?<![A-Za-z0-9])' : '';
  const end = LATIN_EDGE.test(synonym.trim().slice(-1)) ? '(?![A-Za-z0-9])' : '';
  return `${start}${body}${end}`;
}

/**
 * Compiles validated entity definitions. Regex entities report the matched text as the value
 * (the first capture group when there is one); enum entities report the canonical value, and
 * match the canonical value itself as well as its synonyms, case-insensitively, longest first.
 */
export function compileCustomEntities(entities: readonly IntentModelEntity[]): CustomEntityMatcher {
  const matchers = entities.map((entity) => {
    if ('regex' in entity) {
      const re = new RegExp(entity.regex, `${entity.flags ?? ''}g`);
      return (text: string): NluEntity[] =>
        [...text.matchAll(re)]
          .filter((m) => m[0] !== '')
          .map((m) => ({
            type: entity.name,
            text: m[0],
            value: m[1] ?? m[0],
            start: m.index,
            end: m.index + m[0].length,
          }));
    }
    const forms: Array<{ form: string; value: string }> = [];
    for (const [value, synonyms] of Object.entries(entity.values)) {
      for (const form of [value, ...synonyms]) forms.push({ form, value });
    }
    forms.sort((a, b) => b.form.length - a.form.length);
    const re = new RegExp(forms.map((f) => `(${synonymPattern(f.form)})`).join('|'), 'gi');
    return (text: string): NluEntity[] =>
      [...text.matchAll(re)].map((m) => {
        const group = m.findIndex((g, i) => i > 0 && g !== undefined);
        return {
          type: entity.name,
          text: m[0],
          value: forms[group - 1]!.value,
          start: m.index,
          end: m.index + m[0].length,
        };
      });
  });
  return (text) => matchers.flatMap((match) => match(text));
}
