import { runService } from '@callbacks/runtime';
import { serviceTelemetry } from '@callbacks/telemetry';
import { version } from '../package.json';
import { startConfigService } from './app';
import { loadConfigServiceSettings } from './config';

runService('config-service', loadConfigServiceSettings, startConfigService, serviceTelemetry(version));
