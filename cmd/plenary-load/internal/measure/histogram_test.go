package measure

import (
	"math"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	h := NewHistogram()
	// 1 to 10,000 microseconds, once each, shuffled by a stride.
	for i := range 10000 {
		h.Record(time.Duration((i*7919)%10000+1) * time.Microsecond)
	}
	s := h.Summary()
	for _, c := range []struct {
		name      string
		got, want float64 // milliseconds
	}{
		{"p50", s.P50, 5},
		{"p90", s.P90, 9},
		{"p99", s.P99, 9.9},
		{"p99.9", s.P999, 9.99},
		{"mean", s.Mean, 5.0005},
	} {
		// Percentiles are the top of their bucket: never low, under 1% high.
		if c.got < c.want || c.got > c.want*1.01 {
			t.Errorf("%s = %g ms, want %g ms to 1%% above", c.name, c.got, c.want)
		}
	}
	if s.Max != 10 || s.Samples != 10000 {
		t.Errorf("max %g ms over %d samples, want 10 ms over 10000", s.Max, s.Samples)
	}
}

func TestHistogramExactBelowSubBuckets(t *testing.T) {
	h := NewHistogram()
	for _, us := range []int{3, 3, 3, 100} {
		h.Record(time.Duration(us) * time.Microsecond)
	}
	if s := h.Summary(); s.P50 != 0.003 || s.P99 != 0.1 || s.Max != 0.1 {
		t.Errorf("p50 %g, p99 %g, max %g ms; want 0.003, 0.1, 0.1", s.P50, s.P99, s.Max)
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every value lies in its bucket, and buckets are in order.
	prevTop := uint64(0)
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 257, 1000, 65535, 1 << 20, 123456789, maxTracked} {
		i := bucketOf(v)
		top := bucketTop(i)
		if v > top || (i > 0 && v <= bucketTop(i-1)) {
			t.Errorf("%d in bucket %d, which ends at %d (previous ends at %d)", v, i, top, bucketTop(i-1))
		}
		if top < prevTop {
			t.Errorf("bucket tops out of order at %d", v)
		}
		if width := top - bucketTop(max(i-1, 0)); v >= subBuckets && float64(width) > float64(v)/subBuckets+1 {
			t.Errorf("bucket of %d is %d wide, over 1/%d of it", v, width, subBuckets)
		}
		prevTop = top
	}
	if bucketOf(maxTracked) != bucketCount-1 {
		t.Errorf("the largest value is in bucket %d of %d", bucketOf(maxTracked), bucketCount)
	}
}

func TestHistogramEmptyAndHuge(t *testing.T) {
	h := NewHistogram()
	if s := h.Summary(); s != (Latency{}) {
		t.Errorf("empty histogram: %+v", s)
	}
	h.Record(-time.Second)
	h.Record(math.MaxInt64)
	if s := h.Summary(); s.Samples != 2 || s.P50 != 0 || s.Max != float64(maxTracked)/1000 {
		t.Errorf("negative and huge durations: %+v", s)
	}
}

func TestHistogramReset(t *testing.T) {
	h := NewHistogram()
	h.Record(time.Second)
	h.Reset()
	h.Record(time.Millisecond)
	if s := h.Summary(); s.Samples != 1 || s.Max != 1 || s.P50 != 1 {
		t.Errorf("after a reset and one 1 ms sample: %+v", s)
	}
}
