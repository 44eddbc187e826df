import { createContext, type ReactNode, useContext, useId } from 'react';
import type { FieldViolation } from '../api';

/** The server's violations, by field path relative to the callback (`url`, `condition.rules[0]...`). */
export const ViolationsContext = createContext<FieldViolation[]>([]);

/** Violations of exactly this path (a field's own), shown next to it. */
export function useViolations(path: string | undefined): FieldViolation[] {
  const all = useContext(ViolationsContext);
  return path === undefined ? [] : all.filter((v) => v.field === path);
}

function Errors({ id, violations }: { id: string; violations: FieldViolation[] }) {
  if (violations.length === 0) return null;
  return (
    <p className="field-error" id={id}>
      {violations.map((v) => v.description).join('; ')}
    </p>
  );
}

interface Common {
  label: string;
  /** The field's path in the callback, to show the server's violations of it. */
  path?: string;
  hint?: ReactNode;
}

export function TextField({
  label,
  path,
  hint,
  value,
  onChange,
  required,
  type = 'text',
  placeholder,
  multiline,
  onBlur,
  readOnly,
}: Common & {
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  type?: string;
  placeholder?: string;
  multiline?: boolean;
  onBlur?: () => void;
  readOnly?: boolean;
}) {
  const id = useId();
  const violations = useViolations(path);
  const described =
    [hint ? `${id}-hint` : '', violations.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const props = {
    id,
    value,
    required,
    placeholder,
    onBlur,
    readOnly,
    'aria-invalid': violations.length > 0 || undefined,
    'aria-describedby': described,
  };
  return (
    <div className={`field${violations.length ? ' invalid' : ''}`} data-path={path}>
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...props} rows={3} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...props} type={type} onChange={(e) => onChange(e.target.value)} />
      )}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <Errors id={`${id}-error`} violations={violations} />
    </div>
  );
}

export function SelectField<T extends string>({
  label,
  path,
  hint,
  value,
  onChange,
  options,
}: Common & { value: T; onChange: (value: T) => void; options: readonly (readonly [T, string])[] }) {
  const id = useId();
  const violations = useViolations(path);
  return (
    <div className={`field${violations.length ? ' invalid' : ''}`} data-path={path}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
        aria-invalid={violations.length > 0 || undefined}
        aria-describedby={violations.length ? `${id}-error` : undefined}
      >
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
      {hint && <p className="hint">{hint}</p>}
      <Errors id={`${id}-error`} violations={violations} />
    </div>
  );
}

export function CheckField({
  label,
  checked,
  onChange,
  path,
}: {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  path?: string;
}) {
  const id = useId();
  const violations = useViolations(path);
  return (
    <div className="check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
      <Errors id={`${id}-error`} violations={violations} />
    </div>
  );
}

/** Checkboxes for a set of enum values, in a fieldset with a legend. */
export function CheckGroup<T extends string>({
  legend,
  path,
  hint,
  values,
  selected,
  onChange,
}: {
  legend: string;
  path?: string;
  hint?: string;
  values: readonly (readonly [T, string])[];
  selected: readonly T[];
  onChange: (selected: T[]) => void;
}) {
  const violations = useViolations(path);
  const id = useId();
  return (
    <fieldset className={`group${violations.length ? ' invalid' : ''}`} data-path={path}>
      <legend>{legend}</legend>
      {hint && <p className="hint">{hint}</p>}
      <div className="checks">
        {values.map(([value, text]) => (
          <CheckField
            key={value}
            label={text}
            checked={selected.includes(value)}
            onChange={(on) => onChange(on ? [...selected, value] : selected.filter((s) => s !== value))}
          />
        ))}
      </div>
      <Errors id={`${id}-error`} violations={violations} />
    </fieldset>
  );
}

/**
 * Binds a TextField to one string property of an object edited as a whole: its violation path
 * `<path>.<snake_case name>` (the name alone at the top), its value, and a change that keeps the other properties. An optional
 * property is removed when emptied, so that the API sees it unset rather than empty.
 */
export function bindText<V extends object>(path: string, value: V, onChange: (v: V) => void) {
  return (name: keyof V & string, { optional = false } = {}) => ({
    path: [path, name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)].filter(Boolean).join('.'),
    value: String(value[name] ?? ''),
    onChange: (text: string) => onChange({ ...value, [name]: optional && text === '' ? undefined : text }),
  });
}
