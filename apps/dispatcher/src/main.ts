import { runService } from '@callbacks/runtime';
import { serviceTelemetry } from '@callbacks/telemetry';
import { version } from '../package.json';
import { startDispatcher } from './app';
import { loadDispatcherSettings } from './config';

runService('dispatcher', loadDispatcherSettings, startDispatcher, serviceTelemetry(version));
