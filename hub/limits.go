package hub

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/plenary/plenary/protocol"
	"golang.org/x/time/rate"
)

// Bounds on what one participant or one client address may cost.
const (
	defaultOpsPerSecond = 30
	ephPerSecond        = 20
	// defaultBoardsPerMinute is how many boards one client address may
	// create a minute, in bursts of as many: a room of facilitators behind
	// one address each opening a workshop, not a script filling the disk.
	defaultBoardsPerMinute = 30
	// missesPerMinute bounds the join codes one client address may look up
	// and not find, in bursts of missBurst: a mistyped code now and then,
	// not a guess at every code. Only misses count, so a whole room behind
	// one address joining its own board is never held back.
	missesPerMinute = 60
	missBurst       = 30
	// limitersSwept is how often idle limiters are dropped.
	limitersSwept = time.Minute
)

// limiters hands out one token bucket per key (a participant of a board,
// a client address), so that a limit follows the person or the address
// rather than one connection: reconnecting does not refill it. The map is
// guarded by mu; each rate.Limiter is safe for concurrent use.
type limiters struct {
	every rate.Limit
	burst int

	mu    sync.Mutex
	byKey map[string]*rate.Limiter
	swept time.Time
}

func newLimiters(every rate.Limit, burst int) *limiters {
	return &limiters{every: every, burst: burst, byKey: map[string]*rate.Limiter{}, swept: time.Now()}
}

// of is key's limiter. Once a minute it drops the limiters that are full
// again, which forgetting loses nothing of.
func (l *limiters) of(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.swept) > limitersSwept {
		for k, lim := range l.byKey {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.byKey, k)
			}
		}
		l.swept = now
	}
	lim := l.byKey[key]
	if lim == nil {
		lim = rate.NewLimiter(l.every, l.burst)
		l.byKey[key] = lim
	}
	return lim
}

// take takes a token from lim if it has one now; otherwise it takes none
// and says how long until one is due.
func take(lim *rate.Limiter) (wait time.Duration, ok bool) {
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d, false
	}
	return 0, true
}

// untilToken is how long until lim holds a token, zero if it holds one.
func untilToken(lim *rate.Limiter) time.Duration {
	missing := 1 - lim.Tokens()
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}

// tooMany is the 429 a limited client address is answered, with the
// seconds to wait in Retry-After.
func tooMany(c echo.Context, wait time.Duration, what string) error {
	seconds := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, seconds)))
	return refuseHTTP(http.StatusTooManyRequests, protocol.CodeRateLimited, fmt.Sprintf("too many %s from your address: try again in %d s", what, max(1, seconds)))
}

// clientAddress picks how the hub reads a request's client address: the
// connection's, or, behind a load balancer, the header it sets.
func clientAddress(header string) (echo.IPExtractor, error) {
	switch http.CanonicalHeaderKey(header) {
	case "":
		return echo.ExtractIPDirect(), nil
	case echo.HeaderXForwardedFor:
		return echo.ExtractIPFromXFFHeader(), nil
	case echo.HeaderXRealIP:
		return echo.ExtractIPFromRealIPHeader(), nil
	}
	return nil, fmt.Errorf("hub: the client address header is %s or %s, not %q", echo.HeaderXForwardedFor, echo.HeaderXRealIP, header)
}
