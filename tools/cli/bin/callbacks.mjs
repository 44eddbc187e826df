#!/usr/bin/env node
// `npx callbacks …` inside the workspace: the CLI is TypeScript run through tsx, as every
// npm script of the repository is; nothing is built first.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
