import { describe, expect, it } from 'vitest';
import { fields, table } from './table';

describe('table', () => {
  it('aligns columns, marks empty cells and keeps every row on one line', () => {
    expect(
      table(
        ['ID', 'STATE', 'RESPONSE'],
        [
          ['cb_1', 'ACTIVE', 'line one\nline two'],
          ['cb_long', '', 'ok'],
        ],
      ),
    ).toBe(['ID       STATE   RESPONSE', 'cb_1     ACTIVE  line one\\nline two', 'cb_long  -       ok'].join('\n'));
  });

  it('prints label/value pairs with the values aligned', () => {
    expect(
      fields([
        ['id', 'cb_1'],
        ['description', ''],
      ]),
    ).toBe('id           cb_1\ndescription  -');
  });
});
