"""Lua source shared by the scripts in ``matcher.scripts``.

Scripts are assembled as ``PRELUDE + body`` so that the record helpers (JSON in
hashes) and the offer bookkeeping exist once. Records never contain JSON null (cjson
turns it into a userdata) and never hold empty arrays (cjson re-encodes them as {}).
"""

PRELUDE = r"""
local function getj(h, f)
  local v = redis.call('HGET', h, f)
  if v then return cjson.decode(v) end
  return nil
end
local function putj(h, f, t) redis.call('HSET', h, f, cjson.encode(t)) end
local function split(s)
  local out = {}
  if s then for w in string.gmatch(s, '%S+') do out[#out + 1] = w end end
  return out
end
local function emit(stream, ...)
  redis.call('XADD', stream, 'MAXLEN', '~', '500000', '*', ...)
end
local function enqueue(q, kind, id, now)
  redis.call('XADD', q, 'MAXLEN', '~', '200000', '*', 'kind', kind, 'id', id, 'at', now)
end
-- A pending offer leaves the pending state: free its place on the job and on the
-- worker's check-in. ck_key may be false when the check-in day is gone.
local function settle_offer(offers, pending, jobs, ck_key, offer, status, now)
  offer.status = status
  offer.decided_ms = now
  putj(offers, offer.id, offer)
  redis.call('ZREM', pending, offer.id)
  local job = getj(jobs, offer.job_id)
  if job then
    job.pending = math.max(0, (job.pending or 0) - 1)
    putj(jobs, job.id, job)
  end
  if ck_key then
    local ck = getj(ck_key, offer.worker_id)
    if ck and ck.day == offer.day then
      ck.pending = math.max(0, (ck.pending or 0) - 1)
      if ck.pending == 0 and ck.status == 'offered' then ck.status = 'available' end
      putj(ck_key, offer.worker_id, ck)
    end
  end
end
"""
