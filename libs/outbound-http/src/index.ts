export { AddressPolicy } from './address-policy';
export { BlockedAddressError, guardedLookup } from './guarded-lookup';
export {
  DeliveryHttpClient,
  describeStatus,
  parseRetryAfter,
  type ErrorClass,
  type HttpClientOptions,
  type SendOutcome,
} from './http-client';
