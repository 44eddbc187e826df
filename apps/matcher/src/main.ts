import { setFlagsFromString } from 'node:v8';
import { runService } from '@callbacks/runtime';
import { serviceTelemetry } from '@callbacks/telemetry';
import { version } from '../package.json';
import { startMatcher } from './app';
import { loadMatcherSettings } from './config';

// Most of a matcher's heap is its callback index, which grows as databases see their first event
// and then stays. V8 sized the heap to about twice the live data while a cold pass decoded
// databases (2.6 KiB resident per callback at 100,000 for 1.5 KiB live), and an idle service
// never gives that back. Growing it by a quarter at a time keeps it near what is live (1.8 KiB)
// for a few more full collections while the index grows.
setFlagsFromString('--heap-growing-percent=25');

runService('matcher', loadMatcherSettings, startMatcher, serviceTelemetry(version));
