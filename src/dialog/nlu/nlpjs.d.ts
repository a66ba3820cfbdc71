/**
 * The few parts of nlp.js (CommonJS, ships no types) that the NLU uses. Declared narrowly on
 * purpose: anything not listed here is not relied on.
 */
declare module '@nlpjs/core' {
  /** nlp.js's dependency container: plugins, configurations and pipelines by name. */
  export interface NlpjsContainer {
    use(plugin: unknown): void;
    register(name: string, instance: unknown, isSingleton?: boolean): void;
    registerConfiguration(tag: string, configuration: object, overwrite?: boolean): void;
  }
  /** A fresh container with the core plugins (normalizer, tokenizer, stemmer, ...). */
  export function containerBootstrap(): NlpjsContainer;
}

declare module '@nlpjs/nlp' {
  import type { NlpjsContainer } from '@nlpjs/core';

  /** One intent and its score (0..1) as nlp.js ranks them. */
  export interface NlpjsClassification {
    intent: string;
    score: number;
  }
  /** What `Nlp.process` resolves to (only the fields read here). */
  export interface NlpjsProcessResult {
    intent: string;
    score: number;
    classifications?: NlpjsClassification[];
  }
  /** Settings read at construction. */
  export interface NlpSettings {
    languages?: string[];
    autoSave?: boolean;
    autoLoad?: boolean;
    calculateSentiment?: boolean;
    forceNER?: boolean;
    threshold?: number;
    log?: boolean;
  }
  /** The nlp.js facade: documents in, a neural intent classifier per language out. */
  export class Nlp {
    constructor(settings: NlpSettings, container: NlpjsContainer);
    settings: NlpSettings;
    addLanguage(locales: string | string[]): void;
    addDocument(locale: string, utterance: string, intent: string): void;
    train(): Promise<unknown>;
    process(locale: string, utterance: string): Promise<NlpjsProcessResult>;
  }
}

declare module '@nlpjs/lang-en' {
  /** English tokenizer, stemmer, stop words and normalizer as a container plugin. */
  export class LangEn {}
}
