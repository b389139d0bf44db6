package hub

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"time"
)

const (
	// presenceHeartbeat is how often an instance repeats who is online on
	// it, so other instances notice when it dies.
	presenceHeartbeat = 3 * time.Second
	// presenceExpiry forgets an instance that has not spoken for this long.
	presenceExpiry = 10 * time.Second
)

// presence is who is online on one board: the sessions on this instance,
// and what each other instance last said about its own. It belongs to the
// board's room.
type presence struct {
	local    map[string]int // participant id → sessions here
	remote   map[string]presencePart
	changed  bool      // the merged list may differ from the last one sent
	lastSent time.Time // when this instance last published its part
}

// presencePart is one instance's share of a board's presence, as it
// travels between instances on the board's ephemeral channel.
type presencePart struct {
	T        string    `json:"t"`
	Instance string    `json:"instance"`
	Online   []string  `json:"online"`
	seen     time.Time `json:"-"`
}

const presencePartType = "presence.part"

var presencePartPrefix = []byte(`{"t":"` + presencePartType + `"`)

func newPresence() presence {
	return presence{local: map[string]int{}, remote: map[string]presencePart{}}
}

func (p *presence) join(participant string) {
	p.local[participant]++
	p.changed = true
}

func (p *presence) leave(participant string) {
	if p.local[participant]--; p.local[participant] <= 0 {
		delete(p.local, participant)
	}
	p.changed = true
}

// heard takes another instance's part; it reports false if frame is not a
// presence part (it is ephemeral traffic for the clients).
func (p *presence) heard(frame []byte, now time.Time) bool {
	if !bytes.HasPrefix(frame, presencePartPrefix) {
		return false
	}
	var part presencePart
	if json.Unmarshal(frame, &part) != nil {
		return true
	}
	part.seen = now
	if old, ok := p.remote[part.Instance]; !ok || !slices.Equal(old.Online, part.Online) {
		p.changed = true
	}
	p.remote[part.Instance] = part
	return true
}

// tick forgets silent instances and says what to do now: the merged list
// to send to this instance's clients (nil if unchanged), and this
// instance's part to publish (nil if not due).
func (p *presence) tick(instance string, now time.Time) (online []string, part []byte) {
	for id, r := range p.remote {
		if now.Sub(r.seen) > presenceExpiry {
			delete(p.remote, id)
			p.changed = true
		}
	}
	if p.changed || now.Sub(p.lastSent) > presenceHeartbeat {
		p.lastSent = now
		part = encode(presencePart{T: presencePartType, Instance: instance, Online: slices.Sorted(maps.Keys(p.local))})
	}
	if !p.changed {
		return nil, part
	}
	p.changed = false
	merged := map[string]bool{}
	for id := range p.local {
		merged[id] = true
	}
	for _, r := range p.remote {
		for _, id := range r.Online {
			merged[id] = true
		}
	}
	return slices.Sorted(maps.Keys(merged)), part
}
