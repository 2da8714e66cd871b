-- bench/rotate.lua: wrk script of bench/gate. Each request carries the
-- next cookie of the file named by the script's argument (one Cookie
-- header value a line); each wrk thread starts at its own offset.
local cookies = {}
local next_id = 0
local i = 0

function setup(thread)
	thread:set("id", next_id)
	next_id = next_id + 1
end

function init(args)
	for line in io.lines(args[1]) do
		cookies[#cookies + 1] = line
	end
	assert(#cookies > 0, "no cookies in " .. args[1])
	i = (id * 7919) % #cookies
end

function request()
	i = i % #cookies + 1
	return wrk.format(nil, nil, {["Host"] = "bench.test",
		["Cookie"] = cookies[i]})
end
