import { formatLabelSelector, LabelSelectorError, labelSelectorFromObject, matchesLabelSelector, parseLabelSelector } from './label-selector';

describe('label selectors', () => {
  const labels = { env: 'prod', region: 'eu-west', tier: 'web', cores: '8' };

  it.each([
    ['', true],
    ['env=prod', true],
    ['env==prod', true],
    ['env!=prod', false],
    ['env=staging', false],
    ['region in (eu-west,us-east)', true],
    ['region notin (eu-west)', false],
    ['canary', false],
    ['!canary', true],
    ['tier', true],
    ['env=prod, tier!=db', true],
    ['env=prod,!tier', false],
    ['cores>4', true],
    ['cores<4', false],
    ['missing!=x', true],
  ])('selector %j matching %j', (selector, expected) => {
    expect(matchesLabelSelector(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('matches an empty value only when the label is present and empty', () => {
    const selector = parseLabelSelector('flag=');
    expect(matchesLabelSelector(selector, { flag: '' })).toBe(true);
    expect(matchesLabelSelector(selector, {})).toBe(false);
  });

  it.each([
    ['env=', null],
    ['env in (a,b', "expected ',' or ')'"],
    ['env in a', "expected '('"],
    ['=prod', 'expected a label key'],
    ['env=prod,', 'expected a requirement after ","'],
    ['Env_=x', 'name part must consist of alphanumeric'],
    ['env=has space', "expected ','"],
    ['env=-bad', 'value "-bad"'],
    ['cores>four', 'expected an integer'],
  ])('rejects %j naming the problem', (selector, reason) => {
    if (reason === null) {
      expect(() => parseLabelSelector(selector)).not.toThrow();
      return;
    }
    expect(() => parseLabelSelector(selector)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(selector)).toThrow(reason);
  });

  it('converts matchLabels and matchExpressions', () => {
    const selector = labelSelectorFromObject({
      matchLabels: { env: 'prod' },
      matchExpressions: [
        { key: 'region', operator: 'In', values: ['eu-west'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    });
    expect(matchesLabelSelector(selector, labels)).toBe(true);
    expect(matchesLabelSelector(selector, { ...labels, canary: 'true' })).toBe(false);
  });

  it('refuses an unknown operator in matchExpressions', () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals', values: ['b'] }] })).toThrow(
      'matchExpressions[0].operator: "Equals" is not In, NotIn, Exists or DoesNotExist',
    );
  });

  it('prints the canonical form it parses back to the same selector', () => {
    const text = 'env=prod,region in (us,eu),!canary,tier,cores>2';
    const formatted = formatLabelSelector(parseLabelSelector(text));
    expect(formatted).toBe('env=prod,region in (eu,us),!canary,tier,cores>2');
    expect(parseLabelSelector(formatted)).toEqual(parseLabelSelector('env=prod,region in (eu,us),!canary,tier,cores>2'));
  });
});
