/*
 * NAME
 *	ratelimit_lua - the Lua script that checks and counts rate limits
 * SYNOPSIS
 *	#include "ratelimit_lua.h"
 * DESCRIPTION
 *	RATELIMIT_LUA is the source of the script run by ratelimit.c (and
 *	vigiectl usage and top, in its "peek" mode), one Lua line per C
 *	line. The algorithm it implements is described in ratelimit.h;
 *	its arguments and reply in its own first lines. Lua strings use
 *	single quotes so that the text needs no escapes here.
 */
#ifndef VIGIE_RATELIMIT_LUA_H
#define VIGIE_RATELIMIT_LUA_H

#define RATELIMIT_LUA \
    "-- vigie ratelimit: check and count, atomically, every limit that applies\n" \
    "-- to one message ('check'), or read counters back for vigiectl ('peek').\n" \
    "-- The algorithm, its error bound and the key layout: lib/ratelimit.h.\n" \
    "--\n" \
    "-- check: KEYS[1] lock of the SASL user, KEYS[2] alert stream,\n" \
    "--        KEYS[3] and KEYS[4] signals (recipient domains, client\n" \
    "--        addresses of the SASL user), KEYS[4 + i] counters of limit i.\n" \
    "--   ARGV, in order: 'check' buckets stream_maxlen has_user(0|1)\n" \
    "--        signal_ms(0: off) client_addr\n" \
    "--        ndomains domain...              recipient domains, distinct\n" \
    "--        nctx (name value)...            alert fields about the message\n" \
    "--        nlimits, and for each limit: name key kind(m r b d) weight\n" \
    "--        action lock_ms(-1: no lock) tier nwin (window_ms max)...\n" \
    "--   Returns {verdict ('pass' 'over' 'locked'), signal_domains (-1: off),\n" \
    "--        signal_addrs (-1: off), lock_by, {per limit: {over_window\n" \
    "--        (0: none), count, {alert fields (name value)...}}...}}.\n" \
    "-- peek:  KEYS are counter hashes; ARGV: 'peek' buckets.\n" \
    "--   Returns per key {tier, kind, window_ms, count, max, ...}.\n" \
    "\n" \
    "local argi = 0\n" \
    "local function arg()\n" \
    "  argi = argi + 1\n" \
    "  return ARGV[argi]\n" \
    "end\n" \
    "\n" \
    "local mode = arg()\n" \
    "local buckets = tonumber(arg())\n" \
    "local t = redis.call('TIME')\n" \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n" \
    "\n" \
    "local function int(n)\n" \
    "  return string.format('%d', n)\n" \
    "end\n" \
    "\n" \
    "-- A counter hash, parsed: buckets {window, index, value, field} and\n" \
    "-- values[field] = value, stamps[domain] = last seen (ms), meta[field] =\n" \
    "-- value (t k m<w> a<w>).\n" \
    "local function load(key)\n" \
    "  local flat = redis.call('HGETALL', key)\n" \
    "  local h = {buckets = {}, values = {}, stamps = {}, meta = {}}\n" \
    "  for i = 1, #flat, 2 do\n" \
    "    local f, v = flat[i], flat[i + 1]\n" \
    "    local c = string.byte(f, 1)\n" \
    "    if c == 98 then                                   -- b<window>:<index>\n" \
    "      local colon = string.find(f, ':', 2, true)\n" \
    "      h.values[f] = tonumber(v)\n" \
    "      h.buckets[#h.buckets + 1] = {string.sub(f, 2, colon - 1),\n" \
    "        tonumber(string.sub(f, colon + 1)), h.values[f], f}\n" \
    "    elseif c == 100 then                              -- d:<domain>\n" \
    "      h.stamps[string.sub(f, 3)] = tonumber(v)\n" \
    "    else\n" \
    "      h.meta[f] = v\n" \
    "    end\n" \
    "  end\n" \
    "  return h\n" \
    "end\n" \
    "\n" \
    "-- The bucket index of now for a window, the oldest index it counts, and\n" \
    "-- the width of its buckets (remembered: many buckets share a window).\n" \
    "local spans = {}\n" \
    "local function span(w)\n" \
    "  local s = spans[w]\n" \
    "  if s == nil then\n" \
    "    local width = math.ceil(tonumber(w) / buckets)\n" \
    "    local index = math.floor(now / width)\n" \
    "    s = {index, index - buckets, width}\n" \
    "    spans[w] = s\n" \
    "  end\n" \
    "  return s[1], s[2], s[3]\n" \
    "end\n" \
    "\n" \
    "-- How much window w holds now, and how much a message adds to it.\n" \
    "local function usage(h, kind, w, weight, domains)\n" \
    "  if kind == 'd' then\n" \
    "    local since, count, new = now - tonumber(w), 0, 0\n" \
    "    for _, stamp in pairs(h.stamps) do\n" \
    "      if stamp > since then count = count + 1 end\n" \
    "    end\n" \
    "    for _, d in ipairs(domains) do\n" \
    "      local stamp = h.stamps[d]\n" \
    "      if stamp == nil or stamp <= since then new = new + 1 end\n" \
    "    end\n" \
    "    return count, new\n" \
    "  end\n" \
    "  local _, oldest = span(w)\n" \
    "  local count = 0\n" \
    "  for _, b in ipairs(h.buckets) do\n" \
    "    if b[1] == w and b[2] >= oldest then count = count + b[3] end\n" \
    "  end\n" \
    "  return count, weight\n" \
    "end\n" \
    "\n" \
    "if mode == 'peek' then\n" \
    "  local out = {}\n" \
    "  for i, key in ipairs(KEYS) do\n" \
    "    local h = load(key)\n" \
    "    local kind = h.meta.k or 'm'\n" \
    "    local row = {h.meta.t or '', kind}\n" \
    "    for f, v in pairs(h.meta) do\n" \
    "      if string.byte(f, 1) == 109 then                -- m<window>\n" \
    "        local w = string.sub(f, 2)\n" \
    "        row[#row + 1] = w\n" \
    "        row[#row + 1] = usage(h, kind, w, 0, {})\n" \
    "        row[#row + 1] = tonumber(v)\n" \
    "      end\n" \
    "    end\n" \
    "    out[i] = row\n" \
    "  end\n" \
    "  return out\n" \
    "end\n" \
    "\n" \
    "local maxlen = arg()\n" \
    "local has_user = arg() == '1'\n" \
    "local signal_ms = tonumber(arg())\n" \
    "local client_addr = arg()\n" \
    "local domains = {}\n" \
    "for i = 1, tonumber(arg()) do domains[i] = arg() end\n" \
    "local ctx = {}\n" \
    "for i = 1, 2 * tonumber(arg()) do ctx[i] = arg() end\n" \
    "\n" \
    "local limits = {}\n" \
    "for i = 1, tonumber(arg()) do\n" \
    "  local l = {key = KEYS[4 + i], name = arg(), keytext = arg(), kind = arg(),\n" \
    "    weight = tonumber(arg()), action = arg(), lock_ms = tonumber(arg()),\n" \
    "    tier = arg(), windows = {}, over = 0, count = 0}\n" \
    "  for j = 1, tonumber(arg()) do\n" \
    "    l.windows[j] = {ms = arg(), max = tonumber(arg())}\n" \
    "  end\n" \
    "  limits[i] = l\n" \
    "end\n" \
    "\n" \
    "if has_user and redis.call('EXISTS', KEYS[1]) == 1 then\n" \
    "  return {'locked', -1, -1, redis.call('HGET', KEYS[1], 'by') or '', {}}\n" \
    "end\n" \
    "\n" \
    "-- Signals: what a SASL user's mail reveals besides its volume.\n" \
    "local function signal(key, members)\n" \
    "  if signal_ms <= 0 or not has_user then return -1 end\n" \
    "  local add = {}\n" \
    "  for _, m in ipairs(members) do\n" \
    "    if m ~= '' then\n" \
    "      add[#add + 1] = now\n" \
    "      add[#add + 1] = m\n" \
    "    end\n" \
    "  end\n" \
    "  if #add > 0 then redis.call('ZADD', key, unpack(add)) end\n" \
    "  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - signal_ms)\n" \
    "  redis.call('PEXPIRE', key, signal_ms)\n" \
    "  local n = redis.call('ZCARD', key)\n" \
    "  if n > 1000 then                                    -- keep the newest 1000\n" \
    "    redis.call('ZREMRANGEBYRANK', key, 0, n - 1001)\n" \
    "    n = 1000\n" \
    "  end\n" \
    "  return n\n" \
    "end\n" \
    "local signal_domains = signal(KEYS[3], domains)\n" \
    "local signal_addrs = signal(KEYS[4], {client_addr})\n" \
    "\n" \
    "-- Read every limit; the first window that the message would overflow.\n" \
    "local any_over = false\n" \
    "for _, l in ipairs(limits) do\n" \
    "  l.h = load(l.key)\n" \
    "  for j, w in ipairs(l.windows) do\n" \
    "    local count, add = usage(l.h, l.kind, w.ms, l.weight, domains)\n" \
    "    w.count, w.add = count, add\n" \
    "    if l.over == 0 and count + add > w.max then\n" \
    "      l.over, l.count, any_over = j, count, true\n" \
    "    end\n" \
    "    if j == 1 and l.over == 0 then l.count = count + add end\n" \
    "  end\n" \
    "end\n" \
    "\n" \
    "-- The longest window of a limit, and the time to live of its hash: that\n" \
    "-- window and one bucket (a bucket still counted may be that old).\n" \
    "local function longest(l)\n" \
    "  local ms = 0\n" \
    "  for _, w in ipairs(l.windows) do ms = math.max(ms, tonumber(w.ms)) end\n" \
    "  return ms\n" \
    "end\n" \
    "\n" \
    "local function keep(l)\n" \
    "  local ms = longest(l)\n" \
    "  local _, _, width = span(ms)\n" \
    "  redis.call('PEXPIRE', l.key, ms + width + 1000)\n" \
    "end\n" \
    "\n" \
    "local function alert(l)\n" \
    "  local w = l.windows[l.over]\n" \
    "  local a = 'a' .. w.ms\n" \
    "  if tonumber(l.h.meta[a] or '0') > now then return {} end\n" \
    "  redis.call('HSET', l.key, a, int(now + tonumber(w.ms)))\n" \
    "  keep(l)\n" \
    "  local fields = {'kind', 'limit', 'limit', l.name, 'key', l.keytext, 'tier', l.tier,\n" \
    "    'window', int(tonumber(w.ms) / 1000), 'count', int(w.count), 'adds', int(w.add),\n" \
    "    'max', int(w.max),\n" \
    "    'action', l.action, 'time', int(now / 1000)}\n" \
    "  for _, v in ipairs(ctx) do fields[#fields + 1] = v end\n" \
    "  local entry = {'XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*'}\n" \
    "  for _, v in ipairs(fields) do entry[#entry + 1] = v end\n" \
    "  redis.call(unpack(entry))\n" \
    "  return fields\n" \
    "end\n" \
    "\n" \
    "local function lock(l)\n" \
    "  if l.lock_ms < 0 or not has_user then return end\n" \
    "  local until_s = 0\n" \
    "  if l.lock_ms > 0 then until_s = math.floor((now + l.lock_ms) / 1000) end\n" \
    "  redis.call('HSET', KEYS[1], 'by', l.name, 'reason', 'limit ' .. l.name .. ' crossed',\n" \
    "    'since', int(now / 1000), 'until', int(until_s))\n" \
    "  if l.lock_ms > 0 then redis.call('PEXPIRE', KEYS[1], l.lock_ms) end\n" \
    "end\n" \
    "\n" \
    "-- Count the message in every limit; drop what fell out of the windows.\n" \
    "local function count(l)\n" \
    "  local fields, stale, wanted = {}, {}, {}\n" \
    "  local function set(f, v)\n" \
    "    if l.h.meta[f] ~= v then\n" \
    "      fields[#fields + 1] = f\n" \
    "      fields[#fields + 1] = v\n" \
    "    end\n" \
    "  end\n" \
    "  for _, w in ipairs(l.windows) do\n" \
    "    wanted[w.ms] = true\n" \
    "    set('m' .. w.ms, int(w.max))\n" \
    "    if l.kind ~= 'd' then\n" \
    "      local f = 'b' .. w.ms .. ':' .. int(span(w.ms))\n" \
    "      fields[#fields + 1] = f\n" \
    "      fields[#fields + 1] = int((l.h.values[f] or 0) + l.weight)\n" \
    "    end\n" \
    "  end\n" \
    "  for _, b in ipairs(l.h.buckets) do\n" \
    "    local _, oldest = span(b[1])\n" \
    "    if not wanted[b[1]] or b[2] < oldest then stale[#stale + 1] = b[4] end\n" \
    "  end\n" \
    "  for f in pairs(l.h.meta) do\n" \
    "    local c = string.byte(f, 1)\n" \
    "    if (c == 109 or c == 97) and not wanted[string.sub(f, 2)] then      -- m<w> a<w>\n" \
    "      stale[#stale + 1] = f\n" \
    "    end\n" \
    "  end\n" \
    "  local since = now - longest(l)\n" \
    "  for d, stamp in pairs(l.h.stamps) do\n" \
    "    if stamp <= since then stale[#stale + 1] = 'd:' .. d end\n" \
    "  end\n" \
    "  if l.kind == 'd' then\n" \
    "    for _, d in ipairs(domains) do\n" \
    "      fields[#fields + 1] = 'd:' .. d\n" \
    "      fields[#fields + 1] = int(now)\n" \
    "    end\n" \
    "  end\n" \
    "  set('t', l.tier)\n" \
    "  set('k', l.kind)\n" \
    "  if #fields > 0 then redis.call('HSET', l.key, unpack(fields)) end\n" \
    "  if #stale > 0 then redis.call('HDEL', l.key, unpack(stale)) end\n" \
    "  keep(l)\n" \
    "end\n" \
    "\n" \
    "local results = {}\n" \
    "for i, l in ipairs(limits) do\n" \
    "  local fields = {}\n" \
    "  if any_over then\n" \
    "    if l.over > 0 then\n" \
    "      fields = alert(l)\n" \
    "      lock(l)\n" \
    "    end\n" \
    "  else\n" \
    "    count(l)\n" \
    "  end\n" \
    "  results[i] = {l.over, l.count, fields}\n" \
    "end\n" \
    "local verdict = 'pass'\n" \
    "if any_over then verdict = 'over' end\n" \
    "return {verdict, signal_domains, signal_addrs, '', results}\n"

#endif
