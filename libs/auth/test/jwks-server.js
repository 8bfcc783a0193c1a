/**
 * A tiny JWKS server for the JWT specs, run as a process of its own: `node jwks-server.js <file>`.
 * Listens on a free loopback port, prints `listening <port>` on stdout, and answers
 *   GET /jwks.json  the content of <file>, read again at every request (a spec rotates keys by
 *                   rewriting the file);
 *   GET /fetches    how many times /jwks.json was served.
 * Stops on SIGTERM or when its parent goes away (stdin closes).
 */
'use strict';
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const process = require('node:process');

const file = process.argv[2];
let fetches = 0;

const server = createServer((req, res) => {
  if (req.url === '/jwks.json') {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(readFileSync(file));
  } else if (req.url === '/fetches') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(String(fetches));
  } else {
    res.writeHead(404);
    res.end();
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
