import cliPackage from '../package.json' with { type: 'json' };

/** The CLI's version, from its package.json: inlined by the bundler, read by tsx in the workspace. */
export const VERSION: string = cliPackage.version;
