// Package limits hands out one token bucket per key (a participant of a
// board, a client address), so that a limit follows the person or the
// address rather than one connection: reconnecting does not refill it.
// The hub limits ops and drags by it, the API board creations, the
// fallback transport POSTs.
package limits

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// sweepEvery is how often idle buckets are dropped.
const sweepEvery = time.Minute

// Keyed is one limit, kept per key. The map is guarded by mu; each
// rate.Limiter is safe for concurrent use.
type Keyed struct {
	every rate.Limit
	burst int

	mu    sync.Mutex
	byKey map[string]*rate.Limiter
	swept time.Time
}

// New is a limit of every tokens a second, in bursts of burst, per key.
func New(every rate.Limit, burst int) *Keyed {
	return &Keyed{every: every, burst: burst, byKey: map[string]*rate.Limiter{}, swept: time.Now()}
}

// Of is key's bucket. Once a minute it drops the buckets that are full
// again, which forgetting loses nothing of.
func (l *Keyed) Of(key string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.swept) > sweepEvery {
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

// Take takes a token from lim if it has one now; otherwise it takes none
// and says how long until one is due.
func Take(lim *rate.Limiter) (wait time.Duration, ok bool) {
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d, false
	}
	return 0, true
}

// Wait is how long until lim holds a token, zero if it holds one.
func Wait(lim *rate.Limiter) time.Duration {
	missing := 1 - lim.Tokens()
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(lim.Limit()) * float64(time.Second))
}
