import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRequest, createResponse } from '../message/index.js';
import { CallSessionTimer, readMinSe, readSessionExpires, SessionTimer } from './session-timer.js';

function withHeaders(headers: Array<[string, string]>) {
  return createRequest({ method: 'INVITE', uri: 'sip:a@b', headers });
}

describe('readSessionExpires / readMinSe', () => {
  it('reads interval and refresher, compact form x included', () => {
    expect(readSessionExpires(withHeaders([['Session-Expires', '1800;refresher=UAS']]))).toEqual({
      intervalS: 1800,
      refresher: 'uas',
    });
    expect(readSessionExpires(withHeaders([['x', '90']]))).toEqual({
      intervalS: 90,
      refresher: undefined,
    });
  });

  it.each(['', 'abc', '0', '-5', '1.5;refresher=uac'])('ignores %j', (value) => {
    expect(readSessionExpires(withHeaders([['Session-Expires', value]]))).toBeUndefined();
  });

  it('ignores an unknown refresher value', () => {
    expect(
      readSessionExpires(withHeaders([['Session-Expires', '90;refresher=me']]))?.refresher,
    ).toBe(undefined);
  });

  it('Min-SE defaults to 90', () => {
    expect(readMinSe(withHeaders([]))).toBe(90);
    expect(readMinSe(withHeaders([['Min-SE', '120;x=1']]))).toBe(120);
    expect(readMinSe(withHeaders([['Min-SE', 'x']]))).toBe(90);
  });
});

describe('SessionTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the refresher fires at half the interval', () => {
    const refresh = vi.fn();
    const expire = vi.fn();
    const t = new SessionTimer({ refresh, expire });
    t.start(90, 'local');
    vi.advanceTimersByTime(44_999);
    expect(refresh).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(refresh).toHaveBeenCalledOnce();
    expect(expire).not.toHaveBeenCalled();
    expect(t.running).toBe(false);
  });

  it('the other side expires at interval - min(32, interval/3)', () => {
    const expire = vi.fn();
    const t = new SessionTimer({ refresh: vi.fn(), expire });
    t.start(90, 'remote'); // 90 - 30 = 60 s
    vi.advanceTimersByTime(59_999);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(expire).toHaveBeenCalledOnce();
    t.start(1800, 'remote'); // 1800 - 32 s
    vi.advanceTimersByTime(1_767_999);
    expect(expire).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(1);
    expect(expire).toHaveBeenCalledTimes(2);
  });

  it('restarting resets the interval; stop cancels it', () => {
    const refresh = vi.fn();
    const t = new SessionTimer({ refresh, expire: vi.fn() });
    t.start(100, 'local');
    vi.advanceTimersByTime(40_000);
    t.start(100, 'local');
    vi.advanceTimersByTime(40_000);
    expect(refresh).not.toHaveBeenCalled();
    expect(t.running).toBe(true);
    t.stop();
    vi.advanceTimersByTime(1_000_000);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('scales with the unit (tests shrink the clock)', () => {
    const refresh = vi.fn();
    new SessionTimer({ refresh, expire: vi.fn() }, 10).start(90, 'local');
    vi.advanceTimersByTime(450);
    expect(refresh).toHaveBeenCalledOnce();
  });
});

describe('CallSessionTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function make() {
    const refresh = vi.fn();
    const expire = vi.fn();
    return { refresh, expire, timer: new CallSessionTimer({ refresh, expire }, 1000) };
  }

  it('initial INVITE with refresher=uas: we refresh, and say so', () => {
    const { timer, refresh } = make();
    const invite = withHeaders([['Session-Expires', '120;refresher=uas']]);
    expect(timer.answerInitial(invite, true)).toEqual([
      ['Session-Expires', '120;refresher=uas'],
      ['Require', 'timer'],
    ]);
    vi.advanceTimersByTime(60_000);
    expect(refresh).toHaveBeenCalledOnce();
    expect(timer.requestHeaders()).toEqual([['Session-Expires', '120;refresher=uac']]);
  });

  it('Supported: timer without Session-Expires: default interval, the UAC refreshes', () => {
    const { timer, expire } = make();
    expect(timer.answerInitial(withHeaders([]), true)).toEqual([
      ['Session-Expires', '1800;refresher=uac'],
      ['Require', 'timer'],
    ]);
    vi.advanceTimersByTime(1_768_000);
    expect(expire).toHaveBeenCalledOnce();
  });

  it('no timers when the peer neither asks nor supports them', () => {
    const { timer } = make();
    expect(timer.answerInitial(withHeaders([]), false)).toEqual([]);
    expect(timer.requestHeaders()).toEqual([]);
    expect(timer.answerRefresh(withHeaders([]))).toEqual([]);
  });

  it('Session-Expires without Supported: timer makes us the refresher, no Require', () => {
    const { timer } = make();
    expect(timer.answerInitial(withHeaders([['Session-Expires', '90']]), false)).toEqual([
      ['Session-Expires', '90;refresher=uas'],
    ]);
  });

  it('refresher=uac from a UAC without timer support is overruled: we refresh (RFC 4028 §9)', () => {
    const { timer, refresh, expire } = make();
    const invite = withHeaders([['Session-Expires', '90;refresher=uac']]);
    expect(timer.answerInitial(invite, false)).toEqual([['Session-Expires', '90;refresher=uas']]);
    vi.advanceTimersByTime(45_000);
    expect(refresh).toHaveBeenCalledOnce();
    expect(expire).not.toHaveBeenCalled();
  });

  it('a refresh request without Session-Expires keeps the interval with us refreshing', () => {
    const { timer, refresh } = make();
    timer.answerInitial(withHeaders([['Session-Expires', '90;refresher=uac']]), true);
    expect(timer.answerRefresh(withHeaders([]))).toEqual([['Session-Expires', '90;refresher=uas']]);
    vi.advanceTimersByTime(45_000);
    expect(refresh).toHaveBeenCalledOnce();
  });

  it('a 2xx to our refresh decides who refreshes next', () => {
    const { timer, refresh, expire } = make();
    timer.answerInitial(withHeaders([['Session-Expires', '90;refresher=uas']]), true);
    const req = withHeaders([]);
    timer.answered(
      createResponse(req, 200, { headers: [['Session-Expires', '100;refresher=uas']] }),
      true,
    );
    expect(timer.intervalS).toBe(100);
    vi.advanceTimersByTime(100_000 - 32_000);
    expect(expire).toHaveBeenCalledOnce();
    timer.answered(createResponse(req, 200), true);
    vi.advanceTimersByTime(50_000);
    expect(refresh).toHaveBeenCalledOnce();
    timer.retry();
    vi.advanceTimersByTime(50_000);
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
