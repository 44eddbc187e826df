import { type FormEvent, useState } from 'react';
import { ApiError, type Callback, client, type FieldViolation, type RevealedSecret, type Rule, unwrap } from '../api';
import { ErrorMessage, Loading, StateBadge, Time, useLoad } from '../components/common';
import { ConditionBuilder } from '../components/ConditionBuilder';
import { bindText, CheckField, CheckGroup, SelectField, TextField, ViolationsContext } from '../components/fields';
import { Link, navigate } from '../router';
import { sampleEvent } from '../sample-event';

type Format = NonNullable<Callback['format']>;
type Ordering = NonNullable<Callback['ordering']>;
type Action = NonNullable<Callback['actions']>[number];
type Origin = NonNullable<Callback['triggers']>[number];
type Scheme = NonNullable<Callback['signatureScheme']>;

const FORMATS: [Format, string][] = [
  ['FORMAT_JSON', 'JSON'],
  ['FORMAT_XML', 'XML'],
  ['FORMAT_FORM', 'Form (x-www-form-urlencoded)'],
];
const ORDERINGS: [Ordering, string][] = [
  ['ORDERING_NONE', 'None: each delivery on its own'],
  ['ORDERING_PER_PROFILE', 'Per profile: one at a time, in publish order'],
];
const SCHEMES: [Scheme, string][] = [
  ['SIGNATURE_SCHEME_COPERNICA', 'Copernica (rsa-sha256, key in DNS)'],
  ['SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1', 'Standard Webhooks v1 (HMAC-SHA256, whsec_ secret)'],
  ['SIGNATURE_SCHEME_STANDARD_WEBHOOKS_V1A', 'Standard Webhooks v1a (ed25519)'],
  ['SIGNATURE_SCHEME_RFC9421', 'RFC 9421 HTTP Message Signatures (ed25519)'],
];
const ACTIONS: [Action, string][] = [
  ['ACTION_CREATE', 'Create'],
  ['ACTION_UPDATE', 'Update'],
  ['ACTION_DELETE', 'Delete'],
];
const ORIGINS: [Origin, string][] = [
  ['ORIGIN_PUBLISHER', 'Web UI (Publisher)'],
  ['ORIGIN_REST', 'REST API'],
  ['ORIGIN_SOAP', 'SOAP API'],
  ['ORIGIN_WEBFORM', 'Web form'],
  ['ORIGIN_IMPORT', 'Import'],
  ['ORIGIN_COPY', 'Copy'],
  ['ORIGIN_OPEN', 'Mail opened'],
  ['ORIGIN_CLICK', 'Link clicked'],
  ['ORIGIN_BOUNCE', 'Bounce'],
  ['ORIGIN_FAILURE', 'Delivery failure'],
];
/** The fields the form edits: what an update's mask names. */
const EDITED = ['url', 'format', 'ordering', 'actions', 'triggers', 'condition', 'description', 'signature_scheme'];

/** A new callback, or one callback: its form, and enabling, disabling, deleting, testing it. */
export function CallbackPage({ id, query }: { id: string | undefined; query: URLSearchParams }) {
  const { result, reload } = useLoad(
    () =>
      id
        ? unwrap(client.GET('/v1/callbacks/{id}', { params: { path: { id } } })).then((r) => r.callback ?? {})
        : Promise.resolve(blank(query)),
    id ?? 'new',
  );
  if (result.state === 'loading') return <Loading what="the callback" />;
  if (result.state === 'error') return <ErrorMessage error={result.error} onRetry={reload} />;
  return (
    <CallbackEditor
      key={`${id}:${result.data.revision}`}
      saved={id ? result.data : undefined}
      initial={result.data}
      reload={reload}
    />
  );
}

function blank(query: URLSearchParams): Callback {
  return {
    accountId: query.get('account') ?? '',
    databaseId: query.get('database') ?? '',
    collectionId: '',
    url: 'https://',
    format: 'FORMAT_JSON',
    ordering: 'ORDERING_NONE',
    signatureScheme: 'SIGNATURE_SCHEME_COPERNICA',
    actions: [],
    triggers: [],
    condition: { rules: [], expression: '' },
    description: '',
  };
}

function CallbackEditor({
  saved,
  initial,
  reload,
}: {
  saved: Callback | undefined;
  initial: Callback;
  reload: () => void;
}) {
  const [draft, setDraft] = useState<Callback>(initial);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  /** A secret the last create or scheme switch made: shown this once. */
  const [newSecret, setNewSecret] = useState<{ callbackId: string; secret: RevealedSecret }>();
  const [expressionViolations, setExpressionViolations] = useState<FieldViolation[]>([]);
  const violations = [...(error instanceof ApiError ? error.violations : []), ...expressionViolations].map((v) => ({
    ...v,
    field: v.field.replace(/^callback\./, ''),
  }));
  const set = (patch: Partial<Callback>) => setDraft((d) => ({ ...d, ...patch }));
  const text = bindText('', draft, setDraft);
  const rules = draft.condition?.rules ?? [];
  const setRules = (r: Rule[]) => set({ condition: { ...draft.condition, rules: r } });
  const actions = draft.actions ?? [];
  const triggers = draft.triggers ?? [];

  const body = (): Callback => ({
    ...draft,
    // Output only: the service says what the secrets are.
    secrets: undefined,
    secretRotateTime: undefined,
    // All three actions is the same as none: every action.
    actions: actions.length === ACTIONS.length ? [] : actions,
    triggers,
    // The checkbox below edits the triggers themselves.
    disableOnApiCalls: false,
  });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setNotice('');
    try {
      if (!saved?.id) {
        const { accountId, databaseId, collectionId } = draft;
        const created = await unwrap(
          client.POST('/v1/callbacks', { body: { ...body(), accountId, databaseId, collectionId } }),
        );
        const createdId = created.callback?.id ?? '';
        // A new secret is shown here, once, before going on to the callback's page.
        if (created.secret) setNewSecret({ callbackId: createdId, secret: created.secret });
        else navigate(`/callbacks/${encodeURIComponent(createdId)}`, { replace: true });
      } else {
        const { callback, secret } = await unwrap(
          client.PATCH('/v1/callbacks/{callback.id}', {
            params: { path: { 'callback.id': saved.id }, query: { updateMask: EDITED.map(camel).join(',') } },
            headers: { 'if-match': `"${saved.revision}"` },
            body: { ...body(), id: saved.id },
          }),
        );
        setDraft(callback ?? draft);
        setNotice('Saved.');
        if (secret) setNewSecret({ callbackId: saved.id, secret });
        else reload();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  /** The service's own type check of the CEL expression: the callback as it stands, tested on a sample. */
  const checkExpression = async () => {
    if (!(draft.condition?.expression ?? '').trim()) return setExpressionViolations([]);
    const { response, error: failure } = await client.POST('/v1/callbacks:test', {
      body: { callback: { ...body(), id: '' }, event: sampleEvent(draft) },
    });
    if (response.ok) return setExpressionViolations([]);
    const details = (failure as { details?: { fieldViolations?: FieldViolation[] }[] } | undefined)?.details ?? [];
    setExpressionViolations(
      details.flatMap((d) => d.fieldViolations ?? []).filter((v) => v.field.endsWith('condition.expression')),
    );
  };

  const conflict = error instanceof ApiError && error.conflict;
  const unplaced =
    error instanceof ApiError
      ? violations.filter(
          (v) => !PLACED.some((p) => v.field === p || v.field.startsWith(`${p}.`) || v.field.startsWith(`${p}[`)),
        )
      : [];

  if (newSecret) {
    const done = () => {
      setNewSecret(undefined);
      if (saved) reload();
      else navigate(`/callbacks/${encodeURIComponent(newSecret.callbackId)}`, { replace: true });
    };
    return <SecretShownOnce secret={newSecret.secret} onDone={done} />;
  }

  return (
    <ViolationsContext.Provider value={violations}>
      <section>
        <div className="title-row">
          <h1>{saved ? 'Callback' : 'New callback'}</h1>
          {saved && <StateBadge state={saved.state} />}
        </div>
        {saved && <CallbackActions callback={saved} reload={reload} />}
        <form onSubmit={(e) => void save(e)} noValidate aria-label={saved ? 'Edit the callback' : 'Create a callback'}>
          {error !== undefined && (
            <div className="error" role="alert">
              <p>
                {error instanceof ApiError
                  ? error.violations.length > 0
                    ? 'The callback was not saved: fix the fields marked below.'
                    : error.message
                  : 'The callback was not saved.'}
              </p>
              {unplaced.length > 0 && (
                <ul>
                  {unplaced.map((v) => (
                    <li key={v.field + v.description}>
                      <code>{v.field}</code> {v.description}
                    </li>
                  ))}
                </ul>
              )}
              {conflict && (
                <button type="button" onClick={reload}>
                  Reload the current version
                </button>
              )}
            </div>
          )}
          <fieldset className="group">
            <legend>Where it fires</legend>
            <div className="row">
              <TextField label="Account" {...text('accountId')} required readOnly={saved !== undefined} />
              <TextField label="Database" {...text('databaseId')} required readOnly={saved !== undefined} />
              <TextField
                label="Collection (optional)"
                {...text('collectionId')}
                readOnly={saved !== undefined}
                hint={
                  saved
                    ? 'Where a callback fires is fixed once it is created.'
                    : "Set it to fire for the collection's subprofiles instead of the database's profiles."
                }
              />
            </div>
          </fieldset>
          <TextField
            label="URL"
            {...text('url')}
            type="url"
            required
            hint="Where the POST goes: an absolute https:// URL."
          />
          <SelectField
            label="Format (Methode)"
            path="format"
            value={draft.format ?? 'FORMAT_JSON'}
            onChange={(format) => set({ format })}
            options={FORMATS}
          />
          <SelectField
            label="Ordering"
            path="ordering"
            value={draft.ordering === 'ORDERING_PER_PROFILE' ? 'ORDERING_PER_PROFILE' : 'ORDERING_NONE'}
            onChange={(ordering) => set({ ordering })}
            options={ORDERINGS}
            hint="Per profile: a retrying delivery holds back the later ones of its profile only; each payload carries a sequence number."
          />
          <SelectField
            label="Signature scheme"
            path="signature_scheme"
            value={draft.signatureScheme ?? 'SIGNATURE_SCHEME_COPERNICA'}
            onChange={(signatureScheme) => set({ signatureScheme })}
            options={SCHEMES}
            hint={
              (draft.secrets ?? []).length > 0
                ? `Signing keys: ${(draft.secrets ?? []).map((k) => k.keyId).join(', ')}. Choosing another scheme makes a new secret, shown once.`
                : 'Any scheme but Copernica gets a secret of its own, shown once when it is made.'
            }
          />
          <CheckGroup
            legend="Actions (Type actie)"
            path="actions"
            hint="None or all checked: every action."
            values={ACTIONS}
            selected={actions}
            onChange={(a) => set({ actions: a })}
          />
          <CheckGroup
            legend="Triggers"
            path="triggers"
            hint="Origins that may fire it; none checked: every origin."
            values={ORIGINS}
            selected={triggers}
            onChange={(t) => set({ triggers: t })}
          />
          <CheckField
            label="Disable on API calls (not for REST and SOAP)"
            path="disable_on_api_calls"
            checked={triggers.length > 0 && !triggers.includes('ORIGIN_REST') && !triggers.includes('ORIGIN_SOAP')}
            onChange={(on) =>
              set({
                triggers: on
                  ? (triggers.length === 0 ? ORIGINS.map(([o]) => o) : triggers).filter(
                      (t) => t !== 'ORIGIN_REST' && t !== 'ORIGIN_SOAP',
                    )
                  : [...new Set([...triggers, 'ORIGIN_REST', 'ORIGIN_SOAP'] as Origin[])],
              })
            }
          />
          <ConditionBuilder rules={rules} onChange={setRules} />
          <TextField
            label="Expression (CEL, optional)"
            path="condition.expression"
            multiline
            value={draft.condition?.expression ?? ''}
            onChange={(expression) => set({ condition: { ...draft.condition, expression } })}
            onBlur={() => void checkExpression()}
            hint={
              <>
                Over profile, subprofile, previous and event, e.g.{' '}
                <code>profile.fields.city == &quot;Amsterdam&quot;</code>. Checked by the service when you leave the
                field.
              </>
            }
          />
          <TextField label="Description" {...text('description')} />
          <div className="row">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : saved ? 'Save changes' : 'Create callback'}
            </button>
            <p role="status" className="notice">
              {notice}
            </p>
          </div>
        </form>
      </section>
    </ViolationsContext.Provider>
  );
}

/** Field paths the form shows next to a field; other violations are listed at the top. */
const PLACED = [
  'account_id',
  'database_id',
  'collection_id',
  'url',
  'format',
  'ordering',
  'actions',
  'triggers',
  'disable_on_api_calls',
  'condition',
  'description',
  'signature_scheme',
];

function camel(path: string): string {
  return path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function CallbackActions({ callback, reload }: { callback: Callback; reload: () => void }) {
  const [error, setError] = useState<unknown>();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = callback.id ?? '';
  const active = callback.state === 'CALLBACK_STATE_ACTIVE';
  const ifMatch = { 'if-match': `"${callback.revision}"` };

  const setState = async (state: 'CALLBACK_STATE_ACTIVE' | 'CALLBACK_STATE_DISABLED') => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(
        client.PATCH('/v1/callbacks/{callback.id}', {
          params: { path: { 'callback.id': id }, query: { updateMask: 'state' } },
          headers: ifMatch,
          body: { id, state },
        }),
      );
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await unwrap(client.DELETE('/v1/callbacks/{id}', { params: { path: { id } }, headers: ifMatch }));
      navigate('/callbacks', { replace: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <div className="actions-bar">
      <p className="meta">
        Revision {callback.revision} · created <Time value={callback.createTime} /> · updated{' '}
        <Time value={callback.updateTime} />
        {callback.stateReason && <> · {callback.stateReason}</>}
      </p>
      <div className="row">
        <Link className="button" to={`/callbacks/${encodeURIComponent(id)}/test`}>
          Test this callback
        </Link>
        <Link className="button" to={`/callbacks/${encodeURIComponent(id)}/deliveries`}>
          Deliveries
        </Link>
        <Link className="button" to={`/callbacks/${encodeURIComponent(id)}/stats`}>
          Statistics
        </Link>
        {active ? (
          <button type="button" disabled={busy} onClick={() => void setState('CALLBACK_STATE_DISABLED')}>
            Disable
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => void setState('CALLBACK_STATE_ACTIVE')}>
            Enable
          </button>
        )}
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
          Delete
        </button>
      </div>
      {confirming && (
        <div
          className="confirm"
          role="alertdialog"
          aria-labelledby="confirm-delete-title"
          aria-describedby="confirm-delete-text"
        >
          <p id="confirm-delete-title">
            <strong>Delete this callback?</strong>
          </p>
          <p id="confirm-delete-text">
            It stops firing at once and cannot be restored; its deliveries stay in the log.
          </p>
          <div className="row">
            <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
              Yes, delete it
            </button>
            <button type="button" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={error} />
    </div>
  );
}

/** A callback's new secret (or, for ed25519 schemes, its public key), shown this once. */
function SecretShownOnce({ secret, onDone }: { secret: RevealedSecret; onDone: () => void }) {
  const rows: [string, string | undefined][] = [
    ['Key id', secret.keyId],
    ['Secret', secret.secret],
    ['Public key', secret.publicKey],
    ['Public key (PEM)', secret.publicKeyPem],
  ];
  return (
    <section aria-labelledby="secret-title">
      <h1 id="secret-title">The callback&apos;s secret</h1>
      <p role="status">Copy it now: it is shown this once. (A reveal through the API shows it again, and is logged.)</p>
      <dl className="secret">
        {rows
          .filter(([, value]) => value)
          .map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>
                <code>{value}</code>
              </dd>
            </div>
          ))}
      </dl>
      <button type="button" className="primary" onClick={onDone}>
        Continue to the callback
      </button>
    </section>
  );
}
