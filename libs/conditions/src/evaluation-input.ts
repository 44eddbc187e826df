import { Action, type ProfileEvent } from '@callbacks/proto/callbacks/events/v1/profile_event';
import { parseDateTime } from './dates';
import { InterestIndex } from './interests';
import { foldCase, parseNumber } from './text';

const EMPTY_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * One profile event as the conditions see it. Built once per event with {@link toEvaluationInput}
 * and then matched against every candidate callback, so whatever several callbacks may need
 * (parsed numbers and dates, interest indexes, which fields changed, the CEL variables) is
 * computed on first use and kept.
 *
 * For a subprofile event (one with a subprofile id) the fields are the subprofile's: a field
 * condition on a collection's callback reads the subprofile. Interests are whatever the event
 * carries: profile events carry them, subprofile events do not (SPEC §5).
 */
export class EvaluationInput {
  readonly action: Action;
  readonly isSubprofileEvent: boolean;
  /** When the event happened, in milliseconds since the epoch; `NaN` when the event has no time. */
  readonly occurredAt: number;
  private readonly fields: Readonly<Record<string, string>>;
  private readonly previousFields: Readonly<Record<string, string>>;
  private folded: Map<string, string> | undefined;
  private numbers: Map<string, number> | undefined;
  private dates: Map<string, number> | undefined;
  private interestIndex: InterestIndex | undefined;
  private previousInterestIndex: InterestIndex | undefined;
  private anyChange: boolean | undefined;
  private derivedValues: Map<object | string, unknown> | undefined;

  constructor(readonly event: ProfileEvent) {
    this.action = event.action;
    this.isSubprofileEvent = event.subprofileId !== '';
    this.occurredAt = event.occurredAt?.getTime() ?? Number.NaN;
    this.fields = event.fields ?? EMPTY_FIELDS;
    this.previousFields = event.previousFields ?? EMPTY_FIELDS;
  }

  /** A field's value after the change; a missing field is the empty string (SPEC §4). */
  field(name: string): string {
    // Own fields only: what the prototype has (`constructor`, `toString`) is never a string.
    const value = this.fields[name];
    return typeof value === 'string' ? value : '';
  }

  /** A field's value folded for case-insensitive comparison (see `foldCase`). */
  foldedField(name: string): string {
    this.folded ??= new Map();
    let value = this.folded.get(name);
    if (value === undefined) {
      value = foldCase(this.field(name));
      this.folded.set(name, value);
    }
    return value;
  }

  /** A field's value before an update; a field the event does not report is the empty string. */
  previousField(name: string): string {
    const value = this.previousFields[name];
    return typeof value === 'string' ? value : '';
  }

  /**
   * Whether an update changed the field. The event's previous values hold at least the changed
   * fields, so a field without a previous value did not change.
   */
  fieldChanged(name: string): boolean {
    return (
      this.action === Action.UPDATE &&
      typeof this.previousFields[name] === 'string' &&
      this.previousField(name) !== this.field(name)
    );
  }

  /** Whether an update changed any field. */
  get anyFieldChanged(): boolean {
    if (this.anyChange === undefined) {
      const changed = (name: string) => this.fieldChanged(name);
      this.anyChange = this.action === Action.UPDATE && Object.keys(this.previousFields).some(changed);
    }
    return this.anyChange;
  }

  /** A field's value as a number (see `parseNumber`), `NaN` when it is not one. */
  number(name: string): number {
    this.numbers ??= new Map();
    let value = this.numbers.get(name);
    if (value === undefined) {
      value = parseNumber(this.field(name));
      this.numbers.set(name, value);
    }
    return value;
  }

  /** A field's value as a UTC time in milliseconds (see `parseDateTime`), `NaN` when it is not a date. */
  date(name: string): number {
    this.dates ??= new Map();
    let value = this.dates.get(name);
    if (value === undefined) {
      value = parseDateTime(this.field(name));
      this.dates.set(name, value);
    }
    return value;
  }

  /** The interests after the change (subprofile events carry none). */
  get interests(): InterestIndex {
    this.interestIndex ??= new InterestIndex(this.event.interests ?? []);
    return this.interestIndex;
  }

  /** The interests before an update. */
  get previousInterests(): InterestIndex {
    this.previousInterestIndex ??= new InterestIndex(this.event.previousInterests ?? []);
    return this.previousInterestIndex;
  }

  /**
   * A value derived from the event, built once per event and kept under `key`: a constant of the
   * module that derives it (the CEL variables), or a string that names what is derived (a relative
   * date condition's reference time, shared by every callback with the same reference).
   */
  derived<T>(key: object | string, build: (input: EvaluationInput) => T): T {
    this.derivedValues ??= new Map();
    if (this.derivedValues.has(key)) return this.derivedValues.get(key) as T;
    const value = build(this);
    this.derivedValues.set(key, value);
    return value;
  }
}

/** Prepares a profile event for matching against any number of compiled conditions. */
export function toEvaluationInput(event: ProfileEvent): EvaluationInput {
  return new EvaluationInput(event);
}
