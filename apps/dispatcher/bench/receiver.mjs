// A minimal receiver for the benchmark, in its own process (a receiver is another machine in
// real life): answers 200 at once on /ok, never answers on /hang, and on /ordered answers 500 to
// the profile "stuck" and 200 to the others. `GET /count` says how many 200s it gave. Prints its port.
import { createServer } from 'node:http';

let succeeded = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/count') return void res.end(String(succeeded));
  const ordered = req.url?.startsWith('/ordered');
  const chunks = [];
  req.on('data', (chunk) => ordered && chunks.push(chunk));
  req.on('end', () => {
    if (req.url?.startsWith('/hang')) return;
    if (ordered && Buffer.concat(chunks).includes('"profile":"stuck"'))
      return void res.writeHead(500, { 'content-length': '4' }).end('fail');
    succeeded++;
    res.writeHead(200, { 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
