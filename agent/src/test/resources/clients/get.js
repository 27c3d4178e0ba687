// node client of the matrix: http.get of the URL (dns.lookup on libuv's thread pool); exit 0 on 200.
const http = require('http');
const req = http.get(process.argv[2], { timeout: 20000 }, (res) => {
  res.resume();
  res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
});
req.on('error', (e) => { console.error('get.js:', e.message); process.exit(1); });
req.on('timeout', () => { console.error('get.js: timeout'); process.exit(1); });
