import { middle, pairedMedianDifference, readAbSettings, roundOrder, routeOf } from '../../bench/harness/paired.js';

describe('npm run bench:ab settings', () => {
  it('measures userinfo and introspection, 8 rounds of 20,000 requests with 8 in flight, and no variant unless asked', () => {
    expect(readAbSettings([])).toEqual({ operations: ['userinfo', 'introspection'], requests: 20_000, signIns: 200, rounds: 8, concurrency: 8, byRoute: false, allocation: false });
    expect(readAbSettings(['--help'])).toBe('help');
  });

  it('measures sign-ins only when asked, 200 a round unless --sign-ins says otherwise', () => {
    expect(readAbSettings(['--operations', 'sign-in'])).toMatchObject({ operations: ['sign-in'], signIns: 200 });
    expect(readAbSettings(['--operations', 'userinfo,sign-in', '--sign-ins', '40'])).toMatchObject({ operations: ['userinfo', 'sign-in'], signIns: 40 });
  });

  it('reads allocation instead of CPU when asked, for every operation', () => {
    expect(readAbSettings(['--allocation'])).toMatchObject({ operations: ['userinfo', 'introspection'], allocation: true });
    expect(readAbSettings(['--operations', 'sign-in', '--allocation'])).toMatchObject({ operations: ['sign-in'], allocation: true, concurrency: 8 });
  });

  it('measures sign-ins by route one at a time', () => {
    expect(readAbSettings(['--operations', 'sign-in', '--by-route'])).toMatchObject({ operations: ['sign-in'], concurrency: 1, byRoute: true });
    expect(readAbSettings(['--operations', 'sign-in', '--by-route', '--concurrency', '1'])).toMatchObject({ concurrency: 1, byRoute: true });
  });

  it('takes a variant inside the checkout and the operations named, each once', () => {
    expect(readAbSettings(['--variant', '.ab/before', '--operations', 'introspection,introspection', '--rounds', '3'])).toMatchObject({
      variant: '.ab/before',
      operations: ['introspection'],
      rounds: 3,
    });
  });

  it.each([
    [['--variant', '/tmp/build'], /--variant is a directory inside this checkout/],
    [['--variant', '../other/dist'], /--variant is a directory inside this checkout/],
    [['--variant', 'a/../../b'], /--variant is a directory inside this checkout/],
    [['--variant', ' '], /--variant is a directory inside this checkout/],
    [['--operations', 'token'], /--operations takes userinfo, introspection, sign-in/],
    [['--operations', ','], /--operations takes userinfo, introspection, sign-in/],
    [['--sign-ins', '0'], /--sign-ins must be a positive whole number/],
    [['--requests', '0'], /--requests must be a positive whole number/],
    [['--rounds', '2.5'], /--rounds must be a positive whole number/],
    [['--concurrency', 'many'], /--concurrency must be a positive whole number/],
    [['--seconds', '5'], /Unknown option/],
    [['--by-route'], /--by-route measures sign-ins/],
    [['--operations', 'sign-in', '--by-route', '--allocation'], /--by-route reads CPU/],
    [['--operations', 'sign-in', '--by-route', '--concurrency', '8'], /--by-route runs one sign-in at a time/],
  ])('refuses %j', (argv, message) => {
    expect(() => readAbSettings(argv)).toThrow(message);
  });
});

describe('npm run bench:ab figures', () => {
  it('names a sign-in request by its route, ids and query left out', () => {
    expect(routeOf('GET', '/auth?client_id=a&state=b')).toBe('GET /auth');
    expect(routeOf('GET', '/auth/Xy3_abc')).toBe('GET /auth/:uid');
    expect(routeOf('POST', '/interaction/Xy3_abc/login')).toBe('POST /interaction/:uid/login');
    expect(routeOf('GET', '/interaction/Xy3_abc')).toBe('GET /interaction/:uid');
    expect(routeOf('POST', '/token')).toBe('POST /token');
  });

  it('alternates which server goes first, round by round', () => {
    expect(roundOrder(['baseline', 'dist', 'variant'], 1)).toEqual(['baseline', 'dist', 'variant']);
    expect(roundOrder(['baseline', 'dist', 'variant'], 2)).toEqual(['variant', 'dist', 'baseline']);
  });

  it('reads a change as the middle of its round-by-round differences, so drift both rounds shared cancels', () => {
    // The machine slowed down in rounds 3 and 4; the change saved 5 µs in every round.
    const before = [100, 102, 130, 131];
    const after = [95, 97, 125, 126];
    expect(pairedMedianDifference(after, before)).toBe(-5);
    expect(middle(after) - middle(before)).toBe(-5);
    expect(pairedMedianDifference([1, 9, 2], [0, 0, 0])).toBe(2);
  });

  it('takes the mean of the two middle values of an even count, and refuses unpaired figures', () => {
    expect(middle([4, 1, 3, 2])).toBe(2.5);
    expect(middle([])).toBeNaN();
    expect(() => pairedMedianDifference([1, 2], [1])).toThrow(/as many rounds/);
    expect(() => pairedMedianDifference([], [])).toThrow(/at least one/);
  });
});
