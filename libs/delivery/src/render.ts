import { Format } from '@callbacks/proto/callbacks/v1/callback';
import type { Payload } from './payload';

export interface RenderedBody {
  contentType: string;
  body: Buffer;
}

/** The body of a delivery in the callback's format; every format carries the same data. */
export function renderBody(format: Format, payload: Payload): RenderedBody {
  switch (format) {
    case Format.XML:
      return { contentType: 'application/xml; charset=utf-8', body: Buffer.from(renderXml(payload), 'utf8') };
    case Format.FORM:
      return { contentType: 'application/x-www-form-urlencoded', body: Buffer.from(renderForm(payload), 'utf8') };
    default:
      return { contentType: 'application/json', body: Buffer.from(JSON.stringify(payload), 'utf8') };
  }
}

// XML 1.0 cannot carry these code points at all, escaped or not; they become U+FFFD.
const NOT_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function xmlText(value: string | number): string {
  return String(value)
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * `<callback>` with one element per item; `fields`, `parameters` and `previous` hold one element
 * per field, named after it (field names are valid XML names by SPEC §2), and `interests`
 * repeated `<interest>` elements.
 */
export function renderXml(payload: Payload): string {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', '<callback>'];
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      parts.push(`<${key}>`, ...value.map((v) => `<interest>${xmlText(v)}</interest>`), `</${key}>`);
    } else if (typeof value === 'object' && value !== null) {
      parts.push(
        `<${key}>`,
        ...Object.entries(value as Record<string, string>).map(([k, v]) => `<${k}>${xmlText(v)}</${k}>`),
        `</${key}>`,
      );
    } else {
      parts.push(`<${key}>${xmlText(value)}</${key}>`);
    }
  }
  parts.push('</callback>');
  return parts.join('');
}

const formValue = (value: string | number) => encodeURIComponent(String(value));

/**
 * application/x-www-form-urlencoded with PHP-style keys, as the original product sends:
 * `type=update&profile=12&fields[name]=piet&interests[]=sport`. Brackets stay literal (PHP,
 * Rails and qs read both forms); names and values are percent-encoded.
 */
export function renderForm(payload: Payload): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(payload)) {
    if (Array.isArray(value)) {
      for (const v of value) pairs.push(`${key}[]=${formValue(v)}`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value as Record<string, string>))
        pairs.push(`${key}[${encodeURIComponent(k)}]=${formValue(v)}`);
    } else {
      pairs.push(`${key}=${formValue(value)}`);
    }
  }
  return pairs.join('&');
}
