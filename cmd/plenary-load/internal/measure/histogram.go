package measure

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Histogram counts durations in log-linear buckets, as HdrHistogram does:
// every power of two of microseconds is split into subBuckets equal
// buckets, so any value is held to within 1/subBuckets (under 1%) in a
// fixed 30 KiB, however many millions of (op, receiver) pairs a run
// records. Thousands of reader goroutines record into one histogram, so
// the counts are atomic; the zero value is not usable, call NewHistogram.
type Histogram struct {
	counts []atomic.Uint64
	total  atomic.Uint64
	sumUS  atomic.Uint64
	maxUS  atomic.Uint64
}

const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits
	// trackedBits bounds what the histogram tells apart: 2^36 µs is
	// about 19 hours; longer values count as that.
	trackedBits = 36
	maxTracked  = 1<<trackedBits - 1
	bucketCount = (trackedBits - subBucketBits + 1) * subBuckets
)

func NewHistogram() *Histogram {
	return &Histogram{counts: make([]atomic.Uint64, bucketCount)}
}

// bucketOf is the bucket of v microseconds. Values below subBuckets have a
// bucket each; above, a value's exponent picks a group of subBuckets and
// its top bits the bucket inside it.
func bucketOf(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	exp := bits.Len64(v) - subBucketBits - 1
	return (exp+1)*subBuckets + int(v>>exp) - subBuckets
}

// bucketTop is the largest value that falls in bucket i.
func bucketTop(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	exp := i/subBuckets - 1
	sub := uint64(i%subBuckets + subBuckets)
	return (sub+1)<<exp - 1
}

// Record counts one duration; negative ones count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d.Microseconds(), 0))
	v = min(v, maxTracked)
	h.counts[bucketOf(v)].Add(1)
	h.total.Add(1)
	h.sumUS.Add(v)
	for {
		m := h.maxUS.Load()
		if v <= m || h.maxUS.CompareAndSwap(m, v) {
			return
		}
	}
}

// Reset forgets what was recorded, for a run that measures two spans.
// Recording meanwhile is safe, though it may leave a count behind.
func (h *Histogram) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.total.Store(0)
	h.sumUS.Store(0)
	h.maxUS.Store(0)
}

// Latency is a summary of a histogram, in milliseconds.
type Latency struct {
	Samples uint64  `json:"samples"`
	Mean    float64 `json:"meanMs"`
	P50     float64 `json:"p50Ms"`
	P90     float64 `json:"p90Ms"`
	P99     float64 `json:"p99Ms"`
	P999    float64 `json:"p999Ms"`
	Max     float64 `json:"maxMs"`
}

// Summary reads the histogram. Percentiles are the top of the bucket
// holding that rank (never above the true maximum), so they err high by
// under 1%, never low.
func (h *Histogram) Summary() Latency {
	n := h.total.Load()
	if n == 0 {
		return Latency{}
	}
	maxUS := h.maxUS.Load()
	ms := func(us uint64) float64 { return float64(us) / 1000 }
	return Latency{
		Samples: n,
		Mean:    ms(h.sumUS.Load()) / float64(n),
		P50:     ms(min(h.quantile(n, 0.50), maxUS)),
		P90:     ms(min(h.quantile(n, 0.90), maxUS)),
		P99:     ms(min(h.quantile(n, 0.99), maxUS)),
		P999:    ms(min(h.quantile(n, 0.999), maxUS)),
		Max:     ms(maxUS),
	}
}

// quantile is the value at rank ceil(q*n) of the n values recorded.
func (h *Histogram) quantile(n uint64, q float64) uint64 {
	rank := uint64(q*float64(n) + 0.999999)
	rank = max(rank, 1)
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return bucketTop(i)
		}
	}
	return maxTracked
}
