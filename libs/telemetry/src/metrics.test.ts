import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { countFrom, gaugeFrom, heaviest } from './metrics';

describe('heaviest', () => {
  it('keeps the heaviest items and hands back the rest', () => {
    const items = [
      { name: 'a', load: 1 },
      { name: 'b', load: 9 },
      { name: 'c', load: 5 },
      { name: 'd', load: 0 },
    ];
    const { top, rest } = heaviest(items, 2, (item) => item.load);
    expect(top.map((item) => item.name)).toEqual(['b', 'c']);
    expect(rest.map((item) => item.name).sort()).toEqual(['a', 'd']);
    expect(heaviest(items, 4, (item) => item.load)).toEqual({ top: items, rest: [] });
  });
});

describe('metrics read at scrape time', () => {
  it('reports the current counts, and only the label sets read this time', async () => {
    const registry = new Registry();
    const stats = { consumed: 3 };
    let endpoints: Record<string, number> = { 'https://a.example': 2, 'https://b.example': 1 };
    countFrom(registry, 'test_consumed_total', 'Consumed.', [], () => stats.consumed);
    gaugeFrom(registry, 'test_in_flight', 'In flight.', ['endpoint'], () =>
      Object.entries(endpoints).map(([endpoint, value]) => ({ labels: { endpoint }, value })),
    );
    expect(await registry.metrics()).toContain('test_consumed_total 3');
    stats.consumed = 7;
    endpoints = { 'https://b.example': 4 };
    const text = await registry.metrics();
    expect(text).toContain('# TYPE test_consumed_total counter');
    expect(text).toContain('test_consumed_total 7');
    expect(text).toContain('test_in_flight{endpoint="https://b.example"} 4');
    expect(text).not.toContain('https://a.example');
  });
});
