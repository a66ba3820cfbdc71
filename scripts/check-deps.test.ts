import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkTree, importsOf } from './check-deps-lib.js';

const src = resolve('/project/src');

describe('dependency-direction check', () => {
  it('finds static, type-only, re-export and dynamic imports but not comments', () => {
    const text = `import a from './a.js';\nimport type { B } from '../b/index.js';\nexport * from "./c.js";\nconst d = await import('./d.js');\n// import x from './commented.js'\n`;
    expect(importsOf(text)).toEqual(['./a.js', '../b/index.js', './c.js', './d.js']);
  });

  it('rejects src/sip importing another room', () => {
    const v = checkFile(
      src,
      `${src}/sip/ua/user-agent.ts`,
      `import { x } from '../../media/index.js';`,
    );
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toMatch(/sip\/ may not import media\//);
  });

  it('rejects npm packages in src/sip beyond the allowed ones', () => {
    expect(checkFile(src, `${src}/sip/a.ts`, `import pino from 'pino';`)).toHaveLength(1);
    expect(checkFile(src, `${src}/sip/a.ts`, `import ws from 'ws'; import 'node:dgram';`)).toEqual(
      [],
    );
  });

  it('requires the public index of another room', () => {
    const bad = checkFile(
      src,
      `${src}/calls/x.ts`,
      `import { p } from '../sip/message/parser.js';`,
    );
    expect(bad[0]!.message).toMatch(/public index/);
    expect(checkFile(src, `${src}/calls/x.ts`, `import { p } from '../sip/index.js';`)).toEqual([]);
  });

  it("lets tests (only) use another room's test kit through testing/index.js", () => {
    const kit = `import { k } from '../../voice/testing/index.js';`;
    expect(checkFile(src, `${src}/dialog/voice/x.test.ts`, kit)).toEqual([]);
    expect(checkFile(src, `${src}/dialog/voice/x.ts`, kit)[0]!.message).toMatch(/public index/);
    const inner = `import { k } from '../../voice/testing/scripted-providers.js';`;
    expect(checkFile(src, `${src}/dialog/voice/x.test.ts`, inner)[0]!.message).toMatch(
      /public index/,
    );
  });

  it('lets the composition root import anything', () => {
    expect(checkFile(src, `${src}/app.ts`, `import { p } from './sip/ua/user-agent.js';`)).toEqual(
      [],
    );
  });

  it('passes on the real tree', () => {
    expect(checkTree('src')).toEqual([]);
  });
});
