import { describe, expect, it } from 'vitest';
import { httpRoutes, serviceDesc } from './routes';

const routes = httpRoutes(serviceDesc('callbacks.v1.CallbackService'));
const find = (verb: string, path: string) =>
  routes
    .filter((r) => r.verb === verb)
    .map((r) => ({ name: r.method.name, variables: r.match(path) }))
    .find((r) => r.variables !== undefined);

describe('httpRoutes', () => {
  it('reads every binding of every method from the google.api.http options', () => {
    expect(routes.map((r) => `${r.verb} ${r.template} ${r.method.name} body=${r.body}`).sort()).toEqual([
      'DELETE /v1/callbacks/{id} DeleteCallback body=',
      'GET /v1/callbacks ListCallbacks body=',
      'GET /v1/callbacks/{callback_id}/deliveries ListDeliveries body=',
      'GET /v1/callbacks/{callback_id}/stats GetDeliveryStats body=',
      'GET /v1/callbacks/{id} GetCallback body=',
      'GET /v1/deliveries ListDeliveries body=',
      'GET /v1/deliveries/{id} GetDelivery body=',
      'GET /v1/deliveries:stats GetDeliveryStats body=',
      'PATCH /v1/callbacks/{callback.id} UpdateCallback body=callback',
      'POST /v1/callbacks CreateCallback body=callback',
      'POST /v1/callbacks/{callback_id}:test TestCallback body=*',
      'POST /v1/callbacks/{id}:revealSecret RevealCallbackSecret body=*',
      'POST /v1/callbacks/{id}:rotateSecret RotateCallbackSecret body=*',
      'POST /v1/callbacks:test TestCallback body=*',
      'POST /v1/deliveries:replay ReplayDeliveries body=*',
    ]);
  });

  it('matches paths, their variables and their custom verbs', () => {
    expect(find('GET', '/v1/callbacks/cb_1')).toEqual({ name: 'GetCallback', variables: new Map([['id', 'cb_1']]) });
    expect(find('PATCH', '/v1/callbacks/cb_1')).toEqual({
      name: 'UpdateCallback',
      variables: new Map([['callback.id', 'cb_1']]),
    });
    expect(find('POST', '/v1/callbacks/cb_1:test')).toEqual({
      name: 'TestCallback',
      variables: new Map([['callback_id', 'cb_1']]),
    });
    expect(find('POST', '/v1/callbacks:test')).toEqual({ name: 'TestCallback', variables: new Map() });
    expect(find('POST', '/v1/deliveries:replay')?.name).toBe('ReplayDeliveries');
    expect(find('GET', '/v1/callbacks/cb_1/deliveries')).toEqual({
      name: 'ListDeliveries',
      variables: new Map([['callback_id', 'cb_1']]),
    });
  });

  it('matches nothing for other verbs, empty segments, extra segments or a trailing slash', () => {
    for (const [verb, path] of [
      ['POST', '/v1/callbacks/cb_1:explode'],
      ['GET', '/v1/callbacks/cb_1:test'],
      ['POST', '/v1/callbacks/:test'],
      ['GET', '/v1/callbacks/'],
      ['GET', '/v1/callbacks/cb_1/extra'],
      ['GET', '/v2/callbacks'],
      ['GET', 'v1/callbacks'],
    ] as const) {
      expect(find(verb, path), `${verb} ${path}`).toBeUndefined();
    }
  });
});
