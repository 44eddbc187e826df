import { runService } from '@callbacks/runtime';
import { startConfigService } from './app';
import { loadConfigServiceSettings } from './config';

runService('config-service', loadConfigServiceSettings, startConfigService);
