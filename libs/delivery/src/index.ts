export { buildPayload, formatTimestamp, type Payload } from './payload';
export { renderBody, renderForm, renderXml, type RenderedBody } from './render';
export {
  prepareDeliveryRequest,
  IDEMPOTENCY_HEADER,
  ATTEMPT_HEADER,
  SEQUENCE_HEADER,
  USER_AGENT,
  type DeliveryRequest,
} from './request';
export { signDelivery, secretKindOf, secretContext, type SigningKeys } from './sign';
