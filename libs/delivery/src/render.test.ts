import { XMLParser } from 'fast-xml-parser';
import qs from 'qs';
import { describe, expect, it } from 'vitest';
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { Format } from '@callbacks/proto/callbacks/v1/callback';
import { buildPayload } from './payload';
import { renderBody } from './render';

const update: ProfileEvent = {
  eventId: 'evt-1',
  accountId: '42',
  databaseId: '7',
  collectionId: '',
  profileId: '1001',
  subprofileId: '',
  action: Action.UPDATE,
  origin: Origin.PUBLISHER,
  occurredAt: new Date('2026-11-29T10:11:12.345Z'),
  fields: {
    name: 'piet',
    city: 'Amsterdam',
    note: 'a < b & "c" \'d\' > e',
    emoji: 'ümlaut ✓ 🎉',
    ctrl: 'bell\u0007end',
  },
  previousFields: { city: 'Utrecht', name: 'piet' },
  interests: [
    { name: 'sport', group: '' },
    { name: 'jazz', group: 'music' },
  ],
  previousInterests: [],
  createdAt: new Date('2020-01-02T03:04:05Z'),
  modifiedAt: new Date('2026-11-29T10:11:12Z'),
};

/** The payload as every format can carry it: strings all the way down. */
function asStrings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asStrings);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asStrings(v)]));
  return String(value);
}

describe('buildPayload', () => {
  it('carries the SPEC §7.1 items, with the changed fields in parameters and previous', () => {
    const payload = buildPayload('dl_1', update);
    expect(payload).toMatchObject({
      id: 'dl_1',
      type: 'update',
      origin: 'publisher',
      timestamp: '2026-11-29 10:11:12',
      time: 1795947072,
      database: '7',
      profile: '1001',
      created: '2020-01-02 03:04:05',
      modified: '2026-11-29 10:11:12',
      interests: ['sport', 'music:jazz'],
      parameters: { city: 'Amsterdam' },
      previous: { city: 'Utrecht' },
    });
    expect(payload).not.toHaveProperty('collection');
  });

  it('names the collection and subprofile for subprofile events, without interests', () => {
    const payload = buildPayload('dl_2', {
      ...update,
      collectionId: 'c1',
      subprofileId: 's9',
      interests: [],
      action: Action.CREATE,
      previousFields: {},
    });
    expect(payload).toMatchObject({
      type: 'create',
      collection: 'c1',
      subprofile: 's9',
      parameters: update.fields,
      previous: {},
    });
    expect(payload).not.toHaveProperty('interests');
  });
});

describe('renderBody', () => {
  const payload = buildPayload('dl_1', update);

  it('JSON parses back to the payload', () => {
    const { contentType, body } = renderBody(Format.JSON, payload);
    expect(contentType).toBe('application/json');
    expect(JSON.parse(body.toString('utf8'))).toEqual(payload);
  });

  it('XML parses back to the same data, escaped correctly', () => {
    const { contentType, body } = renderBody(Format.XML, payload);
    expect(contentType).toMatch(/^application\/xml/);
    const text = body.toString('utf8');
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?><callback>')).toBe(true);
    const parsed = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'interest' }).parse(text) as {
      callback: Record<string, unknown> & { interests: { interest: string[] } };
    };
    const { interests, ...rest } = parsed.callback;
    expect({ ...rest, interests: interests.interest }).toEqual(
      asStrings({ ...payload, fields: { ...payload.fields, ctrl: 'bell\uFFFDend' } }),
    );
  });

  it('FORM uses PHP-style keys and parses back (qs, as PHP does) to the same data', () => {
    const { contentType, body } = renderBody(Format.FORM, payload);
    expect(contentType).toBe('application/x-www-form-urlencoded');
    const text = body.toString('utf8');
    expect(text).toContain('type=update&');
    expect(text).toContain('fields[name]=piet');
    expect(text).toContain('interests[]=sport');
    expect(qs.parse(text, { depth: 1 })).toEqual(asStrings(payload));
  });

  it('leaves empty maps out of FORM bodies (PHP cannot express an empty array there)', () => {
    const created = buildPayload('dl_3', { ...update, action: Action.DELETE, previousFields: {} });
    const text = renderBody(Format.FORM, created).body.toString('utf8');
    expect(text).not.toContain('previous');
    expect(text).not.toContain('parameters');
  });
});

describe('the per-profile sequence of an ordered delivery', () => {
  it('is in every format, right after the id', () => {
    const payload = buildPayload('dl_1', update, 42);
    expect(Object.keys(payload).slice(0, 2)).toEqual(['id', 'sequence']);
    expect(JSON.parse(renderBody(Format.JSON, payload).body.toString('utf8')).sequence).toBe(42);
    expect(renderBody(Format.XML, payload).body.toString('utf8')).toContain('<id>dl_1</id><sequence>42</sequence>');
    expect(qs.parse(renderBody(Format.FORM, payload).body.toString('utf8')).sequence).toBe('42');
  });

  it('leaves an unordered payload byte for byte as it was', () => {
    for (const format of [Format.JSON, Format.XML, Format.FORM]) {
      const before = renderBody(format, buildPayload('dl_1', update)).body;
      expect(renderBody(format, buildPayload('dl_1', update, 0)).body.equals(before)).toBe(true);
      expect(before.toString('utf8')).not.toContain('sequence');
    }
  });
});
