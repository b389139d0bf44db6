package hub

import (
	"time"

	"github.com/plenary/plenary/hub/internal/limits"
)

// Bounds on what one participant or one client address may cost.
const (
	defaultOpsPerSecond = 30
	// EphemeralPerSecond is how many drags and cursors of one participant
	// a second are passed on. The web app is told it (GET /api/config) and
	// sends fewer.
	EphemeralPerSecond = 20
	// missesPerMinute bounds the join codes one client address may look up
	// and not find, in bursts of missBurst: a mistyped code now and then,
	// not a guess at every code. Only misses count, so a whole room behind
	// one address joining its own board is never held back.
	missesPerMinute = 60
	missBurst       = 30
)

// LookupWait is how long the client address addr must wait before it may
// name a board again, zero if it may now. An address that has named too
// many boards that do not exist is refused every lookup (the API answers
// 429), whichever board it names: join codes are short enough to guess.
func (h *Hub) LookupWait(addr string) time.Duration { return limits.Wait(h.misses.Of(addr)) }
