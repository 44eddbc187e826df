import type { ReactElement } from 'react';
import type { Rule, RuleCondition, Schemas } from '../api';
import { bindText, CheckField, SelectField, TextField } from './fields';

type FieldComparison = NonNullable<Schemas['FieldCondition']['comparison']>;
type ChangeKind = NonNullable<Schemas['ChangeCondition']['kind']>;
type InterestCheck = NonNullable<Schemas['InterestCondition']['check']>;
type DateComparison = NonNullable<Schemas['DateCondition']['comparison']>;
type TimeUnit = NonNullable<Schemas['RelativeTime']['unit']>;
type Kind = 'field' | 'change' | 'interest' | 'date';

const KINDS: [Kind, string][] = [
  ['field', 'Field compares'],
  ['change', 'Change'],
  ['interest', 'Interest'],
  ['date', 'Date'],
];
const FIELD_COMPARISONS: [FieldComparison, string][] = [
  ['FIELD_COMPARISON_EQUALS', 'equals'],
  ['FIELD_COMPARISON_NOT_EQUALS', 'does not equal'],
  ['FIELD_COMPARISON_CONTAINS', 'contains'],
  ['FIELD_COMPARISON_NOT_CONTAINS', 'does not contain'],
  ['FIELD_COMPARISON_STARTS_WITH', 'starts with'],
  ['FIELD_COMPARISON_ENDS_WITH', 'ends with'],
  ['FIELD_COMPARISON_LESS', 'is less than'],
  ['FIELD_COMPARISON_MORE', 'is more than'],
  ['FIELD_COMPARISON_IN', 'is one of'],
  ['FIELD_COMPARISON_REGEXP', 'matches the regular expression (RE2)'],
  ['FIELD_COMPARISON_IS_EMAIL', 'is an email address'],
  ['FIELD_COMPARISON_IS_NUMERIC', 'is a number'],
  ['FIELD_COMPARISON_EMPTY', 'is empty'],
  ['FIELD_COMPARISON_NOT_EMPTY', 'is not empty'],
];
/** Comparisons that take no operand. */
const UNARY: FieldComparison[] = [
  'FIELD_COMPARISON_IS_EMAIL',
  'FIELD_COMPARISON_IS_NUMERIC',
  'FIELD_COMPARISON_EMPTY',
  'FIELD_COMPARISON_NOT_EMPTY',
];
const CHANGE_KINDS: [ChangeKind, string][] = [
  ['CHANGE_KIND_ANY_FIELD_CHANGED', 'any field changed'],
  ['CHANGE_KIND_FIELD_CHANGED', 'a field changed (optionally from / to a value)'],
  ['CHANGE_KIND_IS_CREATE', 'the event is a create'],
  ['CHANGE_KIND_IS_UPDATE', 'the event is an update'],
  ['CHANGE_KIND_IS_DELETE', 'the event is a delete'],
  ['CHANGE_KIND_INTEREST_GAINED', 'an interest was gained'],
  ['CHANGE_KIND_INTEREST_LOST', 'an interest was lost'],
];
const INTEREST_CHECKS: [InterestCheck, string][] = [
  ['INTEREST_CHECK_HAS', 'has the interest'],
  ['INTEREST_CHECK_LACKS', 'lacks the interest'],
  ['INTEREST_CHECK_HAS_ANY_IN_GROUP', "has any of the group's interests"],
  ['INTEREST_CHECK_HAS_NONE_IN_GROUP', "has none of the group's interests"],
];
const DATE_COMPARISONS: [DateComparison, string][] = [
  ['DATE_COMPARISON_BEFORE', 'is before'],
  ['DATE_COMPARISON_AFTER', 'is after'],
  ['DATE_COMPARISON_SAME_DAY', 'is on the same day as'],
];
const UNITS: [TimeUnit, string][] = [
  ['TIME_UNIT_MINUTE', 'minutes'],
  ['TIME_UNIT_HOUR', 'hours'],
  ['TIME_UNIT_DAY', 'days'],
  ['TIME_UNIT_WEEK', 'weeks'],
  ['TIME_UNIT_MONTH', 'months'],
  ['TIME_UNIT_YEAR', 'years'],
];
const FLOORS: [TimeUnit, string][] = [
  ['TIME_UNIT_UNSPECIFIED', 'not floored'],
  ...UNITS.filter(([u]) => u !== 'TIME_UNIT_MINUTE' && u !== 'TIME_UNIT_HOUR'),
];

/** The editor of each kind of condition; each edits `condition[kind]`. */
type ConditionEditorOf<T> = (props: {
  path: string;
  value: NonNullable<T>;
  onChange: (v: NonNullable<T>) => void;
}) => ReactElement;
const EDITORS: { [K in Kind]: ConditionEditorOf<RuleCondition[K]> } = {
  field: (props) => <FieldConditionEditor {...props} />,
  change: (props) => <ChangeConditionEditor {...props} />,
  interest: (props) => <InterestConditionEditor {...props} />,
  date: (props) => <DateConditionEditor {...props} />,
};

function kindOf(condition: RuleCondition): Kind {
  return condition.change ? 'change' : condition.interest ? 'interest' : condition.date ? 'date' : 'field';
}

export function newCondition(kind: Kind = 'field'): RuleCondition {
  switch (kind) {
    case 'change':
      return { change: { kind: 'CHANGE_KIND_ANY_FIELD_CHANGED' } };
    case 'interest':
      return { interest: { check: 'INTEREST_CHECK_HAS', interest: '' } };
    case 'date':
      return {
        date: { field: '', comparison: 'DATE_COMPARISON_BEFORE', relative: { amount: 0, unit: 'TIME_UNIT_DAY' } },
      };
    default:
      return { field: { field: '', comparison: 'FIELD_COMPARISON_EQUALS', value: '' } };
  }
}

/**
 * Rules (any including rule holds: OR) of conditions (all hold: AND); an excluding rule ("OR
 * NOT") stops the callback when it holds. Every condition kind of the API.
 */
export function ConditionBuilder({ rules, onChange }: { rules: Rule[]; onChange: (rules: Rule[]) => void }) {
  const set = (index: number, rule: Rule) => onChange(rules.map((r, i) => (i === index ? rule : r)));
  return (
    <fieldset className="group rules">
      <legend>Conditions</legend>
      <p className="hint">
        The callback fires when any including rule holds (or there is none) and no excluding rule holds. A rule holds
        when all its conditions do.
      </p>
      {rules.length === 0 && <p className="muted">No rules: every matching event fires the callback.</p>}
      {rules.map((rule, index) => (
        <RuleEditor
          key={index}
          index={index}
          rule={rule}
          onChange={(r) => set(index, r)}
          onRemove={() => onChange(rules.filter((_, i) => i !== index))}
        />
      ))}
      <button
        type="button"
        onClick={() => onChange([...rules, { name: '', mode: 'RULE_MODE_INCLUDE', conditions: [newCondition()] }])}
      >
        Add a rule
      </button>
    </fieldset>
  );
}

function RuleEditor({
  index,
  rule,
  onChange,
  onRemove,
}: {
  index: number;
  rule: Rule;
  onChange: (rule: Rule) => void;
  onRemove: () => void;
}) {
  const path = `condition.rules[${index}]`;
  const conditions = rule.conditions ?? [];
  const setCondition = (i: number, c: RuleCondition) =>
    onChange({ ...rule, conditions: conditions.map((old, j) => (j === i ? c : old)) });
  return (
    <fieldset className="rule" data-path={path}>
      <legend>
        {index === 0 ? 'Rule' : rule.mode === 'RULE_MODE_EXCLUDE' ? 'OR NOT rule' : 'OR rule'} {index + 1}
      </legend>
      <div className="row">
        <TextField
          label="Rule name"
          path={`${path}.name`}
          value={rule.name ?? ''}
          onChange={(name) => onChange({ ...rule, name })}
        />
        <SelectField
          label="Kind of rule"
          path={`${path}.mode`}
          value={rule.mode === 'RULE_MODE_EXCLUDE' ? 'RULE_MODE_EXCLUDE' : 'RULE_MODE_INCLUDE'}
          onChange={(mode) => onChange({ ...rule, mode })}
          options={[
            ['RULE_MODE_INCLUDE', 'including (OR)'],
            ['RULE_MODE_EXCLUDE', 'excluding (OR NOT)'],
          ]}
        />
        <CheckField
          label="Rule disabled"
          checked={rule.disabled ?? false}
          onChange={(disabled) => onChange({ ...rule, disabled })}
        />
      </div>
      {conditions.map((condition, i) => (
        <ConditionEditor
          key={i}
          label={`${i === 0 ? 'Condition' : 'AND condition'} ${i + 1} of rule ${index + 1}`}
          path={`${path}.conditions[${i}]`}
          condition={condition}
          onChange={(c) => setCondition(i, c)}
          onRemove={() => onChange({ ...rule, conditions: conditions.filter((_, j) => j !== i) })}
        />
      ))}
      <div className="row">
        <button type="button" onClick={() => onChange({ ...rule, conditions: [...conditions, newCondition()] })}>
          Add a condition (AND)
        </button>
        <button type="button" className="danger-link" onClick={onRemove}>
          Remove rule {index + 1}
        </button>
      </div>
    </fieldset>
  );
}

function ConditionEditor({
  label,
  path,
  condition,
  onChange,
  onRemove,
}: {
  label: string;
  path: string;
  condition: RuleCondition;
  onChange: (c: RuleCondition) => void;
  onRemove: () => void;
}) {
  const kind = kindOf(condition);
  const KindEditor = EDITORS[kind] as ConditionEditorOf<RuleCondition[Kind]>;
  return (
    <fieldset className="condition" data-path={path}>
      <legend>{label}</legend>
      <div className="row">
        <SelectField label="Kind" value={kind} onChange={(k) => onChange(newCondition(k))} options={KINDS} />
        <KindEditor
          path={`${path}.${kind}`}
          value={condition[kind] ?? {}}
          onChange={(value) => onChange({ [kind]: value })}
        />
      </div>
      <button type="button" className="danger-link" onClick={onRemove}>
        Remove this condition
      </button>
    </fieldset>
  );
}

/** The field a condition reads and how it compares: the first two inputs of a field or a date condition. */
function FieldAndComparison<C extends string, V extends { field?: string; comparison: C }>({
  fieldLabel,
  placeholder,
  path,
  value,
  onChange,
  comparisons,
}: {
  fieldLabel: string;
  placeholder: string;
  path: string;
  value: V;
  onChange: (v: V) => void;
  comparisons: [C, string][];
}) {
  return (
    <>
      <TextField label={fieldLabel} {...bindText(path, value, onChange)('field')} placeholder={placeholder} />
      <SelectField
        label="Comparison"
        path={`${path}.comparison`}
        value={value.comparison}
        onChange={(comparison) => onChange({ ...value, comparison })}
        options={comparisons}
      />
    </>
  );
}

function FieldConditionEditor({
  path,
  value,
  onChange,
}: {
  path: string;
  value: Schemas['FieldCondition'];
  onChange: (v: Schemas['FieldCondition']) => void;
}) {
  const comparison = value.comparison ?? 'FIELD_COMPARISON_EQUALS';
  const againstField = value.otherField !== undefined;
  const { value: _v, otherField: _o, values: _vs, ...rest } = value;
  return (
    <>
      <FieldAndComparison
        fieldLabel="Field"
        placeholder="city"
        path={path}
        value={{ ...value, comparison }}
        onChange={onChange}
        comparisons={FIELD_COMPARISONS}
      />
      {comparison === 'FIELD_COMPARISON_IN' ? (
        <TextField
          label="Values (one per line)"
          path={`${path}.values`}
          multiline
          value={(value.values ?? []).join('\n')}
          onChange={(text) => onChange({ ...rest, values: text.split('\n') })}
        />
      ) : (
        !UNARY.includes(comparison) && (
          <>
            <SelectField
              label="Compare with"
              value={againstField ? 'field' : 'value'}
              onChange={(w) => onChange(w === 'field' ? { ...rest, otherField: '' } : { ...rest, value: '' })}
              options={[
                ['value', 'a value'],
                ['field', 'another field'],
              ]}
            />
            {againstField ? (
              <TextField
                label="Other field"
                path={`${path}.other_field`}
                value={value.otherField ?? ''}
                onChange={(otherField) => onChange({ ...rest, otherField })}
              />
            ) : (
              <TextField
                label={comparison === 'FIELD_COMPARISON_REGEXP' ? 'Regular expression' : 'Value'}
                path={`${path}.value`}
                value={value.value ?? ''}
                onChange={(v) => onChange({ ...rest, value: v })}
              />
            )}
          </>
        )
      )}
      <CheckField
        label="Compare as numbers"
        checked={value.numeric ?? false}
        onChange={(numeric) => onChange({ ...value, numeric })}
      />
      <CheckField
        label="Case-sensitive"
        checked={value.caseSensitive ?? false}
        onChange={(caseSensitive) => onChange({ ...value, caseSensitive })}
      />
    </>
  );
}

function ChangeConditionEditor({
  path,
  value,
  onChange,
}: {
  path: string;
  value: Schemas['ChangeCondition'];
  onChange: (v: Schemas['ChangeCondition']) => void;
}) {
  const kind = value.kind ?? 'CHANGE_KIND_ANY_FIELD_CHANGED';
  const text = bindText(path, value, onChange);
  return (
    <>
      <SelectField
        label="What changed"
        path={`${path}.kind`}
        value={kind}
        onChange={(k) => onChange({ kind: k })}
        options={CHANGE_KINDS}
      />
      {kind === 'CHANGE_KIND_FIELD_CHANGED' && (
        <>
          <TextField label="Field" {...text('field')} />
          <TextField label="From (optional)" {...text('from', { optional: true })} />
          <TextField label="To (optional)" {...text('to', { optional: true })} />
          <CheckField
            label="Case-sensitive"
            checked={value.caseSensitive ?? false}
            onChange={(caseSensitive) => onChange({ ...value, caseSensitive })}
          />
        </>
      )}
      {(kind === 'CHANGE_KIND_INTEREST_GAINED' || kind === 'CHANGE_KIND_INTEREST_LOST') && (
        <>
          <TextField label="Interest" {...text('interest')} />
          <TextField label="Group (optional)" {...text('group')} />
        </>
      )}
    </>
  );
}

function InterestConditionEditor({
  path,
  value,
  onChange,
}: {
  path: string;
  value: Schemas['InterestCondition'];
  onChange: (v: Schemas['InterestCondition']) => void;
}) {
  const check = value.check ?? 'INTEREST_CHECK_HAS';
  const byGroup = check === 'INTEREST_CHECK_HAS_ANY_IN_GROUP' || check === 'INTEREST_CHECK_HAS_NONE_IN_GROUP';
  const text = bindText(path, value, onChange);
  return (
    <>
      <SelectField
        label="The profile"
        path={`${path}.check`}
        value={check}
        onChange={(c) => onChange({ ...value, check: c })}
        options={INTEREST_CHECKS}
      />
      {!byGroup && <TextField label="Interest" {...text('interest')} />}
      <TextField label={byGroup ? 'Group' : 'Group (optional)'} {...text('group')} />
    </>
  );
}

function DateConditionEditor({
  path,
  value,
  onChange,
}: {
  path: string;
  value: Schemas['DateCondition'];
  onChange: (v: Schemas['DateCondition']) => void;
}) {
  const relative = value.absolute === undefined;
  const { absolute: _a, relative: _r, ...rest } = value;
  const rel = value.relative ?? {};
  return (
    <>
      <FieldAndComparison
        fieldLabel="Date field"
        placeholder="birthday"
        path={path}
        value={{ ...value, comparison: value.comparison ?? 'DATE_COMPARISON_BEFORE' }}
        onChange={onChange}
        comparisons={DATE_COMPARISONS}
      />
      <SelectField
        label="Compared with"
        value={relative ? 'relative' : 'absolute'}
        onChange={(w) =>
          onChange(
            w === 'absolute' ? { ...rest, absolute: '' } : { ...rest, relative: { amount: 0, unit: 'TIME_UNIT_DAY' } },
          )
        }
        options={[
          ['relative', 'the event time minus…'],
          ['absolute', 'a fixed date or time'],
        ]}
      />
      {relative ? (
        <>
          <TextField
            label="Amount"
            type="number"
            path={`${path}.relative.amount`}
            value={String(rel.amount ?? 0)}
            onChange={(amount) => onChange({ ...rest, relative: { ...rel, amount: Number(amount) || 0 } })}
          />
          <SelectField
            label="Unit"
            path={`${path}.relative.unit`}
            value={rel.unit ?? 'TIME_UNIT_DAY'}
            onChange={(unit) => onChange({ ...rest, relative: { ...rel, unit } })}
            options={UNITS}
          />
          <SelectField
            label="Floored to"
            path={`${path}.relative.floor_to`}
            value={rel.floorTo ?? 'TIME_UNIT_UNSPECIFIED'}
            onChange={(floorTo) => onChange({ ...rest, relative: { ...rel, floorTo } })}
            options={FLOORS}
          />
        </>
      ) : (
        <TextField
          label="Date or time"
          path={`${path}.absolute`}
          value={value.absolute ?? ''}
          onChange={(absolute) => onChange({ ...rest, absolute })}
          placeholder="2026-01-31 or 2026-01-31T12:00:00Z"
        />
      )}
      <CheckField
        label="Ignore the year (birthdays)"
        checked={value.ignoreYear ?? false}
        onChange={(ignoreYear) => onChange({ ...value, ignoreYear })}
      />
    </>
  );
}
