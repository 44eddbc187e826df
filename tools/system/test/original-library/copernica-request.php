<?php
/**
 * What a receiver built on the original product's PHP verification library
 * (CopernicaMarketingSoftware/http-signatures-php, `Copernica\CopernicaRequest` as of its commit 5d9dc5a, the
 * one that requires `x-nonce`; an earlier one asked for a header named `nonce`) checks, step by step,
 * with its messages, re-implemented here from its documented behaviour (not copied) so that CI can hold
 * our deliveries to it. The parsing is deliberately as literal as that library's:
 *
 * - `Digest`: split on every "=", the algorithm looked up case-sensitively among IANA's lower-case names;
 * - the DKIM record: split on ";" and each tag on every "=", without trimming (so " p" is not "p", and a
 *   p= value loses its base64 padding);
 * - `Date` at most 60 s old (no lower bound), the signed-header list, `x-copernica-id` = account_<id>,
 *   and a keyId under the operator's domain.
 */

/** IANA's HTTP digest algorithm names and PHP's hash() names for them ('' = not implemented). */
const DIGEST_ALGORITHMS = [
    'adler32' => 'adler32', 'crc32c' => '', 'md5' => 'md5', 'sha' => 'sha1',
    'sha-256' => 'sha256', 'sha-512' => 'sha512', 'unixsum' => '', 'unixcksum' => '',
];

/** Headers looked up case-insensitively; the first of a name wins. */
function normalized_headers(array $headers): array
{
    $normalized = [];
    foreach ($headers as $name => $value) {
        $lower = strtolower($name);
        if (!array_key_exists($lower, $normalized)) $normalized[$lower] = $value;
    }
    return $normalized;
}

function digest_matches(string $header, string $body): bool
{
    $parts = explode('=', $header);
    $algorithm = $parts[0];
    $value = $parts[1] ?? '';
    if (!array_key_exists($algorithm, DIGEST_ALGORITHMS)) throw new Exception('Invalid hashing algorithm');
    if (DIGEST_ALGORITHMS[$algorithm] === '') throw new Exception('Algorithm not implemented');
    return hash(DIGEST_ALGORITHMS[$algorithm], $body, true) === base64_decode($value);
}

/** The `Signature` header's parameters, read with the library's regular expression. */
function parse_signature(string $header): array
{
    $fields = ['keyId' => null, 'signature' => null, 'algorithm' => null, 'headers' => ''];
    preg_match_all('/([a-zA-Z]*)="(.*?)"/', $header, $matches, PREG_SET_ORDER);
    foreach ($matches as $match) {
        if (array_key_exists($match[1], $fields)) $fields[$match[1]] = $match[2];
    }
    if ($fields['keyId'] === null) throw new Exception('KeyId not found in signature header');
    if ($fields['signature'] === null) throw new Exception('Signature not found in signature header');
    $fields['headers'] = explode(' ', $fields['headers']);
    return $fields;
}

/** The PEM public key of the first DKIM1 record among the TXT records (each its strings joined). */
function dkim_key(array $txtRecords, string $name): string
{
    foreach ($txtRecords as $record) {
        if (strpos($record, '=') === false) continue;
        $certificate = [];
        foreach (explode(';', $record) as $tuple) {
            $parts = explode('=', $tuple);
            $certificate[$parts[0]] = $parts[1] ?? null;
        }
        if (($certificate['v'] ?? null) !== 'DKIM1') continue;
        return "-----BEGIN PUBLIC KEY-----\n" . ($certificate['p'] ?? '') . "\n-----END PUBLIC KEY-----\n";
    }
    throw new Exception('no valid dkim keys found at ' . $name);
}

/**
 * Throws with the library's message when the request is not a valid webhook; returns nothing otherwise.
 * `$domainPattern` is the one line an operator other than copernica.com changes: '/\.copernica\.com$/'.
 */
function verify_copernica_request(
    array $rawHeaders, string $body, string $method, string $uri,
    string $copernicaId, string $domainPattern, callable $resolveTxt, int $now
): void {
    $headers = normalized_headers($rawHeaders);
    if (!isset($headers['digest'])) throw new Exception('Digest header is missing');
    if (!isset($headers['date'])) throw new Exception('Date header is missing');
    $date = new DateTime($headers['date']);
    if ($now - $date->getTimestamp() > 60) throw new Exception('request older than 1 minute');
    if (!isset($headers['x-copernica-id'])) throw new Exception('Copernica id header is missing');
    if (!digest_matches($headers['digest'], $body)) throw new Exception('Digest header does not match body data');

    if (!isset($headers['signature'])) throw new Exception('No signature found');
    $signature = parse_signature($headers['signature']);
    $signed = array_map('strtolower', $signature['headers']);
    foreach (['host' => 'Host', 'date' => 'Date', 'content-length' => 'Content-length',
              'content-type' => 'Content-type', 'digest' => 'Digest'] as $name => $label) {
        if (!in_array($name, $signed, true)) {
            throw new Exception("Invalid signature: the $label header is not included in the signature");
        }
    }
    if (!in_array('x-nonce', $signed, true)) throw new Exception('Invalid signature: the X-nonce header is not included in the signature');
    if (!in_array('x-copernica-id', $signed, true) || $headers['x-copernica-id'] !== $copernicaId) {
        throw new Exception('invalid signature: the x-copernica-id header is not included in the signature or has an invalid value');
    }
    if (!preg_match($domainPattern, $signature['keyId'])) throw new Exception('call is not signed by copernica.com (but by someone else)');

    $key = dkim_key($resolveTxt($signature['keyId']), $signature['keyId']);

    $lines = [];
    foreach ($signature['headers'] as $name) {
        $lower = strtolower($name);
        $lines[] = $lower === '(request-target)' ? "$lower: " . strtolower($method) . " $uri" : "$lower: " . ($headers[$lower] ?? '');
    }
    [$procedure, $hash] = array_pad(explode('-', strtolower((string) $signature['algorithm'])), 2, '');
    $valid = $procedure === 'rsa'
        && @openssl_verify(implode("\n", $lines), base64_decode($signature['signature']), $key, $hash) === 1;
    if (!$valid) throw new Exception('signature is invalid');
}
