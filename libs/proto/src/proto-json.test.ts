import { describe, expect, it } from 'vitest';
import { InvalidJsonError, messageDesc, readJson, writeJson } from './proto-json';

const request = messageDesc('callbacks.v1.CreateCallbackRequest');

function problem(json: unknown): { field: string; message: string } {
  try {
    readJson(request, json);
  } catch (error) {
    if (error instanceof InvalidJsonError) return { field: error.field, message: error.description };
    throw error;
  }
  throw new Error('read without complaint');
}

describe('readJson', () => {
  it('reads proto3 JSON by JSON and by .proto names, and writes it back whole', () => {
    const message = readJson(request, {
      callback: { accountId: '42', database_id: '7', url: 'https://example.com/h', actions: ['ACTION_UPDATE'] },
    });
    const json = writeJson(request, message) as { callback: Record<string, unknown> };
    expect(json.callback).toMatchObject({
      accountId: '42',
      databaseId: '7',
      actions: ['ACTION_UPDATE'],
      revision: '0',
      labels: {},
    });
  });

  it.each([
    [{ callback: { nope: 1 } }, 'callback.nope', /is not a field of callbacks.v1.Callback/],
    [{ callback: { url: 5 } }, 'callback.url', /expected a string/],
    [
      { callback: { actions: ['ACTION_UPDATE', 'SOMETIMES'] } },
      'callback.actions[1]',
      /expected a callbacks.events.v1.Action name/,
    ],
    [{ callback: { actions: 'ACTION_UPDATE' } }, 'callback.actions', /JSON array/],
    [{ callback: { labels: { a: 1 } } }, 'callback.labels.a', /expected a string/],
    [
      { callback: { condition: { rules: [{}, { conditions: [{ field: { comparison: 'LIKE' } }] }] } } },
      'callback.condition.rules[1].conditions[0].field.comparison',
      /name/,
    ],
    [
      { callback: { deliveryPolicy: { timeout: 'soon' } } },
      'callback.delivery_policy.timeout',
      /google.protobuf.Duration/,
    ],
    [{ callback: { url: 'https://example.com/\ud800' } }, 'callback.url', /lone surrogate/],
    [{ callback: 'x' }, 'callback', /expected a callbacks.v1.Callback/],
    [[], '', /JSON object/],
  ])('refuses %j at %s', (json, field, message) => {
    const found = problem(json);
    expect(found.field).toBe(field);
    expect(found.message).toMatch(message);
  });
});
