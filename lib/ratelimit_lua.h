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
    "-- check: several messages, one after the other (a batch of vigie-policyd).\n" \
    "--   KEYS: the alert stream, then for each message its SASL user's lock\n" \
    "--        and signals (recipient domains, client addresses), then the\n" \
    "--        counters of each of its limits.\n" \
    "--   ARGV, in order: 'check' buckets stream_maxlen nmessages, then for\n" \
    "--        each message: has_user(0|1) signal_ms(0: off) client_addr\n" \
    "--        ndomains domain...              recipient domains, distinct\n" \
    "--        nctx (name value)...            alert fields about the message\n" \
    "--        nlimits, and for each limit: name key kind(m r b d) weight\n" \
    "--        action lock_ms(-1: no lock) tier shape nwin (window_ms max)...\n" \
    "--        (shape: the kind and the windows' ms, blank-separated)\n" \
    "--   Returns for each message {verdict ('pass' 'over' 'locked'),\n" \
    "--        signal_domains (-1: off), signal_addrs (-1: off), lock_by,\n" \
    "--        {per limit: {over_window (0: none), count, {alert fields\n" \
    "--        (name value)...}}...}}.\n" \
    "-- peek:  KEYS are counter hashes; ARGV: 'peek' buckets.\n" \
    "--   Returns per key {tier, kind, window_ms, count, max, ...}.\n" \
    "--\n" \
    "-- Cost: 'check' reads only the fields it needs (the running sum s<w>\n" \
    "-- of each window, and the buckets that fell out of it since the last\n" \
    "-- message), so it does not grow with the number of buckets; a limit\n" \
    "-- on distinct domains, and 'peek', read the whole hash.\n" \
    "\n" \
    "local mode = ARGV[1]\n" \
    "local buckets = tonumber(ARGV[2])\n" \
    "local t = redis.call('TIME')\n" \
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n" \
    "\n" \
    "-- The bucket index of now for a window of w ms, the oldest index it\n" \
    "-- counts, and the width of its buckets.\n" \
    "local function span(w)\n" \
    "  local width = math.ceil(w / buckets)\n" \
    "  local index = math.floor(now / width)\n" \
    "  return index, index - buckets, width\n" \
    "end\n" \
    "\n" \
    "-- What every message of this call shares about a window of ms (text):\n" \
    "-- its span and the names of its fields, made once.\n" \
    "local windows_seen = {}\n" \
    "local function window_of(ms)\n" \
    "  local seen = windows_seen[ms]\n" \
    "  if seen == nil then\n" \
    "    local index, oldest, width = span(tonumber(ms))\n" \
    "    seen = {index = index, oldest = oldest, width = width, ms = tonumber(ms),\n" \
    "      s = 's' .. ms, o = 'o' .. ms, m = 'm' .. ms, b = 'b' .. ms .. ':' .. index}\n" \
    "    windows_seen[ms] = seen\n" \
    "  end\n" \
    "  return seen\n" \
    "end\n" \
    "\n" \
    "-- A whole counter hash, parsed: buckets {window, index, value},\n" \
    "-- stamps[domain] = last seen (ms), meta[field] = value (other fields).\n" \
    "local function load(key)\n" \
    "  local flat = redis.call('HGETALL', key)\n" \
    "  local h = {buckets = {}, stamps = {}, meta = {}}\n" \
    "  for i = 1, #flat, 2 do\n" \
    "    local f, v = flat[i], flat[i + 1]\n" \
    "    local c = string.byte(f, 1)\n" \
    "    if c == 98 then                                   -- b<window>:<index>\n" \
    "      local colon = string.find(f, ':', 2, true)\n" \
    "      h.buckets[#h.buckets + 1] = {tonumber(string.sub(f, 2, colon - 1)),\n" \
    "        tonumber(string.sub(f, colon + 1)), tonumber(v)}\n" \
    "    elseif c == 100 then                              -- d:<domain>\n" \
    "      h.stamps[string.sub(f, 3)] = tonumber(v)\n" \
    "    else\n" \
    "      h.meta[f] = v\n" \
    "    end\n" \
    "  end\n" \
    "  return h\n" \
    "end\n" \
    "\n" \
    "-- How many distinct domains h saw within w ms.\n" \
    "local function stamps_within(h, w)\n" \
    "  local since, count = now - w, 0\n" \
    "  for _, stamp in pairs(h.stamps) do\n" \
    "    if stamp > since then count = count + 1 end\n" \
    "  end\n" \
    "  return count\n" \
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
    "        local wtext = string.sub(f, 2)\n" \
    "        local w = tonumber(wtext)\n" \
    "        local count = 0\n" \
    "        if kind == 'd' then\n" \
    "          count = stamps_within(h, w)\n" \
    "        else\n" \
    "          local _, oldest = span(w)\n" \
    "          for _, b in ipairs(h.buckets) do\n" \
    "            if b[1] == w and b[2] >= oldest then count = count + b[3] end\n" \
    "          end\n" \
    "        end\n" \
    "        row[#row + 1] = wtext\n" \
    "        row[#row + 1] = count\n" \
    "        row[#row + 1] = tonumber(v)\n" \
    "      end\n" \
    "    end\n" \
    "    out[i] = row\n" \
    "  end\n" \
    "  return out\n" \
    "end\n" \
    "\n" \
    "local maxlen = ARGV[3]\n" \
    "local none = {}                                       -- no alert fields\n" \
    "\n" \
    "local function int(n)\n" \
    "  return string.format('%d', n)\n" \
    "end\n" \
    "\n" \
    "-- The message being checked, set by check() for the functions below.\n" \
    "local has_user, signal_ms, client_addr, domains, ctx_at, ctx_n, lock_key\n" \
    "\n" \
    "-- Signals: what a SASL user's mail reveals besides its volume.\n" \
    "local function signal(key, members)\n" \
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
    "\n" \
    "-- Read a limit: per window w, its count now (w.count), what the message\n" \
    "-- adds (w.add), where its fields are in the HMGET (w.at: s o b), and the\n" \
    "-- buckets that fell out of it (w.stale, or false). The field w holds\n" \
    "-- the kind and the windows last counted (l.shape), so that a change\n" \
    "-- of either is seen.\n" \
    "local function read(l)\n" \
    "  local names = {'w'}\n" \
    "  for _, w in ipairs(l.windows) do\n" \
    "    local seen = window_of(w.ms)\n" \
    "    w.seen = seen\n" \
    "    l.longest = math.max(l.longest, seen.ms)\n" \
    "    if l.kind ~= 'd' then\n" \
    "      w.index, w.oldest = seen.index, seen.oldest\n" \
    "      w.at = #names + 1\n" \
    "      names[w.at] = seen.s\n" \
    "      names[w.at + 1] = seen.o\n" \
    "      names[w.at + 2] = seen.b\n" \
    "    end\n" \
    "  end\n" \
    "  local v = redis.call('HMGET', l.key, unpack(names))\n" \
    "  l.shape_stored = v[1]\n" \
    "  if l.kind == 'd' then\n" \
    "    l.h = load(l.key)\n" \
    "  end\n" \
    "  for _, w in ipairs(l.windows) do\n" \
    "    local at = w.at\n" \
    "    if l.kind == 'd' then\n" \
    "      w.count, w.add = stamps_within(l.h, tonumber(w.ms)), 0\n" \
    "      for _, d in ipairs(domains) do\n" \
    "        local stamp = l.h.stamps[d]\n" \
    "        if stamp == nil or stamp <= now - tonumber(w.ms) then w.add = w.add + 1 end\n" \
    "      end\n" \
    "    else\n" \
    "      local sum, from = tonumber(v[at] or '0'), tonumber(v[at + 1] or w.oldest)\n" \
    "      w.current = tonumber(v[at + 2] or '0')\n" \
    "      if from < w.oldest then                        -- buckets that fell out\n" \
    "        w.stale = {}\n" \
    "        for i = from, math.min(w.oldest - 1, from + buckets) do\n" \
    "          w.stale[#w.stale + 1] = 'b' .. w.ms .. ':' .. i\n" \
    "        end\n" \
    "        for _, n in ipairs(redis.call('HMGET', l.key, unpack(w.stale))) do\n" \
    "          sum = sum - tonumber(n or '0')\n" \
    "        end\n" \
    "      end\n" \
    "      w.count, w.add = math.max(sum, 0), l.weight\n" \
    "      w.from = math.max(from, w.oldest)\n" \
    "      if w.seen.ms == l.longest and w.current == 0 then l.renew = true end\n" \
    "    end\n" \
    "  end\n" \
    "end\n" \
    "\n" \
    "-- Renew a limit's hash for its longest window and one bucket more (a\n" \
    "-- bucket still counted may be that old).\n" \
    "local function keep(l)\n" \
    "  local width = math.ceil(l.longest / buckets)\n" \
    "  redis.call('PEXPIRE', l.key, l.longest + width + 1000)\n" \
    "end\n" \
    "\n" \
    "local function alert(l)\n" \
    "  local w = l.windows[l.over]\n" \
    "  local mark = 'a' .. w.ms\n" \
    "  if tonumber(redis.call('HGET', l.key, mark) or '0') > now then return none end\n" \
    "  redis.call('HSET', l.key, mark, int(now + tonumber(w.ms)))\n" \
    "  keep(l)\n" \
    "  local fields = {'kind', 'limit', 'limit', l.name, 'key', l.keytext, 'tier', l.tier,\n" \
    "    'window', int(tonumber(w.ms) / 1000), 'count', int(w.count), 'adds', int(w.add),\n" \
    "    'max', int(w.max),\n" \
    "    'action', l.action, 'time', int(now / 1000)}\n" \
    "  for i = ctx_at, ctx_at + ctx_n - 1 do fields[#fields + 1] = ARGV[i] end\n" \
    "  local entry = {'XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*'}\n" \
    "  for _, v in ipairs(fields) do entry[#entry + 1] = v end\n" \
    "  redis.call(unpack(entry))\n" \
    "  return fields\n" \
    "end\n" \
    "\n" \
    "local function lock(l)\n" \
    "  if l.lock_ms < 0 or not has_user then return end\n" \
    "  local until_s = 0\n" \
    "  if l.lock_ms > 0 then until_s = math.floor((now + l.lock_ms) / 1000) end\n" \
    "  redis.call('HSET', lock_key, 'by', l.name, 'reason', 'limit ' .. l.name .. ' crossed',\n" \
    "    'since', int(now / 1000), 'until', int(until_s))\n" \
    "  if l.lock_ms > 0 then redis.call('PEXPIRE', lock_key, l.lock_ms) end\n" \
    "end\n" \
    "\n" \
    "-- Fields a limit no longer uses: its windows or its kind changed.\n" \
    "local function unwanted(l)\n" \
    "  local wanted, stale = {}, {}\n" \
    "  for _, w in ipairs(l.windows) do wanted[w.ms] = true end\n" \
    "  for _, f in ipairs(redis.call('HKEYS', l.key)) do\n" \
    "    local c = string.byte(f, 1)\n" \
    "    local colon = string.find(f, ':', 2, true) or (#f + 1)\n" \
    "    local of_window = wanted[string.sub(f, 2, colon - 1)]\n" \
    "    if c == 100 then                                  -- d:<domain>\n" \
    "      if l.kind ~= 'd' then stale[#stale + 1] = f end\n" \
    "    elseif c == 98 or c == 115 or c == 111 then       -- b<w>:<i> s<w> o<w>\n" \
    "      if l.kind == 'd' or not of_window then stale[#stale + 1] = f end\n" \
    "    elseif c == 109 or c == 97 then                   -- m<w> a<w>\n" \
    "      if not of_window then stale[#stale + 1] = f end\n" \
    "    end\n" \
    "  end\n" \
    "  return stale\n" \
    "end\n" \
    "\n" \
    "-- Add field f = v to fields, unless v is what the hash holds (old).\n" \
    "local function put(fields, f, v, old)\n" \
    "  if old ~= v then\n" \
    "    fields[#fields + 1] = f\n" \
    "    fields[#fields + 1] = v\n" \
    "  end\n" \
    "end\n" \
    "\n" \
    "-- Count the message in a limit; drop what fell out of its windows.\n" \
    "local function count(l)\n" \
    "  local fields, stale = {'t', l.tier, 'k', l.kind}, {}\n" \
    "  if l.shape_stored and l.shape_stored ~= l.shape then stale = unwanted(l) end\n" \
    "  if l.shape_stored ~= l.shape then put(fields, 'w', l.shape) end\n" \
    "  for _, w in ipairs(l.windows) do\n" \
    "    local seen = w.seen\n" \
    "    -- (numbers go to Redis as integers: below 1e14, %.14g writes every digit)\n" \
    "    put(fields, seen.m, w.max)\n" \
    "    if l.kind ~= 'd' then\n" \
    "      put(fields, seen.b, w.current + l.weight)\n" \
    "      put(fields, seen.s, w.count + l.weight)\n" \
    "      put(fields, seen.o, w.from)\n" \
    "      if w.stale then\n" \
    "        for _, f in ipairs(w.stale) do stale[#stale + 1] = f end\n" \
    "      end\n" \
    "    end\n" \
    "  end\n" \
    "  if l.kind == 'd' then\n" \
    "    local since = now - l.longest\n" \
    "    for d, stamp in pairs(l.h.stamps) do\n" \
    "      if stamp <= since then stale[#stale + 1] = 'd:' .. d end\n" \
    "    end\n" \
    "    for _, d in ipairs(domains) do put(fields, 'd:' .. d, int(now)) end\n" \
    "  end\n" \
    "  if #stale > 0 then redis.call('HDEL', l.key, unpack(stale)) end\n" \
    "  redis.call('HSET', l.key, unpack(fields))\n" \
    "  -- The time to live, set when a bucket of the longest window begins,\n" \
    "  -- outlasts every unit counted in that bucket: renewing it meanwhile\n" \
    "  -- changes nothing.\n" \
    "  if l.kind == 'd' or l.renew then keep(l) end\n" \
    "end\n" \
    "\n" \
    "-- check - the next message: its arguments from ARGV[argi], its keys\n" \
    "-- from KEYS[keyi]; both move past them.\n" \
    "local argi, keyi = 5, 2\n" \
    "local function check()\n" \
    "  has_user = ARGV[argi] == '1'\n" \
    "  signal_ms = tonumber(ARGV[argi + 1])\n" \
    "  client_addr = ARGV[argi + 2]\n" \
    "  domains = {}\n" \
    "  for i = 1, tonumber(ARGV[argi + 3]) do domains[i] = ARGV[argi + 3 + i] end\n" \
    "  argi = argi + 4 + #domains\n" \
    "  ctx_at, ctx_n = argi + 1, 2 * tonumber(ARGV[argi])  -- read by alert() alone\n" \
    "  argi = argi + ctx_n + 1\n" \
    "  lock_key = KEYS[keyi]\n" \
    "  local sig_domains_key, sig_addrs_key = KEYS[keyi + 1], KEYS[keyi + 2]\n" \
    "  local limits = {}\n" \
    "  for i = 1, tonumber(ARGV[argi]) do\n" \
    "    -- every field named here, so that the table never grows\n" \
    "    local l = {key = KEYS[keyi + 2 + i], name = ARGV[argi + 1], keytext = ARGV[argi + 2],\n" \
    "      kind = ARGV[argi + 3], weight = tonumber(ARGV[argi + 4]), action = ARGV[argi + 5],\n" \
    "      lock_ms = tonumber(ARGV[argi + 6]), tier = ARGV[argi + 7], shape = ARGV[argi + 8],\n" \
    "      windows = {}, over = 0, count = 0, longest = 0, h = false, shape_stored = false,\n" \
    "      renew = false}\n" \
    "    local nwin = tonumber(ARGV[argi + 9])\n" \
    "    for j = 1, nwin do\n" \
    "      l.windows[j] = {ms = ARGV[argi + 8 + 2 * j], max = tonumber(ARGV[argi + 9 + 2 * j]),\n" \
    "        seen = false, at = 0, index = 0, oldest = 0, current = 0, count = 0, add = 0,\n" \
    "        from = 0, stale = false}\n" \
    "    end\n" \
    "    argi = argi + 9 + 2 * nwin\n" \
    "    limits[i] = l\n" \
    "  end\n" \
    "  argi = argi + 1\n" \
    "  keyi = keyi + 3 + #limits\n" \
    "\n" \
    "  if has_user and redis.call('EXISTS', lock_key) == 1 then\n" \
    "    return {'locked', -1, -1, redis.call('HGET', lock_key, 'by') or '', none}\n" \
    "  end\n" \
    "  local signal_domains, signal_addrs = -1, -1\n" \
    "  if signal_ms > 0 and has_user then\n" \
    "    signal_domains = signal(sig_domains_key, domains)\n" \
    "    signal_addrs = signal(sig_addrs_key, {client_addr})\n" \
    "  end\n" \
    "\n" \
    "  -- Read every limit; the first window that the message would overflow.\n" \
    "  local any_over = false\n" \
    "  for _, l in ipairs(limits) do\n" \
    "    read(l)\n" \
    "    for j, w in ipairs(l.windows) do\n" \
    "      if l.over == 0 and w.count + w.add > w.max then\n" \
    "        l.over, l.count, any_over = j, w.count, true\n" \
    "      end\n" \
    "      if j == 1 and l.over == 0 then l.count = w.count + w.add end\n" \
    "    end\n" \
    "  end\n" \
    "\n" \
    "  -- All or nothing: counted in every limit, or alerts and locks.\n" \
    "  local results = {}\n" \
    "  for i, l in ipairs(limits) do\n" \
    "    local fields = none\n" \
    "    if any_over then\n" \
    "      if l.over > 0 then\n" \
    "        fields = alert(l)\n" \
    "        lock(l)\n" \
    "      end\n" \
    "    else\n" \
    "      count(l)\n" \
    "    end\n" \
    "    results[i] = {l.over, l.count, fields}\n" \
    "  end\n" \
    "  local verdict = 'pass'\n" \
    "  if any_over then verdict = 'over' end\n" \
    "  return {verdict, signal_domains, signal_addrs, '', results}\n" \
    "end\n" \
    "\n" \
    "local replies = {}\n" \
    "for m = 1, tonumber(ARGV[4]) do replies[m] = check() end\n" \
    "return replies\n"

#endif
