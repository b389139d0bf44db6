package hub

import "time"

// limiter is a token bucket: rate tokens a second, at most burst saved up.
// It is owned by one session's reader goroutine, so it needs no lock.
type limiter struct {
	rate, burst float64
	tokens      float64
	last        time.Time
}

func newLimiter(rate, burst int) limiter {
	return limiter{rate: float64(rate), burst: float64(burst), tokens: float64(burst)}
}

func (l *limiter) allow(now time.Time) bool {
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
