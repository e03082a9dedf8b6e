package redis

import goredis "github.com/redis/go-redis/v9"

// The Lua scripts. Every script that writes takes the call's deadline
// (Unix milliseconds) and refuses to run once Redis's own clock (TIME) has
// reached it, so a write whose caller gave up cannot be applied afterwards.
// Expiries and the engine's clock are Unix nanoseconds as decimal text
// (19 digits today), which Lua's doubles cannot hold exactly, so they are
// compared as two numbers: the seconds and the nanoseconds below them.
//
// Keys of a bucket (see the package doc): KEYS are the key's hash, the index
// (sorted set of keys, all scores 0), the expiry set (sorted set of keys
// with an expiry, scored by the expiry in milliseconds) and the bucket's
// meta hash (s: the revision counter; d??: the last deletion of a shard).
const prelude = `
local function split(s)
  local n = #s
  if n <= 9 then return 0, tonumber(s) end
  return tonumber(string.sub(s, 1, n - 9)), tonumber(string.sub(s, n - 8))
end
local function expired(e, now)
  if not e then return false end
  local eh, el = split(e)
  local nh, nl = split(now)
  return nh > eh or (nh == eh and nl >= el)
end
local function late(dl)
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) >= tonumber(dl)
end
local function shard(key)
  return 'd' .. string.sub(redis.sha1hex(key), 1, 2)
end
-- state returns the value (false if absent or expired), the revision
-- (false if the key has no entry), the expiry (false for none) and whether
-- the entry has expired.
local function state(k, now)
  local h = redis.call('HMGET', k, 'v', 'r', 'e')
  if not h[2] then return false, false, false, false end
  if expired(h[3], now) then return false, h[2], h[3], true end
  return h[1], h[2], h[3], false
end
local function version(k, meta, key, now)
  local v, r, e, x = state(k, now)
  if v then return r, v, e end
  if x then return 'x' .. r, false, false end
  return redis.call('HGET', meta, shard(key)) or '0', false, false
end
local function put(k, idx, xs, meta, key, val, exp)
  local seq = redis.call('HINCRBY', meta, 's', 1)
  if exp == '' then
    redis.call('HSET', k, 'v', val, 'r', seq)
    if redis.call('HDEL', k, 'e') == 1 then redis.call('ZREM', xs, key) end
  else
    redis.call('HSET', k, 'v', val, 'r', seq, 'e', exp)
    local ms = '0'
    if #exp > 6 then ms = string.sub(exp, 1, #exp - 6) end
    redis.call('ZADD', xs, ms, key)
  end
  redis.call('ZADD', idx, 0, key)
  return seq
end
local function remove(k, idx, xs, meta, key)
  redis.call('DEL', k)
  redis.call('ZREM', idx, key)
  redis.call('ZREM', xs, key)
  local seq = redis.call('HINCRBY', meta, 's', 1)
  redis.call('HSET', meta, shard(key), seq)
end
`

// setScript: ARGV key, deadline, now, value, expiry ("" for none),
// if-absent ("1" or "0"). Returns the new revision, or -1 if the key is
// present and if-absent was asked.
var setScript = goredis.NewScript(prelude + `
local k, idx, xs, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, dl, now = ARGV[1], ARGV[2], ARGV[3]
if late(dl) then return redis.error_reply('WITGO_LATE the call deadline passed before Redis ran it') end
if ARGV[6] == '1' then
  local v = state(k, now)
  if v then return -1 end
end
return put(k, idx, xs, meta, key, ARGV[4], ARGV[5])
`)

// deleteScript: ARGV key, deadline, now. Removes the key's entry, present
// or expired (an expired entry is absent already; removing it is what a
// listing's sweep would do). Returns 1 if the key was present, else 0.
var deleteScript = goredis.NewScript(prelude + `
local k, idx, xs, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, dl, now = ARGV[1], ARGV[2], ARGV[3]
if late(dl) then return redis.error_reply('WITGO_LATE the call deadline passed before Redis ran it') end
local v, r = state(k, now)
if not r then return 0 end
remove(k, idx, xs, meta, key)
if v then return 1 end
return 0
`)

// getVersionedScript: ARGV key, now. Returns {1, value, version} for a
// present key and {0, "", version} for an absent one.
var getVersionedScript = goredis.NewScript(prelude + `
local k, meta = KEYS[1], KEYS[4]
local ver, v = version(k, meta, ARGV[1], ARGV[2])
if v then return {1, v, ver} end
return {0, '', ver}
`)

// updateScript: ARGV key, deadline, now, expected version, value, keep
// ("1": keep the expiry of a present entry; "0": store without expiry, as
// a swap does). Writes only if the key's version is the
// expected one. Returns {1, new revision} or {0, current version}.
var updateScript = goredis.NewScript(prelude + `
local k, idx, xs, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, dl, now = ARGV[1], ARGV[2], ARGV[3]
if late(dl) then return redis.error_reply('WITGO_LATE the call deadline passed before Redis ran it') end
local ver, v, e = version(k, meta, key, now)
if ver ~= ARGV[4] then return {0, ver} end
local exp = ''
if ARGV[6] == '1' and v and e then exp = e end
return {1, put(k, idx, xs, meta, key, ARGV[5], exp)}
`)

// listScript: KEYS index, expiry set, meta; ARGV now, now in milliseconds,
// sweep budget, prefix of key hashes, min, max, offset, count. It first
// removes entries that have expired by now (each removal is a deletion),
// at most budget of them; if expired entries may remain it returns {0} and
// the caller calls again. Then it returns {1, keys...}: ZRANGEBYLEX min max
// LIMIT offset count.
var listScript = goredis.NewScript(prelude + `
local idx, xs, meta = KEYS[1], KEYS[2], KEYS[3]
local now, nowms, budget, kpre = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local skipped = 0
local done = false
while budget > 0 do
  local c = redis.call('ZRANGEBYSCORE', xs, '-inf', nowms, 'LIMIT', skipped, math.min(budget, 256))
  if #c == 0 then done = true break end
  for _, key in ipairs(c) do
    budget = budget - 1
    local k = kpre .. key
    local e = redis.call('HGET', k, 'e')
    if not e then
      redis.call('ZREM', xs, key)
    elseif expired(e, now) then
      remove(k, idx, xs, meta, key)
    else
      skipped = skipped + 1
    end
  end
end
if not done then return {0} end
local keys = redis.call('ZRANGEBYLEX', idx, ARGV[5], ARGV[6], 'LIMIT', ARGV[7], ARGV[8])
table.insert(keys, 1, 1)
return keys
`)

// createScript: KEYS meta; ARGV identifier, create ("1" or "0"). Returns
// the identifier the bucket holds, "" with flag 0 if there is none.
var createScript = goredis.NewScript(`
if ARGV[2] == '1' then redis.call('HSETNX', KEYS[1], 'id', ARGV[1]) end
local id = redis.call('HGET', KEYS[1], 'id')
if not id then return {0, ''} end
return {1, id}
`)

// incrementScript: ARGV key, deadline, now, type ("u" for u64, "s" for
// s64), delta sign ("-" or ""), delta magnitude (canonical digits), value
// limit. It adds the delta to the counter text exactly, in decimal digits
// (Lua's numbers are doubles), with the rules of engine.AddU64 and AddS64:
// an optional sign ('-' for s64 only), one or more ASCII digits, leading
// zeros accepted, the number within the type. It returns {1, result} after
// writing the result (keeping a present entry's expiry), {0, found, value}
// if the value is not such a number or the result overflows (nothing is
// written; the caller builds the error with engine.AddU64 or AddS64), or
// {2, result} if the result is longer than the value limit.
var incrementScript = goredis.NewScript(prelude + `
local k, idx, xs, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local key, dl, now, typ, dneg, dmag, limit = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '-', ARGV[6], tonumber(ARGV[7])
if late(dl) then return redis.error_reply('WITGO_LATE the call deadline passed before Redis ran it') end
local U64MAX, S64MAX, S64MIN = '18446744073709551615', '9223372036854775807', '9223372036854775808'
local function cmp(a, b)
  if #a ~= #b then if #a < #b then return -1 end return 1 end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then if x < y then return -1 end return 1 end
  end
  return 0
end
local function trim(d)
  d = (string.gsub(d, '^0+', ''))
  if d == '' then return '0' end
  return d
end
local function add(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local t = carry
    if i > 0 then t = t + string.byte(a, i) - 48; i = i - 1 end
    if j > 0 then t = t + string.byte(b, j) - 48; j = j - 1 end
    table.insert(out, 1, string.char(48 + t % 10))
    carry = math.floor(t / 10)
  end
  return trim(table.concat(out))
end
local function sub(a, b) -- a >= b
  local out, borrow, i, j = {}, 0, #a, #b
  while i > 0 do
    local t = string.byte(a, i) - 48 - borrow
    if j > 0 then t = t - (string.byte(b, j) - 48); j = j - 1 end
    if t < 0 then t = t + 10; borrow = 1 else borrow = 0 end
    table.insert(out, 1, string.char(48 + t))
    i = i - 1
  end
  return trim(table.concat(out))
end
local function fits(neg, mag)
  if typ == 'u' then return not neg and cmp(mag, U64MAX) <= 0 end
  if neg then return cmp(mag, S64MIN) <= 0 end
  return cmp(mag, S64MAX) <= 0
end
local v, r, e = state(k, now)
local cneg, cmag = false, '0'
if v then
  local i, c = 1, string.sub(v, 1, 1)
  if c == '+' then i = 2 elseif c == '-' and typ == 's' then cneg = true; i = 2 end
  local digits = string.sub(v, i)
  if #digits == 0 or string.find(digits, '[^0-9]') then return {0, 1, v} end
  cmag = trim(digits)
  if cmag == '0' then cneg = false end
  if not fits(cneg, cmag) then return {0, 1, v} end
end
local neg, mag
if cneg == dneg then
  neg, mag = cneg, add(cmag, dmag)
else
  local c = cmp(cmag, dmag)
  if c == 0 then neg, mag = false, '0'
  elseif c > 0 then neg, mag = cneg, sub(cmag, dmag)
  else neg, mag = dneg, sub(dmag, cmag) end
end
if mag == '0' then neg = false end
if not fits(neg, mag) then
  if v then return {0, 1, v} end
  return {0, 0, ''}
end
local text = mag
if neg then text = '-' .. mag end
if #text > limit then return {2, text} end
local exp = ''
if v and e then exp = e end
put(k, idx, xs, meta, key, text, exp)
return {1, text}
`)
