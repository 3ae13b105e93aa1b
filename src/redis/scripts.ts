/** The Lua scripts of RedisTokenStore: every write, the lease and the index upkeep, each one atomic on one slot. */

// A record is a hash: `v` is its version, `d` the token set as JSON. A tombstone has `v` only.
// Anything else under the key (a foreign or 0.1-era string) counts as version 0, so a new sign-in replaces it.
const READ_VERSION = `local version = 0
local kind = redis.call("TYPE", KEYS[1]).ok
if kind == "hash" then version = tonumber(redis.call("HGET", KEYS[1], "v")) or 0 end`;

export const GET_VERSION_SCRIPT = `${READ_VERSION}
return version`;

// Fenced write: lands only if the version is still the one the writer read. Then it tells waiters (ARGV[5]).
export const COMPARE_AND_SET_SCRIPT = `${READ_VERSION}
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "v", ARGV[2], "d", ARGV[3])
redis.call("PEXPIRE", KEYS[1], ARGV[4])
redis.call("PUBLISH", ARGV[5], "written")
return 1`;

// Versioned delete: a tombstone one version higher, so a refresh in flight cannot write the connection back.
export const DELETE_SCRIPT = `${READ_VERSION}
if kind == "none" or (kind == "hash" and redis.call("HEXISTS", KEYS[1], "d") == 0) then return 0 end
redis.call("DEL", KEYS[1])
redis.call("HSET", KEYS[1], "v", version + 1)
redis.call("PEXPIRE", KEYS[1], ARGV[1])
redis.call("PUBLISH", ARGV[2], "deleted")
return 1`;

// Drops an index entry only while it still has the score it was read with: a record written again meanwhile keeps its new one.
export const FORGET_IDLE_SCRIPT = `if redis.call("ZSCORE", KEYS[1], ARGV[1]) == ARGV[2] then return redis.call("ZREM", KEYS[1], ARGV[1]) end
return 0`;

// SET NX PX as a script, so that durability can follow it with WAIT like every other write.
export const ACQUIRE_SCRIPT = `if redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2], "NX") then return 1 else return 0 end`;
// Owner-checked: a holder whose lease expired and was taken over can neither extend nor free the new holder's.
export const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
// Owner-checked like renew; then it tells waiters the lease is free (ARGV[2]).
export const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) ~= ARGV[1] then return 0 end
redis.call("del", KEYS[1])
redis.call("PUBLISH", ARGV[2], "released")
return 1`;

// The connection index (one slot, by its hash tag): every connection in KEYS[1], and `status NUL key` in KEYS[2],
// under exactly one status; KEYS[3] holds the connections whose outbox has events (ARGV[3] is "1" then).
// ARGV[2] is the connection's status, or "" when it is gone.
export const INDEX_CONNECTION_SCRIPT = `for _, status in ipairs({"active", "degraded", "disabled", "reauthorization_required"}) do
  if status ~= ARGV[2] then redis.call("ZREM", KEYS[2], status .. "\\0" .. ARGV[1]) end
end
if ARGV[2] == "" then
  redis.call("ZREM", KEYS[1], ARGV[1])
else
  redis.call("ZADD", KEYS[1], 0, ARGV[1])
  redis.call("ZADD", KEYS[2], 0, ARGV[2] .. "\\0" .. ARGV[1])
end
if ARGV[3] == "1" and ARGV[2] ~= "" then redis.call("ZADD", KEYS[3], 0, ARGV[1]) else redis.call("ZREM", KEYS[3], ARGV[1]) end
return 1`;
