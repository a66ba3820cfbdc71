/** Knowledge search for agents: documents cut into passages, BM25 over English and Chinese. */
export {
  KnowledgeBase,
  splitPassages,
  type KnowledgeDocument,
  type KnowledgePassage,
} from './knowledge-base.js';
export { tokenize, CJK_DICTIONARY_SEGMENTATION } from './tokenize.js';
