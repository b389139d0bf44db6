package presence

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// TestPresencePacing: in a storm of 2,000 joins and as many leaves, on
// this instance and another, the change frames never add up to 1 KB in
// any second, and a client that applies them ends with the right list.
func TestPresencePacing(t *testing.T) {
	p := New()
	start := time.Unix(0, 0)
	held := map[string]bool{}
	var sentAt []time.Time
	var sizes []int
	other, _ := json.Marshal(share{T: partType, Instance: "other", Online: []string{"p5000", "p5001"}})
	for tick := range 3000 {
		now := start.Add(time.Duration(tick) * 200 * time.Millisecond)
		if tick < 100 {
			for i := range 20 {
				p.Join(fmt.Sprintf("p%d", tick*20+i))
			}
		}
		if tick == 100 {
			for i := range 1000 {
				p.Leave(fmt.Sprintf("p%d", i))
			}
		}
		if tick >= 100 {
			p.Heard(other, now)
		}
		frame, _ := p.Tick("here", now)
		if frame == nil {
			continue
		}
		var f struct{ Came, Left []string }
		if err := json.Unmarshal(frame, &f); err != nil {
			t.Fatal(err)
		}
		for _, id := range f.Came {
			held[id] = true
		}
		for _, id := range f.Left {
			delete(held, id)
		}
		sentAt, sizes = append(sentAt, now), append(sizes, len(frame))
		sum := 0
		for i := len(sentAt) - 1; i >= 0 && now.Sub(sentAt[i]) < time.Second; i-- {
			sum += sizes[i]
		}
		if sum >= 1024 {
			t.Fatalf("%d bytes of presence in the second up to %v", sum, now.Sub(start))
		}
	}
	want := []string{"p5000", "p5001"}
	for id := range p.local {
		want = append(want, id)
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(held)); !slices.Equal(got, want) {
		t.Fatalf("after the storm a client holds %d online, want %d", len(got), len(want))
	}
}
