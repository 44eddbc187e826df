import { runService } from '@callbacks/runtime';
import { startMatcher } from './app';
import { loadMatcherSettings } from './config';

runService('matcher', loadMatcherSettings, startMatcher);
