import type { Context } from './context';
import { integerFlag } from './input/flag-values';
import { count } from './output/count';
import type { Progress } from './output/progress';

export const PAGING_OPTIONS = {
  all: { type: 'boolean' },
  'page-size': { type: 'string' },
  'page-token': { type: 'string' },
} as const;

export const PAGING_HELP = `  --all                       every page (progress on stderr), not only the first
  --page-size <n>             1 to 1000 per call (default 100)
  --page-token <token>        continue from a previous page's nextPageToken (--json shows it)`;

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken: string;
}

type PagingValues = { all?: boolean | undefined; 'page-size'?: string | undefined; 'page-token'?: string | undefined };

/**
 * One page, or with --all every page from the first (or --page-token) on, counting on stderr as
 * they arrive. The token that is left is empty after --all.
 */
async function collectPages<T>(
  values: PagingValues,
  noun: string,
  progress: Progress,
  fetch: (page: { pageSize: number; pageToken: string }) => Promise<Page<T>>,
): Promise<Page<T>> {
  const pageSize =
    values['page-size'] === undefined ? 0 : integerFlag('page-size', values['page-size'], { min: 1, max: 1000 });
  const items: T[] = [];
  let pageToken = values['page-token'] ?? '';
  let pages = 0;
  do {
    const page = await fetch({ pageSize, pageToken });
    items.push(...page.items);
    pageToken = page.nextPageToken;
    pages++;
    if (values.all) progress.update(`fetched ${items.length} ${noun} (${count(pages, 'page')})...`);
  } while (values.all && pageToken !== '');
  if (values.all) progress.done(`fetched ${items.length} ${noun} in ${count(pages, 'page')}`);
  return { items, nextPageToken: pageToken };
}

/**
 * Lists: fetches one page or every page (see collectPages) and prints it, with --json as the List
 * response's proto3 JSON (the list always present, even empty, and `nextPageToken` when there is
 * more), else as a table, saying on stderr how to get the rest.
 */
export async function listPages<T>(
  ctx: Context,
  values: PagingValues,
  list: {
    noun: string;
    fetch: (page: { pageSize: number; pageToken: string }) => Promise<Page<T>>;
    toJSON: (item: T) => unknown;
    view: (items: T[]) => string;
  },
): Promise<void> {
  const { noun } = list;
  const page = await collectPages(values, noun, ctx.progress(), list.fetch);
  const json = {
    [noun]: page.items.map(list.toJSON),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
  ctx.show(json, () => (page.items.length === 0 ? `No ${noun}.` : list.view(page.items)));
  if (page.nextPageToken && !ctx.json)
    ctx.io.stderr(`More ${noun}: add --all, or --page-token ${page.nextPageToken}\n`);
}
