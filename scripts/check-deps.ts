/** CLI: `npm run check:deps` — fails when src/ breaks the dependency direction. */
import { relative } from 'node:path';
import { checkTree } from './check-deps-lib.js';

const violations = checkTree('src');
if (violations.length === 0) {
  console.log('dependency direction: ok');
} else {
  for (const v of violations) {
    console.error(
      `${relative('.', v.file)}: ${v.specifier ? `'${v.specifier}': ` : ''}${v.message}`,
    );
  }
  console.error(`dependency direction: ${violations.length} violation(s)`);
  process.exit(1);
}
