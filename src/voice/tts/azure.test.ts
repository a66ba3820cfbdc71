import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioFrame } from '../../media/index.js';
import { ProviderConfigError, ProviderError } from '../providers/types.js';
import { parseXml, startAzureTtsFake, type AzureTtsFake } from '../testing/fakes/azure-tts-fake.js';
import { describeTtsContract } from '../testing/tts-contract.js';
import { AzureTts } from './azure.js';

let fake: AzureTtsFake;
let failing: AzureTtsFake;

beforeAll(async () => {
  fake = await startAzureTtsFake();
  failing = await startAzureTtsFake({ mode: 'stall' });
});
afterAll(async () => {
  await fake.close();
  await failing.close();
});

async function collect(frames: AsyncIterable<AudioFrame>): Promise<AudioFrame[]> {
  const out: AudioFrame[] = [];
  for await (const f of frames) out.push(f);
  return out;
}

const tts = (): AzureTts => new AzureTts({ apiKey: fake.apiKey, endpoint: fake.endpoint });

describeTtsContract('azure (fake server)', {
  provider: tts,
  failing: () =>
    new AzureTts({ apiKey: failing.apiKey, endpoint: failing.endpoint, timeoutMs: 300 }),
  options: { language: 'en-US' },
});

describe('AzureTts', () => {
  it('sends the documented request: key header, SSML content type, raw PCM format', async () => {
    const before = fake.requests.length;
    await collect(tts().synthesize('Hello.', { sampleRateHz: 8000 }));
    const request = fake.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.path).toBe('/cognitiveservices/v1');
    expect(request.headers['ocp-apim-subscription-key']).toBe(fake.apiKey);
    expect(request.headers['content-type']).toBe('application/ssml+xml');
    expect(request.headers['x-microsoft-outputformat']).toBe('raw-16khz-16bit-mono-pcm');
    expect(request.document?.attributes).toMatchObject({
      version: '1.0',
      xmlns: 'http://www.w3.org/2001/10/synthesis',
      'xml:lang': 'en-US',
    });
  });

  it('escapes the text so the SSML stays well-formed', async () => {
    const before = fake.requests.length;
    const text = `Tom & Jerry's <b>"quotes"</b> cost < 5 > 3 dollars.`;
    const frames = await collect(tts().synthesize(text, { sampleRateHz: 16000 }));
    const request = fake.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.text).toBe(text);
    expect(request.ssml).toContain('Tom &amp; Jerry&apos;s &lt;b&gt;&quot;quotes&quot;');
    expect(frames.length).toBeGreaterThan(10);
  });

  it('puts voice, language, rate and pitch into the SSML', async () => {
    const before = fake.requests.length;
    await collect(
      tts().synthesize('你好。', {
        sampleRateHz: 16000,
        language: 'zh-CN',
        rate: 1.2,
        pitch: -2,
      }),
    );
    const ssml = fake.requests[before]!.ssml;
    expect(ssml).toContain("xml:lang='zh-CN'");
    expect(ssml).toContain("<voice name='zh-CN-XiaoxiaoNeural'>");
    expect(ssml).toContain("<prosody rate='+20%' pitch='-2st'>你好。</prosody>");
  });

  it('passes caller SSML through inside its own speak element', async () => {
    const before = fake.requests.length;
    await collect(
      tts().synthesize(
        `<speak>Please hold.<break time="500ms"/>Your number is <say-as interpret-as="digits">42</say-as>.</speak>`,
        { sampleRateHz: 16000, ssml: true, voice: 'en-US-GuyNeural' },
      ),
    );
    const request = fake.requests[before]!;
    expect(request.status).toBe(200);
    expect(request.ssml).toContain('<break time="500ms"/>');
    expect(request.ssml).toContain("<voice name='en-US-GuyNeural'>");
    expect(request.text).toBe('Please hold.Your number is 42.');
  });

  it('builds SSML that a strict XML parser accepts, whatever the text', () => {
    const azure = tts();
    for (const text of ['a & b', '<script>', `"'`, 'x]]>y', '&amp;', '\u4e2d & <']) {
      const doc = parseXml(azure.ssmlFor(text, false, { sampleRateHz: 8000 }));
      expect(doc.name).toBe('speak');
    }
  });

  it('reports a wrong key as a ProviderError with status 401', async () => {
    const azure = new AzureTts({ apiKey: 'wrong', endpoint: fake.endpoint });
    const error = await collect(azure.synthesize('Hi.', { sampleRateHz: 8000 })).catch((e) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.status).toBe(401);
  });

  it.each(['unauthorized', 'malformed', 'abrupt-close'] as const)(
    'reports a %s answer as a ProviderError',
    async (mode) => {
      const broken = await startAzureTtsFake({ mode });
      try {
        const azure = new AzureTts({
          apiKey: broken.apiKey,
          endpoint: broken.endpoint,
          timeoutMs: 300,
        });
        await expect(
          collect(azure.synthesize('Hello there, how are you?', { sampleRateHz: 8000 })),
        ).rejects.toBeInstanceOf(ProviderError);
      } finally {
        await broken.close();
      }
    },
  );

  it('needs a key and a region (or endpoint), naming the missing setting', () => {
    expect(() => new AzureTts({ region: 'westeurope' } as never)).toThrow(ProviderConfigError);
    expect(() => new AzureTts({ region: 'westeurope' } as never)).toThrow(/apiKey/);
    expect(() => new AzureTts({ apiKey: 'k' })).toThrow(/region/);
    expect(() => new AzureTts({ apiKey: 'k', region: 'West Europe' })).toThrow(/region/);
    expect(() => new AzureTts({ apiKey: 'k', region: 'x', vendorSampleRateHz: 22050 })).toThrow(
      /vendorSampleRateHz/,
    );
    expect(() => new AzureTts({ apiKey: 'k', endpoint: 'ftp://x' })).toThrow(/endpoint/);
    expect(new AzureTts({ apiKey: 'k', region: 'westeurope' }).capabilities.ssml).toBe(true);
  });
});

// The real service, only when a key and region are configured.
const realKey = process.env['AZURE_SPEECH_KEY'];
const realRegion = process.env['AZURE_SPEECH_REGION'];
describe.runIf(realKey && realRegion)('real Azure Speech', () => {
  describeTtsContract('azure (real service)', {
    provider: () => new AzureTts({ apiKey: realKey!, region: realRegion }),
    failing: () => new AzureTts({ apiKey: 'not-a-valid-key', region: realRegion }),
  });
});
