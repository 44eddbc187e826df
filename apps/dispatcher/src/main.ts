import { runService } from '@callbacks/runtime';
import { startDispatcher } from './app';
import { loadDispatcherSettings } from './config';

runService('dispatcher', loadDispatcherSettings, startDispatcher);
