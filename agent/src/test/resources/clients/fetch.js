// node client of the matrix: the global fetch (undici) of the URL; exit 0 on 200.
fetch(process.argv[2], { signal: AbortSignal.timeout(20000) })
  .then(async (r) => { await r.text(); process.exit(r.status === 200 ? 0 : 1); })
  .catch((e) => { console.error('fetch.js:', e.message, e.cause ? e.cause.message : ''); process.exit(1); });
