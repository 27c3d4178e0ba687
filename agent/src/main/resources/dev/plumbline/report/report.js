(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('plumbline-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(ms) {
    if (ms < 1000) { return ms + ' ms'; }
    if (ms < 60000) { return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s'; }
    return Math.floor(ms / 60000) + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }
  function step(span) {
    var nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
    for (var i = 0; i < nice.length; i++) { if (span / nice[i] <= 10) { return nice[i]; } }
    return 7200000;
  }
  function highlight(pid) {
    var prev = document.querySelectorAll('.hl');
    for (var i = 0; i < prev.length; i++) { prev[i].classList.remove('hl'); }
    var li = document.getElementById('proc-' + pid);
    if (li) {
      var d = li.parentElement;
      while (d) { if (d.tagName === 'DETAILS') { d.open = true; } d = d.parentElement; }
      li.classList.add('hl');
      li.scrollIntoView({ block: 'center' });
    }
    var bar = document.getElementById('bar-' + pid);
    if (bar) { bar.classList.add('hl'); }
  }

  function drawTimeline() {
    var box = document.getElementById('timeline');
    var procs = data.procs.filter(function (p) { return p.start !== undefined; });
    if (procs.length === 0) { box.textContent = 'No process times recorded.'; return; }
    var end = data.end || 0;
    procs.forEach(function (p) { end = Math.max(end, p.end !== undefined ? p.end : p.start); });
    end = Math.max(end, 1);
    var labelW = 210, rowH = 18, top = 26, width = Math.max(box.clientWidth || 1100, 700), plotW = width - labelW - 20;
    var height = top + procs.length * rowH + 10;
    var svg = el('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, id: 'timeline-svg', role: 'img', 'aria-label': 'process timeline' }, box);
    function x(ms) { return labelW + (ms / end) * plotW; }
    var s = step(end);
    for (var t = 0; t <= end; t += s) {
      el('line', { x1: x(t), x2: x(t), y1: top - 6, y2: height, 'class': 'tl-grid' }, svg);
      var lab = el('text', { x: x(t), y: 14, 'text-anchor': 'middle', 'class': 'tl-axis' }, svg);
      lab.textContent = fmt(t);
    }
    procs.forEach(function (p, i) {
      var y = top + i * rowH;
      var label = el('text', { x: 6 + Math.min(p.depth, 8) * 8, y: y + 12, 'class': 'tl-label' }, svg);
      label.textContent = (p.label.length > 26 ? p.label.slice(0, 25) + '\u2026' : p.label);
      var pe = p.end !== undefined ? p.end : end;
      var bar = el('rect', { x: x(p.start), y: y + 3, width: Math.max(2, x(pe) - x(p.start)), height: rowH - 6, rx: 3,
        'class': 'tl-bar' + (p.ok ? '' : ' bad'), id: 'bar-' + p.pid, 'data-pid': p.pid }, svg);
      var title = el('title', {}, bar);
      title.textContent = p.label + ' (pid ' + p.pid + '): ' + fmt(p.start) + ' \u2192 ' + (p.end !== undefined ? fmt(p.end) : 'end') + ', ' + fmt(pe - p.start);
      bar.addEventListener('click', function () { highlight(p.pid); });
      (p.execs || []).forEach(function (e) {
        var tick = el('line', { x1: x(e.at), x2: x(e.at), y1: y + 1, y2: y + rowH - 1, 'class': 'tl-exec' }, svg);
        el('title', {}, tick).textContent = 'exec ' + e.name + ' at ' + fmt(e.at);
      });
    });
  }

  function setAll(open) {
    var ds = document.querySelectorAll('#tree details');
    for (var i = 0; i < ds.length; i++) { ds[i].open = open; }
  }
  var ex = document.getElementById('expand-all'), co = document.getElementById('collapse-all');
  if (ex) { ex.addEventListener('click', function () { setAll(true); }); }
  if (co) { co.addEventListener('click', function () { setAll(false); }); }
  drawTimeline();
  document.body.setAttribute('data-rendered', 'true');
})();
