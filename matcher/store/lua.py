"""The Lua source of every script (``matcher.store.scripts`` holds their typed wrappers).

Each script is a named constant with a KEYS/ARGV header. They are registered as
``PRELUDE + body`` so that the record helpers (JSON in hashes) and the offer
bookkeeping exist once. Records never contain JSON null (cjson
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
-- Space-separated id lists (records never hold arrays): without and with one id.
local function drop(list, item)
  local out = {}
  for _, x in ipairs(split(list)) do if x ~= item then out[#out + 1] = x end end
  return table.concat(out, ' ')
end
local function add(list, item)
  local out = split(list)
  for _, x in ipairs(out) do if x == item then return list end end
  out[#out + 1] = item
  return table.concat(out, ' ')
end
-- Where a no-show stands for the worker's reliability: only 'confirmed' and 'rejected'
-- count at once; 'open' counts after a grace period (matcher.matching.scoring).
local function noshow_state(t)
  if t.review == 'accepted' or t.review == 'rejected' then return t.review end
  local by_answer = {confirm = 'confirmed', dispute = 'disputed', explain = 'explained'}
  return by_answer[t.worker_answer or ''] or 'open'
end
-- A booking of the worker's today that still holds them (booked, or hired) and overlaps
-- [from, to) in time, other than ``except``: a worker is never due in two places at
-- once. Tickets of jobs posted before the times were kept (no from_ms) never clash.
local function clash(tickets, ck, from, to, except)
  if not from or not to then return nil end
  for _, ref in ipairs(split(ck.tickets)) do
    if ref ~= except then
      local t = getj(tickets, ref)
      if t and (t.status == 'booked' or t.status == 'hired') and t.from_ms and t.to_ms
         and from < t.to_ms and t.from_ms < to then
        return ref
      end
    end
  end
  return nil
end
local function emit(stream, ...)
  redis.call('XADD', stream, 'MAXLEN', '~', '500000', '*', ...)
end
local function enqueue(q, kind, id, now)
  redis.call('XADD', q, 'MAXLEN', '~', '200000', '*', 'kind', kind, 'id', id, 'at', now)
end
-- A pending offer leaves the pending state: free its place on the job and on the
-- worker's check-in. ck_key may be false when the check-in day is gone. ``why`` (for a
-- withdrawn offer: moved, filled, cancelled, day_end, booked) is kept on the offer, so
-- the worker's screen can say why it went instead of letting it vanish.
local function settle_offer(offers, pending, jobs, ck_key, offer, status, now, why)
  offer.status = status
  offer.decided_ms = now
  if why then offer.why = why end
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

POST_JOB = r"""
-- KEYS[1] jobs  KEYS[2] jobs:open  KEYS[3] jobs:day:{d}  KEYS[4] queue  KEYS[5] events
-- KEYS[6] stats:{d}  KEYS[7] idem:{request id}  KEYS[8] jobs:review  KEYS[9] employers
-- KEYS[10] blocks  KEYS[11] blocks:until  KEYS[12] rev
-- KEYS[13..] idx:jobs:{skill} per skill
-- ARGV[1] job id  ARGV[2] job JSON  ARGV[3] body hash  ARGV[4] now ms  ARGV[5] idem ttl s
-- ARGV[6] headcount  ARGV[7] response JSON  ARGV[8] 'open' | 'review'
-- ARGV[9] employer id  ARGV[10] the employer's block subject
-- ARGV[11] revision of the market's rules (settings, tokens) the post was checked under
-- ('': unchecked)
-- A post held for review (screening) is stored and counted but offered to nobody until
-- an operator approves it. An employer barred for unpaid wages, or under an operator's
-- live block, may not post: decided here, in the write, so a block that lands while a
-- post is on its way still stops it (and the post costs no extra round trip).
local seen = redis.call('GET', KEYS[7])
if seen then
  local s = cjson.decode(seen)
  if s.hash ~= ARGV[3] then return cjson.encode({err = 'idempotency_conflict'}) end
  return cjson.encode({ok = s.response, replay = true})
end
if ARGV[11] ~= '' and (redis.call('GET', KEYS[12]) or '0') ~= ARGV[11] then
  return cjson.encode({err = 'rules_changed'})
end
local now = tonumber(ARGV[4])
local employer = getj(KEYS[9], ARGV[9])
if employer and employer.blocked then return cjson.encode({err = 'employer_blocked'}) end
local until_ms = redis.call('ZSCORE', KEYS[11], ARGV[10])
if until_ms and tonumber(until_ms) > now then
  return cjson.encode({err = 'employer_suspended', detail = redis.call('HGET', KEYS[10], ARGV[10])})
end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return cjson.encode({err = 'duplicate_id'})
end
redis.call('ZADD', KEYS[3], now, ARGV[1])
if ARGV[8] == 'review' then
  redis.call('ZADD', KEYS[8], now, ARGV[1])
  redis.call('HINCRBY', KEYS[6], 'jobs_flagged', 1)
  emit(KEYS[5], 'type', 'job_flagged', 'job', ARGV[1], 'at', now)
else
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  for i = 13, #KEYS do redis.call('ZADD', KEYS[i], now, ARGV[1]) end
  enqueue(KEYS[4], 'job', ARGV[1], now)
  emit(KEYS[5], 'type', 'job_posted', 'job', ARGV[1], 'at', now)
end
redis.call('HINCRBY', KEYS[6], 'jobs_posted', 1)
redis.call('HINCRBY', KEYS[6], 'headcount_posted', tonumber(ARGV[6]))
redis.call('SET', KEYS[7], cjson.encode({hash = ARGV[3], response = ARGV[7]}), 'EX', ARGV[5])
return cjson.encode({ok = ARGV[7]})
"""

CHECK_IN = r"""
-- KEYS[1] checkins:{d}  KEYS[2] workers  KEYS[3] queue  KEYS[4] events  KEYS[5] stats:{d}
-- KEYS[6] idem:{request id}  KEYS[7] blocks  KEYS[8] blocks:until  KEYS[9] rev
-- KEYS[10..] idx:workers:{d}:{skill} per skill
-- ARGV[1] worker id  ARGV[2] check-in JSON (fields the person gave)  ARGV[3] body hash
-- ARGV[4] now ms  ARGV[5] idem ttl s  ARGV[6] day ttl s  ARGV[7] profile JSON  ARGV[8] day
-- ARGV[9] the worker's block subject
-- ARGV[10] revision of the market's rules the check-in was checked under ('': unchecked)
-- A worker under an operator's live block may not check in (decided in the write, like
-- POST_JOB's employer check).
local seen = redis.call('GET', KEYS[6])
if seen then
  local s = cjson.decode(seen)
  if s.hash ~= ARGV[3] then return cjson.encode({err = 'idempotency_conflict'}) end
  return cjson.encode({ok = s.response, replay = true})
end
if ARGV[10] ~= '' and (redis.call('GET', KEYS[9]) or '0') ~= ARGV[10] then
  return cjson.encode({err = 'rules_changed'})
end
local now = tonumber(ARGV[4])
local until_ms = redis.call('ZSCORE', KEYS[8], ARGV[9])
if until_ms and tonumber(until_ms) > now then
  return cjson.encode({err = 'worker_suspended', detail = redis.call('HGET', KEYS[7], ARGV[9])})
end
local given = cjson.decode(ARGV[2])
local ck = getj(KEYS[1], ARGV[1])
local profile = cjson.decode(ARGV[7])
local old = getj(KEYS[2], ARGV[1])
if old then
  -- What the worker's history says travels with each day's check-in, so the matcher
  -- reads one record: days hired recently (fairness), employers they blocked or that
  -- either side rated down, no-shows (reliability), questions still to ask them.
  profile.recent_hires = old.recent_hires
  profile.blocked_employers = old.blocked_employers
  profile.wary_employers = old.wary_employers
  profile.noshows = old.noshows
  profile.after_work = old.after_work
end
given.recent_hires = profile.recent_hires or ''
given.blocked_employers = profile.blocked_employers or ''
given.wary_employers = profile.wary_employers or ''
given.noshows = profile.noshows or {}
local first = false
if not ck then
  first = true
  ck = {worker_id = ARGV[1], day = ARGV[8], status = 'available', pending = 0, offers = '',
        checked_in_ms = now}
end
for k, v in pairs(given) do ck[k] = v end
if ck.status == 'released' or ck.status == 'hired' then
  -- Checking in again after a day's work or a release means "I am here again" (a hired
  -- worker only when they say so: then for work that does not overlap the booking).
  if ck.status == 'released' or given.again then ck.status = 'available' end
end
ck.again = nil
ck.updated_ms = now
putj(KEYS[1], ARGV[1], ck)
redis.call('EXPIRE', KEYS[1], ARGV[6])
for i = 10, #KEYS do
  -- NX keeps the original check-in time: updating skills must not cost waiting time.
  redis.call('ZADD', KEYS[i], 'NX', ck.checked_in_ms, ARGV[1])
  redis.call('EXPIRE', KEYS[i], ARGV[6])
end
putj(KEYS[2], ARGV[1], profile)
if first then redis.call('HINCRBY', KEYS[5], 'checkins', 1) end
enqueue(KEYS[3], 'worker', ARGV[1], now)
emit(KEYS[4], 'type', first and 'checked_in' or 'checkin_updated', 'worker', ARGV[1], 'at', now)
local response = cjson.encode({worker_id = ARGV[1], status = ck.status, skills = ck.skills,
                               checked_in_at_ms = ck.checked_in_ms})
redis.call('SET', KEYS[6], cjson.encode({hash = ARGV[3], response = response}), 'EX', ARGV[5])
return cjson.encode({ok = response})
"""

CREATE_OFFERS = r"""
-- KEYS[1] jobs  KEYS[2] checkins:{d}  KEYS[3] offers  KEYS[4] offers:pending  KEYS[5] events
-- KEYS[6] stats:{d}  KEYS[7] tickets
-- ARGV[1] job id  ARGV[2] now ms  ARGV[3] expires ms  ARGV[4] offers per open slot
-- ARGV[5] max pending offers per worker  ARGV[6] day
-- ARGV[7..] triples: worker id, offer id, offer JSON (score, explanation)
-- Idempotent on (job, worker): a worker is offered a job at most once.
local job = getj(KEYS[1], ARGV[1])
if not job then return cjson.encode({err = 'no_job'}) end
if job.status ~= 'open' then return cjson.encode({err = 'job_closed'}) end
local now = tonumber(ARGV[2])
local cap = job.remaining * tonumber(ARGV[4])
local max_pending = tonumber(ARGV[5])
local made = {}
local skipped = {}
for i = 7, #ARGV, 3 do
  local wid, oid = ARGV[i], ARGV[i + 1]
  local ck = getj(KEYS[2], wid)
  local why = nil
  if job.offered[wid] then why = 'already_offered'
  elseif job.pending >= cap then why = 'job_saturated'
  elseif not ck then why = 'no_checkin'
  elseif ck.status ~= 'available' and ck.status ~= 'offered' then why = 'worker_busy'
  elseif ck.pending >= max_pending then why = 'worker_saturated'
  elseif clash(KEYS[7], ck, job.from_ms, job.end_ms, nil) then why = 'worker_overlap'
  end
  if why then
    skipped[#skipped + 1] = wid .. ':' .. why
  else
    local offer = cjson.decode(ARGV[i + 2])
    offer.id = oid
    offer.job_id = job.id
    offer.worker_id = wid
    offer.status = 'pending'
    offer.created_ms = now
    offer.expires_ms = tonumber(ARGV[3])
    offer.day = ARGV[6]
    putj(KEYS[3], oid, offer)
    redis.call('ZADD', KEYS[4], offer.expires_ms, oid)
    job.offered[wid] = oid
    job.pending = job.pending + 1
    ck.pending = ck.pending + 1
    ck.status = 'offered'
    ck.offers = (ck.offers == '' and oid) or (ck.offers .. ' ' .. oid)
    putj(KEYS[2], wid, ck)
    emit(KEYS[5], 'type', 'offer_created', 'job', job.id, 'worker', wid, 'offer', oid, 'at', now)
    redis.call('HINCRBY', KEYS[6], 'offers', 1)
    made[#made + 1] = oid
  end
end
putj(KEYS[1], job.id, job)
return cjson.encode({ok = {made = table.concat(made, ' '), skipped = table.concat(skipped, ' ')}})
"""

ACCEPT_OFFER = r"""
-- KEYS[1] jobs  KEYS[2] checkins:{d}  KEYS[3] offers  KEYS[4] offers:pending  KEYS[5] tickets
-- KEYS[6] seq:{d}  KEYS[7] queue  KEYS[8] events  KEYS[9] stats:{d}  KEYS[10] ttb:{d}
-- KEYS[11] ttf:{d}  KEYS[12] jobs:open
-- ARGV[1] offer id  ARGV[2] worker id or '' (when given, the offer must be theirs)
-- ARGV[3] now ms  ARGV[4] day  ARGV[5] ticket prefix  ARGV[6] day ttl s
-- One booking per worker at a time, never two that overlap in time (a worker hired and
-- checking in again for more work), never more bookings than headcount: all checked
-- here, atomically, so the API obeys them as the kiosk does.
local now = tonumber(ARGV[3])
local offer = getj(KEYS[3], ARGV[1])
if not offer or (ARGV[2] ~= '' and offer.worker_id ~= ARGV[2]) then
  return cjson.encode({err = 'no_offer'})
end
if offer.status == 'accepted' then
  return cjson.encode({ok = redis.call('HGET', KEYS[5], offer.ticket), replay = true})
end
if offer.status ~= 'pending' then return cjson.encode({err = 'offer_' .. offer.status}) end
if offer.day ~= ARGV[4] or now >= offer.expires_ms then
  settle_offer(KEYS[3], KEYS[4], KEYS[1], offer.day == ARGV[4] and KEYS[2], offer, 'expired',
               now, nil)
  enqueue(KEYS[7], 'job', offer.job_id, now)
  emit(KEYS[8], 'type', 'offer_expired', 'offer', offer.id, 'job', offer.job_id,
       'worker', offer.worker_id, 'at', now)
  return cjson.encode({err = 'offer_expired'})
end
local job = getj(KEYS[1], offer.job_id)
if job.status ~= 'open' or job.remaining < 1 then return cjson.encode({err = 'job_full'}) end
local ck = getj(KEYS[2], offer.worker_id)
if not ck then return cjson.encode({err = 'no_checkin'}) end
if ck.status == 'booked' then return cjson.encode({err = 'worker_booked'}) end
if ck.status ~= 'offered' and ck.status ~= 'available' then
  return cjson.encode({err = 'worker_' .. ck.status})
end
local other = clash(KEYS[5], ck, job.from_ms, job.end_ms, nil)
if other then return cjson.encode({err = 'worker_overlap', detail = other}) end
local seq = redis.call('INCR', KEYS[6])
redis.call('EXPIRE', KEYS[6], ARGV[6])
local ref = ARGV[5] .. string.sub(ARGV[4], 6, 7) .. string.sub(ARGV[4], 9, 10) .. '-' ..
            string.format('%03d', seq)
local ticket = {ref = ref, job_id = job.id, worker_id = offer.worker_id, offer_id = offer.id,
                status = 'booked', created_ms = now, day = ARGV[4], market = job.market,
                interview_at = job.interview_at, interview_place = job.interview_place,
                title = job.title, skills = job.skills, wage_yuan = job.wage_yuan,
                wage_unit = job.wage_unit, township = job.township,
                start_at = job.start_at, end_at = job.end_at,
                employer_name = job.employer_name, employer_id = job.employer_id,
                employer_phone_masked = job.employer_phone_masked,
                worker_name = ck.name or '', worker_phone_masked = ck.phone_masked or '',
                interview_address = job.interview_address, from_ms = job.from_ms,
                to_ms = job.end_ms, interview_ms = job.interview_ms,
                -- Sealed full numbers (matcher.desk.phones), opened only for the other side.
                employer_phone_enc = job.employer_phone_enc, worker_phone_enc = ck.phone_enc}
local encoded = cjson.encode(ticket)
redis.call('HSET', KEYS[5], ref, encoded)
-- The accepted offer itself.
offer.status = 'accepted'
offer.decided_ms = now
offer.ticket = ref
putj(KEYS[3], offer.id, offer)
redis.call('ZREM', KEYS[4], offer.id)
-- The job: one place fewer.
job.pending = math.max(0, job.pending - 1)
job.remaining = job.remaining - 1
job.active = (job.active or 0) + 1
job.bookings[offer.worker_id] = ref
if not job.first_booking_ms then
  job.first_booking_ms = now
  redis.call('RPUSH', KEYS[10], math.floor((now - job.created_ms) / 60000))
end
if job.remaining == 0 then
  job.status = 'filled'
  job.filled_ms = now
  redis.call('ZREM', KEYS[12], job.id)
  redis.call('RPUSH', KEYS[11], math.floor((now - job.created_ms) / 60000))
  emit(KEYS[8], 'type', 'job_filled', 'job', job.id, 'at', now)
end
putj(KEYS[1], job.id, job)
-- The worker: booked, and their other offers withdrawn.
ck.status = 'booked'
ck.booking = ref
ck.tickets = add(ck.tickets, ref)
ck.pending = 0
putj(KEYS[2], offer.worker_id, ck)
for _, oid in ipairs(split(ck.offers)) do
  local other = getj(KEYS[3], oid)
  if other and other.status == 'pending' then
    settle_offer(KEYS[3], KEYS[4], KEYS[1], false, other, 'withdrawn', now, 'booked')
    enqueue(KEYS[7], 'job', other.job_id, now)
  end
end
-- A filled job withdraws its other pending offers and frees those workers.
if job.status == 'filled' then
  for wid, oid in pairs(job.offered) do
    local other = getj(KEYS[3], oid)
    if other and other.status == 'pending' then
      settle_offer(KEYS[3], KEYS[4], KEYS[1], KEYS[2], other, 'withdrawn', now, 'filled')
      enqueue(KEYS[7], 'worker', wid, now)
    end
  end
end
redis.call('HINCRBY', KEYS[9], 'bookings', 1)
emit(KEYS[8], 'type', 'booked', 'job', job.id, 'worker', offer.worker_id, 'offer', offer.id,
     'ticket', ref, 'at', now)
return cjson.encode({ok = encoded})
"""

DECLINE_OFFER = r"""
-- KEYS[1] jobs  KEYS[2] checkins:{d}  KEYS[3] offers  KEYS[4] offers:pending  KEYS[5] queue
-- KEYS[6] events  KEYS[7] stats:{d}
-- ARGV[1] offer id  ARGV[2] worker id or ''  ARGV[3] now ms  ARGV[4] day
local now = tonumber(ARGV[3])
local offer = getj(KEYS[3], ARGV[1])
if not offer or (ARGV[2] ~= '' and offer.worker_id ~= ARGV[2]) then
  return cjson.encode({err = 'no_offer'})
end
if offer.status == 'declined' then return cjson.encode({ok = 'declined', replay = true}) end
if offer.status ~= 'pending' then return cjson.encode({err = 'offer_' .. offer.status}) end
settle_offer(KEYS[3], KEYS[4], KEYS[1], offer.day == ARGV[4] and KEYS[2], offer, 'declined', now,
             nil)
redis.call('HINCRBY', KEYS[7], 'declined', 1)
enqueue(KEYS[5], 'job', offer.job_id, now)
emit(KEYS[6], 'type', 'offer_declined', 'offer', offer.id, 'job', offer.job_id,
     'worker', offer.worker_id, 'at', now)
return cjson.encode({ok = 'declined'})
"""

EXPIRE_OFFERS = r"""
-- KEYS[1] jobs  KEYS[2] checkins:{d}  KEYS[3] offers  KEYS[4] offers:pending  KEYS[5] queue
-- KEYS[6] events  KEYS[7] stats:{d}
-- ARGV[1] now ms  ARGV[2] day  ARGV[3] at most this many
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, oid in ipairs(due) do
  local offer = getj(KEYS[3], oid)
  if offer and offer.status == 'pending' then
    settle_offer(KEYS[3], KEYS[4], KEYS[1], offer.day == ARGV[2] and KEYS[2], offer, 'expired', now,
                 nil)
    if offer.day == ARGV[2] then
      redis.call('HINCRBY', KEYS[7], 'offers_expired', 1)
      enqueue(KEYS[5], 'job', offer.job_id, now)
      enqueue(KEYS[5], 'worker', offer.worker_id, now)
    end
    emit(KEYS[6], 'type', 'offer_expired', 'offer', oid, 'job', offer.job_id,
         'worker', offer.worker_id, 'at', now)
    n = n + 1
  else
    redis.call('ZREM', KEYS[4], oid)
  end
end
return cjson.encode({ok = n})
"""

CLOSE_JOB = r"""
-- KEYS[1] jobs  KEYS[2] jobs:open  KEYS[3] checkins:{d}  KEYS[4] offers  KEYS[5] offers:pending
-- KEYS[6] tickets  KEYS[7] queue  KEYS[8] events  KEYS[9] stats:{job day}  KEYS[10] employers
-- ARGV[1] job id  ARGV[2] now ms  ARGV[3] 'cancel' | 'day_end'  ARGV[4] today
-- cancel: open/filled -> cancelled, bookings released.  day_end: open -> expired,
-- filled -> closed, bookings stay as they are (their outcomes may still come).
local now = tonumber(ARGV[2])
local job = getj(KEYS[1], ARGV[1])
if not job then return cjson.encode({err = 'no_job'}) end
local mode = ARGV[3]
if job.status ~= 'open' and job.status ~= 'filled' then
  if mode == 'cancel' and job.status == 'cancelled' then
    return cjson.encode({ok = 'cancelled', replay = true})
  end
  redis.call('ZREM', KEYS[2], job.id)
  return cjson.encode({err = 'job_' .. job.status})
end
local was = job.status
if mode == 'cancel' then job.status = 'cancelled'
elseif was == 'open' then job.status = 'expired'
else job.status = 'closed' end
job.closed_ms = now
putj(KEYS[1], job.id, job)
redis.call('ZREM', KEYS[2], job.id)
for wid, oid in pairs(job.offered) do
  local offer = getj(KEYS[4], oid)
  if offer and offer.status == 'pending' then
    settle_offer(KEYS[4], KEYS[5], KEYS[1], offer.day == ARGV[4] and KEYS[3], offer,
                 'withdrawn', now, mode == 'cancel' and 'cancelled' or 'day_end')
    if offer.day == ARGV[4] then enqueue(KEYS[7], 'worker', wid, now) end
  end
end
job = getj(KEYS[1], job.id)
if mode == 'cancel' then
  local released = 0
  for wid, ref in pairs(job.bookings) do
    local t = getj(KEYS[6], ref)
    if t and t.status == 'booked' then
      t.status = 'cancelled'
      putj(KEYS[6], ref, t)
      released = released + 1
      local ck = getj(KEYS[3], wid)
      if ck and ck.booking == ref then
        ck.status = 'available'
        ck.booking = nil
        putj(KEYS[3], wid, ck)
        enqueue(KEYS[7], 'worker', wid, now)
      end
    end
  end
  job.active = 0
  putj(KEYS[1], job.id, job)
  redis.call('HINCRBY', KEYS[9], 'jobs_cancelled', 1)
  if released > 0 then
    redis.call('HINCRBY', KEYS[9], 'bookings_cancelled', released)
    -- Show-up protection: people were told to come; operators see who does this.
    local emp = getj(KEYS[10], job.employer_id) or {id = job.employer_id, arrears_open = 0,
                                                     incidents = 0, up = 0, down = 0,
                                                     name = job.employer_name}
    emp.incidents = (emp.incidents or 0) + 1
    emp.late_cancels = (emp.late_cancels or 0) + 1
    putj(KEYS[10], job.employer_id, emp)
  end
else
  if job.status == 'expired' then redis.call('HINCRBY', KEYS[9], 'jobs_expired', 1) end
end
emit(KEYS[8], 'type', 'job_' .. job.status, 'job', job.id, 'at', now)
return cjson.encode({ok = job.status})
"""

RECORD_OUTCOME = r"""
-- KEYS[1] jobs  KEYS[2] jobs:open  KEYS[3] checkins:{ticket day}  KEYS[4] tickets  KEYS[5] queue
-- KEYS[6] events  KEYS[7] stats:{ticket day}  KEYS[8] workers
-- ARGV[1] job id  ARGV[2] worker id  ARGV[3] hired | not_hired | no_show  ARGV[4] now ms
-- ARGV[5] reason  ARGV[6] today  ARGV[7] oldest day of no-shows kept on the profile
-- ARGV[8] the interview's time (ms): no outcome before it (nobody can have come, or not
-- come, to an interview that has not begun), whether from a kiosk or the API
-- A later outcome corrects an earlier one; counters move with it. A slot freed by
-- not_hired / no_show reopens a filled job (filled -> open) while the day lasts.
-- The worker's profile learns what to ask them at their next check-in (pay after a
-- hire, "the boss says you did not come" after a no-show) and keeps each no-show with
-- its state: it counts against reliability only once the worker could explain.
local now = tonumber(ARGV[4])
local job = getj(KEYS[1], ARGV[1])
if not job then return cjson.encode({err = 'no_job'}) end
local ref = job.bookings[ARGV[2]]
if not ref then return cjson.encode({err = 'no_booking'}) end
if now < tonumber(ARGV[8]) then return cjson.encode({err = 'too_early'}) end
local t = getj(KEYS[4], ref)
local new = ARGV[3]
if t.status == new then return cjson.encode({ok = cjson.encode(t), replay = true}) end
if t.status == 'cancelled' then return cjson.encode({err = 'ticket_cancelled'}) end
local counter = {hired = 'hired', not_hired = 'not_hired', no_show = 'no_shows'}
local holds = {booked = true, hired = true}
if holds[new] and not holds[t.status] and job.remaining < 1 then
  return cjson.encode({err = 'job_full'})
end
local ck = getj(KEYS[3], ARGV[2])
if holds[new] and not holds[t.status] and ck and clash(KEYS[4], ck, t.from_ms, t.to_ms, ref) then
  -- A correction back to hired, after the worker took other work at the same time.
  return cjson.encode({err = 'worker_overlap'})
end
if counter[t.status] then redis.call('HINCRBY', KEYS[7], counter[t.status], -1) end
redis.call('HINCRBY', KEYS[7], counter[new], 1)
local was_holding = holds[t.status]
local now_holding = holds[new]
t.status = new
t.outcome_ms = now
t.reason = ARGV[5]
putj(KEYS[4], ref, t)
if was_holding and not now_holding then
  job.active = job.active - 1
  job.remaining = job.remaining + 1
  if job.status == 'filled' and job.day == ARGV[6] then
    job.status = 'open'
    redis.call('ZADD', KEYS[2], job.created_ms, job.id)
    enqueue(KEYS[5], 'job', job.id, now)
  end
elseif now_holding and not was_holding then
  job.active = job.active + 1
  job.remaining = job.remaining - 1
  if job.remaining == 0 and job.status == 'open' then
    job.status = 'filled'
    redis.call('ZREM', KEYS[2], job.id)
  end
end
putj(KEYS[1], job.id, job)
local profile = getj(KEYS[8], ARGV[2])
if profile then
  -- Days hired, newest last, for "least work this week" (at most 14 kept).
  local days = {}
  for _, d in ipairs(split(profile.recent_hires)) do
    if d ~= job.day then days[#days + 1] = d end
  end
  if new == 'hired' then days[#days + 1] = job.day end
  while #days > 14 do table.remove(days, 1) end
  profile.recent_hires = table.concat(days, ' ')
  local todo = split(drop(profile.after_work, ref))
  if (new == 'hired' and not t.pay) or (new == 'no_show' and not t.worker_answer) then
    todo[#todo + 1] = ref
  end
  while #todo > 20 do table.remove(todo, 1) end
  profile.after_work = table.concat(todo, ' ')
  local noshows = {}
  for r, e in pairs(profile.noshows or {}) do
    if r ~= ref and e.day >= ARGV[7] then noshows[r] = e end
  end
  if new == 'no_show' then
    noshows[ref] = {day = job.day, state = noshow_state(t)}
  end
  profile.noshows = noshows
  putj(KEYS[8], ARGV[2], profile)
end
if ck then
  ck.recent_hires = profile and profile.recent_hires or ck.recent_hires
  if profile then ck.noshows = profile.noshows end
  if ck.booking and ck.booking ~= ref and ck.status == 'booked' then
    -- The worker already holds another booking (this outcome corrects an earlier
    -- one): that booking stays theirs.
  elseif new == 'hired' then ck.status = 'hired'; ck.booking = ref
  elseif new == 'not_hired' then ck.status = 'available'; ck.booking = nil
  else ck.status = 'released'; ck.booking = nil end
  putj(KEYS[3], ARGV[2], ck)
  if ck.status == 'available' then enqueue(KEYS[5], 'worker', ARGV[2], now) end
end
emit(KEYS[6], 'type', 'outcome', 'job', job.id, 'worker', ARGV[2], 'ticket', ref,
     'outcome', new, 'at', now)
return cjson.encode({ok = cjson.encode(t)})
"""

WITHDRAW_OFFER = r"""
-- KEYS[1] jobs  KEYS[2] checkins:{d}  KEYS[3] offers  KEYS[4] offers:pending  KEYS[5] events
-- ARGV[1] offer id  ARGV[2] now ms  ARGV[3] day  ARGV[4] reason
-- The batch pass moves a pending offer where it raises total fills (reason 'batch': the
-- worker is told the job went to someone else so more people work today).
local offer = getj(KEYS[3], ARGV[1])
if not offer then return cjson.encode({err = 'no_offer'}) end
if offer.status ~= 'pending' then return cjson.encode({err = 'offer_' .. offer.status}) end
local now = tonumber(ARGV[2])
local why = ARGV[4] == 'batch' and 'moved' or ARGV[4]
settle_offer(KEYS[3], KEYS[4], KEYS[1], offer.day == ARGV[3] and KEYS[2], offer, 'withdrawn', now,
             why)
emit(KEYS[5], 'type', 'offer_withdrawn', 'offer', offer.id, 'job', offer.job_id,
     'worker', offer.worker_id, 'reason', ARGV[4], 'at', now)
return cjson.encode({ok = 'withdrawn'})
"""

REVIEW_JOB = r"""
-- KEYS[1] jobs  KEYS[2] jobs:open  KEYS[3] jobs:review  KEYS[4] queue  KEYS[5] events
-- KEYS[6] stats:{job day}  KEYS[7..] idx:jobs:{skill} per skill
-- ARGV[1] job id  ARGV[2] 'approve' | 'reject'  ARGV[3] now ms  ARGV[4] reason  ARGV[5] who
-- An operator's decision on a post that screening held back.
local job = getj(KEYS[1], ARGV[1])
if not job then return cjson.encode({err = 'no_job'}) end
if job.status ~= 'review' then return cjson.encode({err = 'job_' .. job.status}) end
local now = tonumber(ARGV[3])
redis.call('ZREM', KEYS[3], job.id)
job.reviewed_ms = now
job.reviewed_by = ARGV[5]
job.review_reason = ARGV[4]
if ARGV[2] == 'approve' then
  job.status = 'open'
  redis.call('ZADD', KEYS[2], job.created_ms, job.id)
  for i = 7, #KEYS do redis.call('ZADD', KEYS[i], job.created_ms, job.id) end
  enqueue(KEYS[4], 'job', job.id, now)
else
  job.status = 'rejected'
  redis.call('HINCRBY', KEYS[6], 'jobs_rejected', 1)
end
putj(KEYS[1], job.id, job)
emit(KEYS[5], 'type', 'job_' .. ARGV[2] .. 'd', 'job', job.id, 'by', ARGV[5], 'at', now)
return cjson.encode({ok = job.status})
"""

AFTER_WORK = r"""
-- KEYS[1] tickets  KEYS[2] employers  KEYS[3] arrears  KEYS[4] arrears:open  KEYS[5] disputes
-- KEYS[6] workers  KEYS[7] events  KEYS[8] stats:{ticket day}  KEYS[9] checkins:{today}
-- ARGV[1] ticket ref  ARGV[2] what: 'pay' | 'answer' | 'rate' | 'review'
-- ARGV[3] JSON of the report  ARGV[4] now ms  ARGV[5] arrears id (for 'pay')
-- ARGV[6] arrears count that blocks posting
-- What each side reports after the interview, kept on the ticket and where operators
-- look: unpaid wages become an arrears record (repeated arrears block the employer),
-- a worker's "I went, the boss wasn't there" becomes a dispute and "I had something
-- on" an explanation (both in the operators' queue, KEYS[5]); an operator's review
-- settles either; ratings and blocks. The worker's profile (and today's check-in, so
-- the matcher sees it at once) keeps what changes their matching: blocked and
-- rated-down employers, and the state of each no-show.
local t = getj(KEYS[1], ARGV[1])
if not t then return cjson.encode({err = 'no_ticket'}) end
local r = cjson.decode(ARGV[3])
local now = tonumber(ARGV[4])
local emp_id = t.employer_id or ''
local emp = getj(KEYS[2], emp_id) or {id = emp_id, arrears_open = 0, incidents = 0,
                                       up = 0, down = 0, name = t.employer_name}
local p = getj(KEYS[6], t.worker_id)
local what = ARGV[2]
local function replay() return cjson.encode({ok = cjson.encode(t), replay = true}) end
if what == 'pay' then
  if t.status ~= 'hired' then return cjson.encode({err = 'not_hired'}) end
  if t.pay then return replay() end
  t.pay = r.paid
  t.paid_yuan = r.paid_yuan
  t.pay_ms = now
  if r.paid ~= 'yes' then
    local rec = {id = ARGV[5], ticket = t.ref, market = t.market, employer_id = emp_id,
                 employer_name = t.employer_name, employer_phone_masked = t.employer_phone_masked,
                 worker_id = t.worker_id, worker_phone_masked = t.worker_phone_masked,
                 place = t.township, work = t.title, day = t.day, start_at = t.start_at,
                 end_at = t.end_at, agreed_yuan = r.agreed_yuan, paid_yuan = r.paid_yuan or 0,
                 status = 'open', reported_ms = now}
    putj(KEYS[3], rec.id, rec)
    redis.call('ZADD', KEYS[4], now, rec.id)
    t.arrears = rec.id
    emp.arrears_open = (emp.arrears_open or 0) + 1
    if emp.arrears_open >= tonumber(ARGV[6]) then
      emp.blocked = 'arrears'
      emp.blocked_ms = now
    end
    redis.call('HINCRBY', KEYS[8], 'arrears_reported', 1)
    emit(KEYS[7], 'type', 'arrears', 'ticket', t.ref, 'arrears', rec.id, 'at', now)
  end
  if p then p.after_work = drop(p.after_work, t.ref) end
elseif what == 'answer' and r.answer == 'attended' then
  -- Booked, the interview long past, and the employer never said how it went: the
  -- worker says it took place. Nothing to review; the employer's word may still come.
  if t.status ~= 'booked' then return cjson.encode({err = 'not_booked'}) end
  if t.worker_said == 'attended' then return replay() end
  t.worker_said = 'attended'
  t.worker_said_ms = now
elseif what == 'answer' then
  if t.worker_answer then
    if t.worker_answer == r.answer then return replay() end
    return cjson.encode({err = 'answered'})
  end
  -- An explanation answers a no-show, or an interview the worker did not go to before
  -- the employer said so (the no-show then arrives already explained).
  if r.answer == 'explain' and t.status ~= 'no_show' and t.status ~= 'booked' then
    return cjson.encode({err = 'not_no_show'})
  end
  t.worker_answer = r.answer
  t.worker_reason = r.reason or ''
  t.worker_answer_ms = now
  if r.answer ~= 'confirm' then
    t.review = 'pending'
    redis.call('ZADD', KEYS[5], now, t.ref)
  end
  if r.answer == 'dispute' then
    if r.reason == 'no_job' or r.reason == 'boss_absent' then
      -- The job "was not there": shown to operators as a show-up incident.
      emp.incidents = (emp.incidents or 0) + 1
      emp.not_there = (emp.not_there or 0) + 1
    end
    redis.call('HINCRBY', KEYS[8], 'disputes', 1)
    emit(KEYS[7], 'type', 'dispute', 'ticket', t.ref, 'worker', t.worker_id, 'at', now)
  elseif r.answer == 'explain' then
    emit(KEYS[7], 'type', 'noshow_explained', 'ticket', t.ref, 'worker', t.worker_id,
         'at', now)
  end
  if p then p.after_work = drop(p.after_work, t.ref) end
elseif what == 'review' then
  if t.review ~= 'pending' then
    if t.review == r.decision then return replay() end
    return cjson.encode({err = 'not_pending'})
  end
  t.review = r.decision
  t.review_by = r.by
  t.review_note = r.note or ''
  t.review_ms = now
  redis.call('ZREM', KEYS[5], t.ref)
  if r.decision == 'rejected' and t.worker_answer == 'dispute' and
     (t.worker_reason == 'no_job' or t.worker_reason == 'boss_absent') then
    -- The operator found the job was there after all: no incident on the employer.
    emp.incidents = math.max(0, (emp.incidents or 0) - 1)
    emp.not_there = math.max(0, (emp.not_there or 0) - 1)
  end
  emit(KEYS[7], 'type', 'answer_' .. r.decision, 'ticket', t.ref, 'worker', t.worker_id,
       'by', r.by, 'at', now)
elseif what == 'rate' then
  t.ratings = t.ratings or {}
  local side = r.by
  if side == 'employer' and t.status ~= 'hired' and t.status ~= 'not_hired' and
     t.status ~= 'no_show' then
    -- An employer rates a worker they saw (or who did not come): only once they said
    -- how the interview went, through the kiosk or the API alike.
    return cjson.encode({err = 'rate_after_outcome'})
  end
  if t.ratings[side] then return replay() end
  t.ratings[side] = {thumbs = r.thumbs, reason = r.reason or '', at = now}
  if side == 'worker' then
    if r.thumbs == 'up' then emp.up = (emp.up or 0) + 1 else emp.down = (emp.down or 0) + 1 end
  end
  if p and emp_id ~= '' then
    -- A thumbs-down either way makes this pair a little less likely to meet again;
    -- a block by the worker makes it never happen.
    if r.thumbs == 'down' then p.wary_employers = add(p.wary_employers, emp_id) end
    if side == 'worker' and r.block then p.blocked_employers = add(p.blocked_employers, emp_id) end
  end
else
  return cjson.encode({err = 'bad_report'})
end
if p then
  if p.noshows and p.noshows[t.ref] then p.noshows[t.ref].state = noshow_state(t) end
  putj(KEYS[6], t.worker_id, p)
  local ck = getj(KEYS[9], t.worker_id)
  if ck then
    ck.blocked_employers = p.blocked_employers or ''
    ck.wary_employers = p.wary_employers or ''
    ck.noshows = p.noshows or {}
    putj(KEYS[9], t.worker_id, ck)
  end
  -- The matchers' pools refresh a worker named in an event.
  emit(KEYS[7], 'type', 'worker_history', 'worker', t.worker_id, 'at', now)
end
putj(KEYS[1], t.ref, t)
if emp_id ~= '' then putj(KEYS[2], emp_id, emp) end
return cjson.encode({ok = cjson.encode(t)})
"""

SCRUB_PHONES = r"""
-- KEYS[1] jobs  KEYS[2] tickets  KEYS[3..] checkins:{d} of the days to scrub
-- ARGV[1] space-separated job ids  ARGV[2] space-separated ticket refs
-- ARGV[3] worker id whose check-ins lose their sealed number ('' : none)
-- The sealed full numbers (matcher.desk.phones) serve only while a booking is arranged and
-- kept: a week after its day (the day rollover), or at once on the worker's request,
-- they are dropped; the masked forms stay. Returns how many records changed.
local n = 0
for _, id in ipairs(split(ARGV[1])) do
  local job = getj(KEYS[1], id)
  if job and job.employer_phone_enc then
    job.employer_phone_enc = nil
    putj(KEYS[1], id, job)
    n = n + 1
  end
end
for _, ref in ipairs(split(ARGV[2])) do
  local t = getj(KEYS[2], ref)
  if t and (t.employer_phone_enc or t.worker_phone_enc) then
    t.employer_phone_enc = nil
    t.worker_phone_enc = nil
    putj(KEYS[2], ref, t)
    n = n + 1
  end
end
if ARGV[3] ~= '' then
  for i = 3, #KEYS do
    local ck = getj(KEYS[i], ARGV[3])
    if ck and ck.phone_enc then
      ck.phone_enc = nil
      putj(KEYS[i], ARGV[3], ck)
      n = n + 1
    end
  end
end
return cjson.encode({ok = n})
"""

COUNT_WRITE = r"""
-- KEYS[1] rl:{who}:{window}
-- ARGV[1] ttl ms
-- One more write in a rate-limit window (one command, where MULTI/INCR/PEXPIRE/EXEC was
-- four); the counter outlives its window once. Returns the count so far.
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""

REMEMBER_RESPONSE = r"""
-- KEYS[1] idem:{request id}
-- ARGV[1] body hash  ARGV[2] response JSON  ARGV[3] ttl s  ARGV[4] status code
-- For writes whose effect is itself idempotent (accept, decline, cancel, outcome): keep
-- the first response so a retry with the same key gets it again.
local seen = redis.call('GET', KEYS[1])
if seen then
  local s = cjson.decode(seen)
  if s.hash ~= ARGV[1] then return cjson.encode({err = 'idempotency_conflict'}) end
  return cjson.encode({ok = s.response, status = s.status, replay = true})
end
redis.call('SET', KEYS[1], cjson.encode({hash = ARGV[1], response = ARGV[2],
                                         status = tonumber(ARGV[4])}), 'EX', ARGV[3])
return cjson.encode({ok = ARGV[2], status = tonumber(ARGV[4])})
"""

# -- operators: moderation edits, blocks, market settings ---------------------------

EDIT_HELD_JOB = r"""
-- KEYS[1] jobs  KEYS[2] events
-- ARGV[1] job id  ARGV[2] JSON object of the corrected fields  ARGV[3] now ms  ARGV[4] who
-- An operator corrects a post screening held back (text, pay); it stays held until
-- approved. Returns the fields as they were, for the audit trail.
local job = getj(KEYS[1], ARGV[1])
if not job then return cjson.encode({err = 'no_job'}) end
if job.status ~= 'review' then return cjson.encode({err = 'job_' .. job.status}) end
local changes = cjson.decode(ARGV[2])
local before = {}
for f, v in pairs(changes) do
  before[f] = job[f]
  job[f] = v
end
job.edited_ms = tonumber(ARGV[3])
job.edited_by = ARGV[4]
putj(KEYS[1], job.id, job)
emit(KEYS[2], 'type', 'job_edited', 'job', job.id, 'by', ARGV[4], 'at', ARGV[3])
return cjson.encode({ok = cjson.encode(before)})
"""

SETTLE_ARREARS = r"""
-- KEYS[1] arrears  KEYS[2] arrears:open  KEYS[3] employers  KEYS[4] events
-- ARGV[1] arrears id  ARGV[2] outcome: 'recovered' | 'referred' | 'closed'  ARGV[3] who
-- ARGV[4] note  ARGV[5] now ms  ARGV[6] arrears count that blocks posting
-- An operator closes a wage-arrears record after following it up: the money was
-- recovered, the case went to the labour inspectorate (劳动监察), or it was closed.
-- The employer's open count goes down; a block for arrears lifts once the count is
-- under the line again. Returns the record as it was.
local rec = getj(KEYS[1], ARGV[1])
if not rec then return cjson.encode({err = 'no_arrears'}) end
if rec.status ~= 'open' then
  if rec.status == ARGV[2] then return cjson.encode({ok = cjson.encode(rec), replay = true}) end
  return cjson.encode({err = 'arrears_' .. rec.status})
end
local before = cjson.encode(rec)
local now = tonumber(ARGV[5])
rec.status = ARGV[2]
rec.settled_by = ARGV[3]
rec.settled_note = ARGV[4]
rec.settled_ms = now
putj(KEYS[1], rec.id, rec)
redis.call('ZREM', KEYS[2], rec.id)
local emp = getj(KEYS[3], rec.employer_id or '')
if emp then
  emp.arrears_open = math.max(0, (emp.arrears_open or 0) - 1)
  if emp.blocked == 'arrears' and emp.arrears_open < tonumber(ARGV[6]) then
    emp.blocked = nil
    emp.blocked_ms = nil
  end
  putj(KEYS[3], emp.id, emp)
end
emit(KEYS[4], 'type', 'arrears_settled', 'arrears', rec.id, 'outcome', ARGV[2],
     'by', ARGV[3], 'at', now)
return cjson.encode({ok = before})
"""

SET_BLOCK = r"""
-- KEYS[1] blocks  KEYS[2] blocks:until  KEYS[3] events
-- ARGV[1] subject ('e:' or 'w:' + id)  ARGV[2] block JSON  ARGV[3] end ms  ARGV[4] now ms
-- An operator blocks an employer or a worker until a day's end; a new block of the same
-- subject replaces the old one. Returns the replaced block JSON ('' if none).
local before = redis.call('HGET', KEYS[1], ARGV[1]) or ''
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
emit(KEYS[3], 'type', 'blocked', 'subject', ARGV[1], 'at', ARGV[4])
return cjson.encode({ok = before})
"""

LIFT_BLOCK = r"""
-- KEYS[1] blocks  KEYS[2] blocks:until  KEYS[3] events
-- ARGV[1] subject  ARGV[2] now ms  ARGV[3] who
-- An operator lifts a live block before its end day. Returns the block as it was.
local b = getj(KEYS[1], ARGV[1])
if not b then return cjson.encode({err = 'no_block'}) end
local until_ms = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not until_ms or tonumber(until_ms) <= tonumber(ARGV[2]) then
  return cjson.encode({err = 'block_ended'})
end
local before = cjson.encode(b)
redis.call('ZREM', KEYS[2], ARGV[1])
b.status = 'lifted'
b.lifted_ms = tonumber(ARGV[2])
b.lifted_by = ARGV[3]
putj(KEYS[1], ARGV[1], b)
emit(KEYS[3], 'type', 'unblocked', 'subject', ARGV[1], 'at', ARGV[2])
return cjson.encode({ok = before})
"""

SET_MARKET_SETTINGS = r"""
-- KEYS[1] settings  KEYS[2] events  KEYS[3] rev
-- ARGV[1] JSON object field -> value ('' drops the override)  ARGV[2] now ms  ARGV[3] who
-- Operators' overrides of a market's built-in settings, changed together; the revision
-- moves on, so posts parsed under the old rules are sent back (POST_JOB). Returns the
-- overrides as they were.
redis.call('INCR', KEYS[3])
local flat = redis.call('HGETALL', KEYS[1])
local before = {}
for i = 1, #flat, 2 do before[flat[i]] = flat[i + 1] end
for f, v in pairs(cjson.decode(ARGV[1])) do
  if v == '' then redis.call('HDEL', KEYS[1], f) else redis.call('HSET', KEYS[1], f, v) end
end
emit(KEYS[2], 'type', 'settings', 'by', ARGV[3], 'at', ARGV[2])
return cjson.encode({ok = cjson.encode(before)})
"""
