/**
 * Evaluations per second of compiled conditions, each next to a hand-written JavaScript closure
 * doing the same check on the same events (the "limit": what evaluation could cost at best).
 * Prints one JSON line per case. Run with `npm run bench:conditions`.
 *
 * The events are prepared once with `toEvaluationInput`, as the matcher does once per event
 * before matching it against every candidate callback, so what callbacks share (folded field
 * values, parsed numbers, the CEL variables) is computed once per event; the closures read the
 * raw events. With `--cold` every evaluation prepares its event afresh instead: the cost of the
 * first callback matched against an event, the worst case.
 */
import { Action, Origin, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import {
  type Condition,
  FieldComparison,
  type FieldCondition,
  type Rule,
  RuleMode,
} from '@callbacks/proto/callbacks/v1/condition';
import { compileCondition, type EvaluationInput, toEvaluationInput } from '../src/index';

const NAMES = ['piet', 'Piet', 'PIET', 'jan', 'Klaas', 'marieke', 'Petra', 'pietje', 'anna', 'Sem'];
const CITIES = [
  'Amsterdam',
  'Rotterdam',
  'Utrecht',
  'Den Haag',
  'Eindhoven',
  'Groningen',
  'Tilburg',
  'Almere',
  'Breda',
  'Nijmegen',
];
const ORIGINS = [Origin.PUBLISHER, Origin.REST, Origin.SOAP, Origin.WEBFORM, Origin.IMPORT];

function makeEvents(count: number): ProfileEvent[] {
  return Array.from({ length: count }, (_, i): ProfileEvent => ({
    eventId: `event-${i}`,
    accountId: 'acc',
    databaseId: 'db',
    collectionId: '',
    profileId: `p${i}`,
    subprofileId: '',
    action: Action.UPDATE,
    origin: ORIGINS[i % ORIGINS.length]!,
    occurredAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
    fields: {
      name: NAMES[i % NAMES.length]!,
      city: CITIES[(i * 7) % CITIES.length]!,
      age: String(10 + ((i * 13) % 70)),
      email: i % 4 === 0 ? '' : `user${i}@example.com`,
      country: i % 3 === 0 ? 'NL' : 'BE',
      phone: `06${String(10_000_000 + i)}`,
      newsletter: i % 2 === 0 ? 'yes' : 'no',
      company: `Company ${i % 17}`,
      zip: `${1000 + (i % 8999)}AB`,
      status: i % 5 === 0 ? 'vip' : 'regular',
    },
    previousFields: { name: 'old' },
    interests: [{ name: 'sport', group: 'hobby' }],
    previousInterests: [],
    createdAt: new Date(Date.UTC(2020, 0, 1)),
    modifiedAt: new Date(Date.UTC(2024, 0, 1)),
  }));
}

function field(
  name: string,
  comparison: FieldComparison,
  value: string,
  extra: Partial<FieldCondition> = {},
): Rule['conditions'][number] {
  return {
    kind: {
      $case: 'field',
      value: {
        field: name,
        comparison,
        operand: { $case: 'value', value },
        values: [],
        numeric: false,
        caseSensitive: false,
        ...extra,
      },
    },
  };
}

function rule(conditions: Rule['conditions'], mode = RuleMode.INCLUDE): Rule {
  return { name: '', mode, disabled: false, conditions };
}

interface Case {
  readonly name: string;
  readonly condition: Condition;
  readonly limit: (event: ProfileEvent) => boolean;
}

const value = (event: ProfileEvent, name: string): string => event.fields[name] ?? '';

const CASES: readonly Case[] = [
  {
    name: 'field-equals',
    condition: { rules: [rule([field('name', FieldComparison.EQUALS, 'piet')])], expression: '' },
    limit: (event) => value(event, 'name').toLowerCase() === 'piet',
  },
  {
    name: 'rules-10x5',
    // Ten rules of five conditions; each rule is about one city, so most fail at their first condition.
    condition: {
      rules: CITIES.map((city) =>
        rule([
          field('city', FieldComparison.EQUALS, city),
          field('age', FieldComparison.MORE, '18', { numeric: true }),
          field('email', FieldComparison.CONTAINS, '@'),
          field('status', FieldComparison.NOT_EQUALS, 'blocked'),
          field('zip', FieldComparison.STARTS_WITH, '1'),
        ]),
      ),
      expression: '',
    },
    limit: (event) =>
      CITIES.some(
        (city) =>
          value(event, 'city').toLowerCase() === city.toLowerCase() &&
          Number(value(event, 'age')) > 18 &&
          value(event, 'email').toLowerCase().includes('@') &&
          value(event, 'status').toLowerCase() !== 'blocked' &&
          value(event, 'zip').toLowerCase().startsWith('1'),
      ),
  },
  {
    name: 'cel-expression',
    condition: { rules: [], expression: 'profile.fields.name == "piet" && event.origin != "REST"' },
    limit: (event) => value(event, 'name') === 'piet' && event.origin !== Origin.REST,
  },
  {
    name: 'regexp',
    condition: { rules: [rule([field('phone', FieldComparison.REGEXP, '^06[0-9]{8}5$')])], expression: '' },
    limit: (event) => /^06[0-9]{8}5$/i.test(value(event, 'phone')),
  },
];

/** Evaluations per second of `evaluate` over the pool, measured for about `ms` milliseconds. */
function measure<T>(pool: readonly T[], evaluate: (item: T) => boolean, ms: number): number {
  let evaluations = 0;
  let matched = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let round = 0; round < 64; round++) for (const item of pool) if (evaluate(item)) matched++;
    evaluations += 64 * pool.length;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  // Using the count keeps the engine from optimising the evaluations away.
  if (matched > evaluations) throw new Error('impossible');
  return (evaluations / elapsed) * 1000;
}

const cold = process.argv.includes('--cold');
const events = makeEvents(256);
const inputs: EvaluationInput[] = events.map(toEvaluationInput);

for (const benchCase of CASES) {
  const compiled = compileCondition(benchCase.condition);
  if (!compiled.ok) throw new Error(`${benchCase.name}: ${JSON.stringify(compiled.violations)}`);
  const { condition } = compiled;
  // Both sides must agree on every event, or the comparison means nothing.
  events.forEach((event, i) => {
    if (condition.matches(inputs[i]!) !== benchCase.limit(event))
      throw new Error(`${benchCase.name}: disagrees on ${event.eventId}`);
  });
  const evaluate = cold
    ? (input: EvaluationInput) => condition.matches(toEvaluationInput(input.event))
    : (input: EvaluationInput) => condition.matches(input);
  measure(inputs, evaluate, 200);
  measure(events, benchCase.limit, 200);
  let best = 0;
  let bestLimit = 0;
  // Alternate, keep the best of each: the least disturbed run of both.
  for (let trial = 0; trial < 3; trial++) {
    best = Math.max(best, measure(inputs, evaluate, 300));
    bestLimit = Math.max(bestLimit, measure(events, benchCase.limit, 300));
  }
  console.log(
    JSON.stringify({
      bench: 'conditions',
      case: cold ? `${benchCase.name}-cold` : benchCase.name,
      value: Math.round(best),
      unit: 'evals/s',
      limit: Math.round(bestLimit),
      ratio: Math.round((best / bestLimit) * 1000) / 1000,
    }),
  );
}
