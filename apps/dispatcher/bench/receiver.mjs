// A minimal receiver for the benchmark, in its own process (a receiver is another machine in
// real life): answers 200 at once on /ok, never answers on /hang. Prints its port.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url?.startsWith('/hang')) return;
    res.writeHead(200, { 'content-length': '2' }).end('ok');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
process.on('SIGTERM', () => process.exit(0));
