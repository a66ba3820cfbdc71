/**
 * A local stand-in for Azure AI Speech's REST text-to-speech endpoint
 * (`POST /cognitiveservices/v1`) on 127.0.0.1:0. Like the real service it checks the
 * subscription key, the content type, the output format and the SSML — parsed strictly as
 * XML, so an unescaped `&` or `<` in the text is a 400 — and answers with streamed raw PCM16
 * of speech-like audio at the requested rate, or fails the way a vendor does. Test-only.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pcmBytes, pieces, speechLikePcm, type FakeTtsMode } from './tts-fake-speech.js';

/** An XML element as the fake's parser reads it. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: Array<XmlElement | string>;
}

/** A request the fake received. */
export interface AzureTtsFakeRequest {
  path: string;
  headers: IncomingMessage['headers'];
  ssml: string;
  /** The parsed SSML when it was well-formed. */
  document: XmlElement | undefined;
  /** Text the voice was asked to speak (entities decoded). */
  text: string;
  status: number;
}

/** A running fake. */
export interface AzureTtsFake {
  /** URL to give the provider as `endpoint`. */
  endpoint: string;
  apiKey: string;
  mode: FakeTtsMode;
  requests: AzureTtsFakeRequest[];
  close(): Promise<void>;
}

const FORMATS: Record<string, number> = {
  'raw-8khz-16bit-mono-pcm': 8000,
  'raw-16khz-16bit-mono-pcm': 16000,
  'raw-24khz-16bit-mono-pcm': 24000,
  'raw-48khz-16bit-mono-pcm': 48000,
};
const SSML_NS = 'http://www.w3.org/2001/10/synthesis';
const ELEMENTS = new Set([
  'speak',
  'voice',
  'prosody',
  'break',
  'say-as',
  'p',
  's',
  'sub',
  'phoneme',
  'lang',
  'emphasis',
  'audio',
  'mstts:express-as',
  'mstts:silence',
]);

/**
 * A strict little XML parser (elements, attributes, text, comments, the XML declaration):
 * throws on anything not well-formed — unquoted or duplicate attributes, a bare `&` or `<`,
 * an unknown entity, mismatched or unclosed tags, text outside the root.
 */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${why} at offset ${i}`);
  };
  const NAME = /[A-Za-z_][\w.:-]*/y;
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  const spaces = (): void => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);|&/g, (whole, entity: string | undefined) => {
      if (entity === undefined) fail('bare &');
      const map: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (map[entity!]) return map[entity!]!;
      if (/^#x[0-9a-fA-F]+$/.test(entity!))
        return String.fromCodePoint(parseInt(entity!.slice(2), 16));
      if (/^#[0-9]+$/.test(entity!)) return String.fromCodePoint(parseInt(entity!.slice(1), 10));
      return fail(`unknown entity ${whole}`);
    });
  const skipMisc = (): void => {
    for (;;) {
      spaces();
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end < 0) fail('unclosed comment');
        i = end + 3;
      } else if (source.startsWith('<?', i)) {
        const end = source.indexOf('?>', i + 2);
        if (end < 0) fail('unclosed declaration');
        i = end + 2;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('expected <');
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [] };
    for (;;) {
      const before = i;
      spaces();
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail('expected a space before an attribute');
      const attr = name();
      spaces();
      if (source[i] !== '=') fail(`attribute ${attr} without a value`);
      i++;
      spaces();
      const quote = source[i];
      if (quote !== '"' && quote !== "'") fail(`attribute ${attr} value not quoted`);
      const end = source.indexOf(quote!, i + 1);
      if (end < 0) fail('unclosed attribute value');
      const raw = source.slice(i + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (attr in el.attributes) fail(`duplicate attribute ${attr}`);
      el.attributes[attr] = decode(raw);
      i = end + 1;
    }
    for (;;) {
      if (i >= source.length) fail(`unclosed <${el.name}>`);
      if (source.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        spaces();
        if (source[i] !== '>') fail('expected >');
        i++;
        return el;
      }
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end < 0) fail('unclosed comment');
        i = end + 3;
        continue;
      }
      if (source[i] === '<') {
        el.children.push(element());
        continue;
      }
      const next = source.indexOf('<', i);
      const raw = source.slice(i, next < 0 ? source.length : next);
      if (raw.includes('>') && raw.includes(']]>')) fail(']]> in text');
      el.children.push(decode(raw));
      i += raw.length;
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i !== source.length) fail('content after the root element');
  return root;
}

function textOf(el: XmlElement): string {
  return el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (typeof c === 'string') continue;
    if (c.name === name) out.push(c);
    out.push(...findAll(c, name));
  }
  return out;
}

/** Why the SSML would be refused, or undefined. */
function ssmlProblem(doc: XmlElement): string | undefined {
  if (doc.name !== 'speak') return 'root element must be <speak>';
  if (doc.attributes.version !== '1.0') return "<speak> needs version='1.0'";
  if (doc.attributes.xmlns !== SSML_NS) return `<speak> needs xmlns='${SSML_NS}'`;
  if (!doc.attributes['xml:lang']) return '<speak> needs xml:lang';
  const check = (el: XmlElement): string | undefined => {
    if (!ELEMENTS.has(el.name)) return `unsupported element <${el.name}>`;
    for (const c of el.children) {
      if (typeof c !== 'string') {
        const problem = check(c);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  const problem = check(doc);
  if (problem) return problem;
  const voices = findAll(doc, 'voice');
  if (voices.length === 0) return 'no <voice> element';
  if (voices.some((v) => !v.attributes.name)) return '<voice> without a name';
  for (const p of findAll(doc, 'prosody')) {
    const rate = p.attributes.rate;
    if (
      rate !== undefined &&
      !/^[+-]?\d+(\.\d+)?%$|^(x-slow|slow|medium|fast|x-fast)$/.test(rate)
    ) {
      return `bad prosody rate ${rate}`;
    }
    const pitch = p.attributes.pitch;
    if (pitch !== undefined && !/^[+-]\d+(\.\d+)?(st|Hz|%)$/.test(pitch)) {
      return `bad prosody pitch ${pitch}`;
    }
  }
  return undefined;
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startAzureTtsFake(
  options: { apiKey?: string; mode?: FakeTtsMode } = {},
): Promise<AzureTtsFake> {
  const fake: AzureTtsFake = {
    endpoint: '',
    apiKey: options.apiKey ?? 'azure-test-key',
    mode: options.mode ?? 'ok',
    requests: [],
    close: async () => undefined,
  };

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const ssml = Buffer.concat(parts).toString('utf8');
      const record: AzureTtsFakeRequest = {
        path: req.url ?? '',
        headers: req.headers,
        ssml,
        document: undefined,
        text: '',
        status: 0,
      };
      fake.requests.push(record);
      const refuse = (status: number, message = ''): void => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(message);
      };
      if (req.url !== '/cognitiveservices/v1') return refuse(404);
      if (req.method !== 'POST') return refuse(405);
      if (
        fake.mode === 'unauthorized' ||
        req.headers['ocp-apim-subscription-key'] !== fake.apiKey
      ) {
        return refuse(401, 'Access denied due to invalid subscription key or wrong API endpoint.');
      }
      if (!/^application\/ssml\+xml/.test(req.headers['content-type'] ?? '')) {
        return refuse(400, 'Content-Type must be application/ssml+xml');
      }
      if (!req.headers['user-agent']) return refuse(400, 'User-Agent is required');
      const rate = FORMATS[String(req.headers['x-microsoft-outputformat'])];
      if (!rate) return refuse(400, 'unsupported X-Microsoft-OutputFormat');
      try {
        record.document = parseXml(ssml);
      } catch (error) {
        return refuse(400, `SSML is not well-formed: ${(error as Error).message}`);
      }
      const problem = ssmlProblem(record.document);
      if (problem) return refuse(400, problem);
      record.text = findAll(record.document, 'voice').map(textOf).join(' ').trim();
      if (!record.text) return refuse(400, 'nothing to speak');

      record.status = 200;
      if (fake.mode === 'malformed') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Service Unavailable</body></html>');
        return;
      }
      const chunks = pieces(pcmBytes(speechLikePcm(record.text, rate)), (rate / 10) * 2);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      if (fake.mode === 'abrupt-close') {
        res.write(chunks[0]);
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (fake.mode === 'stall') {
        res.write(chunks[0]);
        return;
      }
      void (async () => {
        for (const chunk of chunks) {
          if (res.destroyed) return;
          if (!res.write(chunk)) await new Promise((r) => res.once('drain', r));
          await new Promise((r) => setImmediate(r));
        }
        if (!res.destroyed) res.end();
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.endpoint = `http://127.0.0.1:${port}/cognitiveservices/v1`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
