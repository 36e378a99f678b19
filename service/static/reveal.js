// Questions that appear as you answer (progressive enhancement; the server decides again).
//
// The page carries its conditions as JSON syntax trees (service/forms/reveal.py). This
// script reads the answers from the form exactly as the server loads them, evaluates the
// conditions with CEL's rules and shows or hides each question. Without it, every page
// still works: the server shows newly needed questions on the next page load, without
// errors. tests/forms/test_forms_reveal.py runs `hiddenPaths` under Node against the
// server on random answers.
(function (root) {
  "use strict";

  var ERR = { error: true };
  var DAY = 86400000;

  function num(v, isInt) { return { num: v, int: !!isInt }; }
  function isNum(v) { return v !== null && typeof v === "object" && "num" in v; }
  function isTs(v) { return v !== null && typeof v === "object" && "ts" in v; }
  function isDur(v) { return v !== null && typeof v === "object" && "dur" in v; }
  function isMap(v) { return v !== null && typeof v === "object" && "map" in v; }
  function kind(v) {
    if (v === null) return "null";
    if (Array.isArray(v)) return "list";
    if (typeof v === "boolean") return "bool";
    if (typeof v === "string") return "string";
    if (isNum(v)) return "num";
    if (isTs(v)) return "ts";
    if (isDur(v)) return "dur";
    if (isMap(v)) return "map";
    return "error";
  }

  function utcDate(iso) {
    var p = iso.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }

  // A value from the server (JSON, dates tagged) as a value of this script.
  function fromJson(v) {
    if (v === null || typeof v === "boolean" || typeof v === "string") return v;
    if (typeof v === "number") return num(v, false);  // answers are doubles in CEL
    if (Array.isArray(v)) return v.map(fromJson);
    if (v.$date) return { ts: utcDate(v.$date) };
    var m = {};
    Object.keys(v).forEach(function (k) { m[k] = fromJson(v[k]); });
    return { map: m };
  }

  function equal(a, b) {
    var k = kind(a);
    if (k !== kind(b)) return false;
    if (k === "num") return a.num === b.num;
    if (k === "ts") return a.ts === b.ts;
    if (k === "dur") return a.dur === b.dur;
    if (k === "list") {
      if (a.length !== b.length) return false;
      for (var i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
      return true;
    }
    if (k === "map") {
      var ka = Object.keys(a.map), kb = Object.keys(b.map);
      if (ka.length !== kb.length) return false;
      for (var j = 0; j < ka.length; j++) {
        if (!(ka[j] in b.map) || !equal(a.map[ka[j]], b.map[ka[j]])) return false;
      }
      return true;
    }
    return a === b;
  }

  function order(a, b) {
    var k = kind(a);
    if (k !== kind(b)) return null;
    var x, y;
    if (k === "num") { x = a.num; y = b.num; }
    else if (k === "ts") { x = a.ts; y = b.ts; }
    else if (k === "dur") { x = a.dur; y = b.dur; }
    else if (k === "string" || k === "bool") { x = a; y = b; }
    else return null;
    return x < y ? -1 : x > y ? 1 : 0;
  }

  var COMPARE = {
    lt: function (c) { return c < 0; }, le: function (c) { return c <= 0; },
    gt: function (c) { return c > 0; }, ge: function (c) { return c >= 0; }
  };

  function utf8Length(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }

  function age(v, today) {
    if (!isTs(v)) return null;
    var born = new Date(v.ts), now = new Date(today);
    var years = now.getUTCFullYear() - born.getUTCFullYear();
    var before = now.getUTCMonth() < born.getUTCMonth() ||
      (now.getUTCMonth() === born.getUTCMonth() && now.getUTCDate() < born.getUTCDate());
    return num(years - (before ? 1 : 0), true);
  }

  function call(name, args, env) {
    if (name === "today") return args.length === 0 ? { ts: env.today } : ERR;
    if (args.length !== 1 || args[0] === ERR) return ERR;
    var a = args[0];
    if (name === "days") return isNum(a) ? { dur: a.num * DAY } : ERR;
    if (name === "age") return age(a, env.today);
    if (name === "size") {
      if (typeof a === "string") return num(utf8Length(a), true);
      if (Array.isArray(a)) return num(a.length, true);
      if (isMap(a)) return num(Object.keys(a.map).length, true);
    }
    return ERR;
  }

  function add(a, b, sign) {
    var ka = kind(a), kb = kind(b);
    if (ka === "num" && kb === "num") {
      return a.int === b.int ? num(a.num + sign * b.num, a.int) : ERR;
    }
    if (ka === "ts" && kb === "dur") return { ts: a.ts + sign * b.dur };
    if (ka === "dur" && kb === "dur") return { dur: a.dur + sign * b.dur };
    if (sign < 0 && ka === "ts" && kb === "ts") return { dur: a.ts - b.ts };
    if (sign > 0 && ka === "dur" && kb === "ts") return { ts: b.ts + a.dur };
    if (sign > 0 && ka === "string" && kb === "string") return a + b;
    if (sign > 0 && ka === "list" && kb === "list") return a.concat(b);
    return ERR;
  }

  function logic(op, node, env) {
    var a = evaluate(node[1], env), b = evaluate(node[2], env);
    var decisive = op === "or";
    if (a === decisive || b === decisive) return decisive;
    if (a === !decisive && b === !decisive) return !decisive;
    return ERR;
  }

  function evaluate(node, env) {
    var op = node[0], a, b;
    switch (op) {
      case "lit":
        return typeof node[1] === "number" ? num(node[1], Number.isInteger(node[1]) && !node[2]) : node[1];
      case "name":
        return node[1] in env.values ? env.values[node[1]] : null;
      case "list":
        var items = [];
        for (var i = 1; i < node.length; i++) {
          var item = evaluate(node[i], env);
          if (item === ERR) return ERR;
          items.push(item);
        }
        return items;
      case "and": case "or":
        return logic(op, node, env);
      case "not":
        a = evaluate(node[1], env);
        return typeof a === "boolean" ? !a : ERR;
      case "neg":
        a = evaluate(node[1], env);
        return isNum(a) ? num(-a.num, a.int) : ERR;
      case "if":
        a = evaluate(node[1], env);
        return typeof a === "boolean" ? evaluate(node[a ? 2 : 3], env) : ERR;
      case "call":
        return call(node[1], node.slice(2).map(function (n) { return evaluate(n, env); }), env);
      case "dot":
        a = evaluate(node[1], env);
        return isMap(a) && node[2] in a.map ? a.map[node[2]] : ERR;
    }
    a = evaluate(node[1], env);
    b = evaluate(node[2], env);
    if (a === ERR || b === ERR) return ERR;
    switch (op) {
      case "eq": return equal(a, b);
      case "ne": return !equal(a, b);
      case "in":
        if (Array.isArray(b)) return b.some(function (x) { return equal(a, x); });
        if (isMap(b)) return typeof a === "string" && a in b.map;
        return ERR;
      case "add": return add(a, b, 1);
      case "sub": return add(a, b, -1);
      case "index":
        if (Array.isArray(b) === false && Array.isArray(a) && isNum(b) && b.int) {
          return b.num >= 0 && b.num < a.length ? a[b.num] : ERR;
        }
        if (isMap(a) && typeof b === "string") return b in a.map ? a.map[b] : ERR;
        return ERR;
    }
    if (op in COMPARE) {
      var c = order(a, b);
      return c === null ? ERR : COMPARE[op](c);
    }
    return ERR;
  }

  // "Shown" exactly when the condition is true; an error or a non-bool hides.
  function holds(condition, env) {
    if (condition === null || condition === undefined) return true;
    return evaluate(condition, env) === true;
  }

  // --- Reading answers as the server loads them (service/forms/fields.py) -------------

  function first(raw) { return Array.isArray(raw) ? (raw.length ? raw[0] : null) : raw; }
  function strip(s) { return s.replace(/^\s+|\s+$/g, ""); }
  var TRUE_WORDS = ["true", "yes", "ja", "1"], FALSE_WORDS = ["false", "no", "nein", "0"];

  function validDate(y, m, d) {
    var t = Date.UTC(y, m - 1, d);
    var dt = new Date(t);
    if (y < 1 || dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
    return t;
  }

  function readDate(spec, raw) {
    var parts = raw || {};
    var d = strip(parts.day || ""), m = strip(parts.month || ""), y = strip(parts.year || "");
    if (!d && !m && !y) return null;
    var digits = /^[0-9]+$/;
    if (!(digits.test(d) && digits.test(m) && digits.test(y))) return null;
    if (String(+y).length > 4 || String(+m).length > 2 || String(+d).length > 2) return null;
    var t = validDate(+y, +m, +d);
    if (t === null) return null;
    if (spec.min && t < utcDate(spec.min)) return null;
    if (spec.max && t > utcDate(spec.max)) return null;
    return { ts: t };
  }

  function readChoices(spec, raw) {
    var chosen = [];
    (raw || []).forEach(function (v) {
      v = strip(v);
      if (v && chosen.indexOf(v) < 0) chosen.push(v);
    });
    if (!chosen.length) return null;
    if (!chosen.every(function (v) { return spec.options.indexOf(v) >= 0; })) return null;
    if (spec.minItems != null && chosen.length < spec.minItems) return null;
    if (spec.maxItems != null && chosen.length > spec.maxItems) return null;
    return chosen;
  }

  function readText(spec, raw) {
    var text = strip(raw), length = Array.from(text).length;
    if (spec.minLength != null && length < spec.minLength) return null;
    if (spec.maxLength != null && length > spec.maxLength) return null;
    return text;
  }

  // The value of one answer: `raw` is what the inputs hold (a list of strings; for dates
  // {day, month, year}). Undefined means "cannot be read here" (the server decides).
  function read(spec, raw) {
    if (spec.type === "opaque") return undefined;
    if (spec.type === "date") return readDate(spec, raw);
    if (spec.type === "checkboxes") return readChoices(spec, raw);
    var value = first(raw);
    if (typeof value !== "string" || !strip(value)) return null;
    if (spec.type === "yesno") {
      var word = strip(value).toLowerCase();
      return TRUE_WORDS.indexOf(word) >= 0 ? true : FALSE_WORDS.indexOf(word) >= 0 ? false : null;
    }
    if (spec.type === "select" || spec.type === "radio") {
      return spec.options.indexOf(strip(value)) >= 0 ? strip(value) : null;
    }
    if (spec.type === "country") {
      var code = strip(value).toUpperCase();
      return spec.options && spec.options.indexOf(code) >= 0 ? code : undefined;
    }
    if (spec.type === "text") return readText(spec, value);
    return undefined;
  }

  // --- Which questions are hidden (service/forms/answers.py, step by step) ------------

  function fixpoint(conditions, pagesHidden, rebind, rounds) {
    var hidden = {};
    for (var round = 0; round < rounds; round++) {
      var hiddenPages = pagesHidden(), next = {};
      conditions.forEach(function (c) {
        if ((c.page && hiddenPages[c.page]) || !c.decide()) {
          c.keys.forEach(function (k) { next[k] = true; });
        }
      });
      if (sameKeys(next, hidden)) break;
      hidden = next;
      rebind(hidden);
    }
    return hidden;
  }

  function sameKeys(a, b) {
    var ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every(function (k) { return b[k]; });
  }

  function decider(condition, server, reads, env) {
    // "server": the script cannot evaluate it; keep what the server decided.
    if (condition === "server" || reads.some(function (v) { return v === undefined; })) {
      return function () { return server; };
    }
    return function () { return holds(condition, env); };
  }

  // Return the paths hidden for `answers` (what the page's inputs hold, by field name as
  // posted: "key", "group-0-key"; dates as "key-day" etc.).
  function hiddenPaths(spec, answers) {
    var today = utcDate(spec.today);
    var loaded = {}, items = {};
    Object.keys(spec.values).forEach(function (k) { loaded[k] = fromJson(spec.values[k]); });
    Object.keys(spec.groups).forEach(function (k) { items[k] = readItems(spec.groups[k], k, answers); });
    Object.keys(spec.fields).forEach(function (k) {
      var f = spec.fields[k];
      loaded[k] = f.type === "group" ? groupValue(spec.groups[k], items[k]) : read(f, rawOf(f, k, answers));
    });
    var values = {};
    Object.keys(loaded).forEach(function (k) { values[k] = loaded[k]; });
    var env = { today: today, values: values };
    var serverHidden = toSet(spec.serverHidden), serverPages = toSet(spec.serverHiddenPages);
    var pages = spec.pages.map(function (p) {
      return { key: p[0], decide: decider(p[1], !serverPages[p[0]], [], env) };
    });
    var conditions = spec.conditions.map(function (c) {
      var server = !c.keys.some(function (k) { return serverHidden[k]; });
      return { keys: c.keys, page: c.page, decide: decider(c["if"], server, readsOf(c, loaded), env) };
    });
    var hidden = fixpoint(conditions, function () {
      var hp = {};
      pages.forEach(function (p) { if (!p.decide()) hp[p.key] = true; });
      return hp;
    }, function (h) {
      Object.keys(loaded).forEach(function (k) { values[k] = h[k] ? null : loaded[k]; });
    }, spec.rounds);
    var onPage = toSet(spec.onPage);
    var paths = Object.keys(hidden).filter(function (k) { return onPage[k]; });
    Object.keys(items).forEach(function (g) {
      if (hidden[g]) return;
      items[g].forEach(function (item) {
        itemHidden(spec.groups[g], item, values, today, serverHidden, g).forEach(function (k) {
          paths.push(g + "[" + item.index + "]." + k);
        });
      });
    });
    return paths.sort();
  }

  function groupValue(group, items) {
    if (!group || items.some(function (i) { return !i.empty && i.opaque; })) return undefined;
    return items.filter(function (i) { return !i.empty; }).map(function (i) {
      var m = {};
      group.itemFields.forEach(function (n) { m[n] = i.values[n]; });
      return { map: m };
    });
  }

  function readsOf(c, loaded) {
    return (c.reads || []).map(function (k) { return loaded[k]; });
  }

  function toSet(list) {
    var set = {};
    list.forEach(function (k) { set[k] = true; });
    return set;
  }

  function rawOf(f, name, answers) {
    if (f.type === "date") {
      return { day: first(answers[name + "-day"] || []), month: first(answers[name + "-month"] || []), year: first(answers[name + "-year"] || []) };
    }
    return answers[name] || [];
  }

  function readItems(group, key, answers) {
    var pattern = new RegExp("^" + key + "-([0-9]{1,6})-(\\w+?)(?:-(?:day|month|year))?$");
    var indices = {};
    Object.keys(answers).forEach(function (n) {
      var m = pattern.exec(n);
      if (m && group.fields[m[2]]) indices[+m[1]] = true;
    });
    return Object.keys(indices).map(Number).sort(function (a, b) { return a - b; }).map(function (index) {
      var values = {}, empty = true, opaque = false;
      Object.keys(group.fields).forEach(function (k) {
        var f = group.fields[k];
        var raw = rawOf(f, key + "-" + index + "-" + k, answers);
        values[k] = read(f, raw);
        if (values[k] === undefined && group.itemFields.indexOf(k) >= 0) opaque = true;
        if (!isBlank(f, raw)) empty = false;
      });
      return { index: index, values: values, empty: empty, opaque: opaque };
    });
  }

  function isBlank(f, raw) {
    if (f.type === "date") return !strip(raw.day || "") && !strip(raw.month || "") && !strip(raw.year || "");
    var list = Array.isArray(raw) ? raw : [raw];
    if (f.type === "checkboxes") return !list.some(function (v) { return v && strip(v); });
    return !list.length || list[0] === null || list[0] === undefined || !strip(list[0]);
  }

  function itemHidden(group, item, top, today, serverHidden, key) {
    var values = {};
    Object.keys(top).forEach(function (k) { values[k] = top[k]; });
    group.read.forEach(function (k) { values[k] = item.values[k]; });
    var env = { today: today, values: values };
    var prefix = key + "[" + item.index + "].";
    var conditions = group.conditions.map(function (c) {
      var server = !c.keys.some(function (k) { return serverHidden[prefix + k]; });
      var reads = (c.reads || []).map(function (k) { return values[k]; });
      return { keys: c.keys, page: null, decide: decider(c["if"], server, reads, env) };
    });
    var hidden = fixpoint(conditions, function () { return {}; }, function (h) {
      group.read.forEach(function (k) { values[k] = h[k] ? null : item.values[k]; });
    }, group.rounds);
    return Object.keys(hidden);
  }

  // --- The page ----------------------------------------------------------------------

  function formAnswers(form) {
    var answers = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === "file" || el.type === "submit") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      (answers[el.name] = answers[el.name] || []).push(el.value);
    });
    return answers;
  }

  function attach(doc) {
    var data = doc.getElementById("reveal-spec");
    if (!data) return;
    var spec = JSON.parse(data.textContent);
    var form = doc.querySelector("form[data-reveal-form]");
    var shown = form && form.querySelector("input[name=_shown]");
    if (!form || !shown) return;
    var update = function () {
      var hidden = toSet(hiddenPaths(spec, formAnswers(form)));
      var visible = [];
      Array.prototype.forEach.call(form.querySelectorAll("[data-reveal]"), function (el) {
        var path = el.getAttribute("data-reveal");
        el.hidden = !!hidden[path];
        if (!el.hidden) visible.push(path);
      });
      shown.value = visible.join(" ");
    };
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  }

  var api = { hiddenPaths: hiddenPaths, evaluate: evaluate, fromJson: fromJson, read: read };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else if (root.document) {
    root.document.addEventListener("DOMContentLoaded", function () { attach(root.document); });
  }
})(this);
