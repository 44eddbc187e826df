import { runService } from '@callbacks/runtime';
import { serviceTelemetry } from '@callbacks/telemetry';
import { version } from '../package.json';
import { startMatcher } from './app';
import { loadMatcherSettings } from './config';

runService('matcher', loadMatcherSettings, startMatcher, serviceTelemetry(version));
