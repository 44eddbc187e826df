<?php
/**
 * A webhook receiver for PHP's built-in server (`php -S 127.0.0.1:<port> receiver.php`) that checks
 * each request the way receivers built on the original product's PHP library do
 * (copernica-request.php) and answers 200, or 403 with the library's reason. Settings come from the
 * environment: CALLBACKS_ACCOUNT (the expected X-Copernica-ID), CALLBACKS_KEY_DOMAIN_PATTERN (the
 * one line such a receiver changes: '/\.copernica\.com$/' in a stock copy), CALLBACKS_DNS_SERVER
 * (host:port of the name server that publishes the keys) and CALLBACKS_LOG (a file that gets one
 * JSON line per request, with what the receiver saw and its verdict).
 */
require __DIR__ . '/copernica-request.php';

/**
 * The TXT records at $name, each record's strings joined, asked over TCP from the configured server
 * (PHP's dns_get_record only asks the system's resolver, which does not know the test's server).
 */
function resolve_txt(string $name): array
{
    $socket = stream_socket_client('tcp://' . getenv('CALLBACKS_DNS_SERVER'), $errno, $error, 5);
    if ($socket === false) throw new Exception("DNS server unreachable: $error");
    $question = '';
    foreach (explode('.', rtrim($name, '.')) as $label) $question .= chr(strlen($label)) . $label;
    $query = pack('nnnnnn', random_int(0, 0xffff), 0x0100, 1, 0, 0, 0) . $question . "\0" . pack('nn', 16, 1);
    fwrite($socket, pack('n', strlen($query)) . $query);
    $length = unpack('n', fread($socket, 2))[1];
    $answer = '';
    while (strlen($answer) < $length && !feof($socket)) $answer .= fread($socket, $length - strlen($answer));
    fclose($socket);

    $count = unpack('n', substr($answer, 6, 2))[1];
    $offset = 12;
    $offset = skip_name($answer, $offset) + 4;
    $records = [];
    for ($i = 0; $i < $count; $i++) {
        $offset = skip_name($answer, $offset);
        ['type' => $type, 'length' => $rdLength] = unpack('ntype/nclass/Nttl/nlength', substr($answer, $offset, 10));
        $offset += 10;
        if ($type === 16) {
            $text = '';
            for ($at = $offset; $at < $offset + $rdLength; $at += 1 + ord($answer[$at])) $text .= substr($answer, $at + 1, ord($answer[$at]));
            $records[] = $text;
        }
        $offset += $rdLength;
    }
    return $records;
}

function skip_name(string $message, int $offset): int
{
    while (true) {
        $length = ord($message[$offset]);
        if ($length === 0) return $offset + 1;
        if (($length & 0xc0) === 0xc0) return $offset + 2;
        $offset += 1 + $length;
    }
}

$body = file_get_contents('php://input');
$headers = apache_request_headers();
try {
    verify_copernica_request(
        $headers, $body, $_SERVER['REQUEST_METHOD'], $_SERVER['REQUEST_URI'],
        'account_' . getenv('CALLBACKS_ACCOUNT'), getenv('CALLBACKS_KEY_DOMAIN_PATTERN'), 'resolve_txt', time()
    );
    $verdict = 'verified';
    http_response_code(200);
} catch (Throwable $exception) {
    $verdict = $exception->getMessage();
    http_response_code(403);
}
file_put_contents(getenv('CALLBACKS_LOG'), json_encode([
    'uri' => $_SERVER['REQUEST_URI'], 'headers' => $headers, 'body' => base64_encode($body), 'verdict' => $verdict,
]) . "\n", FILE_APPEND | LOCK_EX);
header('Content-Type: text/plain');
echo $verdict === 'verified' ? "verified\n" : "Invalid webhook call: $verdict\n";
