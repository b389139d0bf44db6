// Package presence keeps who is online on a board, across instances, and
// paces what screens are told of it: the whole list once, then who came
// and who left, at a few hundred bytes a second at most.
package presence

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/plenary/plenary/protocol"
)

const (
	// heartbeat is how often an instance repeats who is online on
	// it, so other instances notice when it dies.
	heartbeat = 3 * time.Second
	// expiry forgets an instance that has not spoken for this long.
	expiry = 10 * time.Second
	// bytesPerSecond is what presence may cost each client: after
	// a change frame of n bytes the next waits n/bytesPerSecond,
	// so however many people come and go, presence stays a small share
	// of a phone's link. What changes meanwhile is coalesced: someone who
	// left and came back is not news.
	bytesPerSecond = 600
	// maxIDs bounds the ids of one change frame (about 300
	// bytes), so that even a join storm's news is spread out rather than
	// sent at once; what is left over goes in the next frames.
	maxIDs = 32
)

// List is who is online on one board: the sessions on this instance,
// and what each other instance last said about its own. It belongs to the
// board's room goroutine, the only one that calls it.
//
// Clients are told the whole list once, when their session starts (full),
// and then only who came and who left, paced by bytesPerSecond.
// sent is the list as this instance's clients hold it.
type List struct {
	local  map[string]int // participant id → sessions here
	remote map[string]share
	sent   map[string]bool
	full   []byte    // sent as a presence frame; nil until encoded again
	dirty  bool      // the merged list may differ from sent
	moved  bool      // local differs from the last part published
	next   time.Time // when the next change frame may go
	// lastPart is when this instance last published its part.
	lastPart time.Time
}

// share is one instance's part of a board's presence, as it travels
// between instances on the board's ephemeral channel.
type share struct {
	T        string    `json:"t"`
	Instance string    `json:"instance"`
	Online   []string  `json:"online"`
	seen     time.Time `json:"-"`
}

const partType = "presence.part"

var partPrefix = []byte(`{"t":"` + partType + `"`)

// New is the list of a board nobody is online on yet.
func New() *List {
	return &List{local: map[string]int{}, remote: map[string]share{}, sent: map[string]bool{}}
}

// Join counts a session of participant on this instance.
func (p *List) Join(participant string) {
	p.local[participant]++
	p.dirty, p.moved = true, true
}

// Leave uncounts a session of participant on this instance.
func (p *List) Leave(participant string) {
	if p.local[participant]--; p.local[participant] <= 0 {
		delete(p.local, participant)
	}
	p.dirty, p.moved = true, true
}

// Heard takes another instance's part; it reports false if frame is not a
// presence part (it is ephemeral traffic for the clients).
func (p *List) Heard(frame []byte, now time.Time) bool {
	if !bytes.HasPrefix(frame, partPrefix) {
		return false
	}
	var part share
	if json.Unmarshal(frame, &part) != nil {
		return true
	}
	part.seen = now
	if old, ok := p.remote[part.Instance]; !ok || !slices.Equal(old.Online, part.Online) {
		p.dirty = true
	}
	p.remote[part.Instance] = part
	return true
}

// Full is the whole list as this instance's clients hold it, for a
// session that starts: encoded once for all who start between two
// changes.
func (p *List) Full() []byte {
	if p.full == nil {
		online := slices.AppendSeq(make([]string, 0, len(p.sent)), maps.Keys(p.sent))
		slices.Sort(online)
		p.full = protocol.Encode(protocol.Presence{T: "presence", Online: online})
	}
	return p.full
}

// Tick forgets silent instances and says what to do now: the change frame
// to send to this instance's clients (nil if nothing is new or it is not
// yet due), and this instance's part to publish (nil if not due).
func (p *List) Tick(instance string, now time.Time) (frame, part []byte) {
	for id, r := range p.remote {
		if now.Sub(r.seen) > expiry {
			delete(p.remote, id)
			p.dirty = true
		}
	}
	if p.moved || now.Sub(p.lastPart) > heartbeat {
		p.moved, p.lastPart = false, now
		part = protocol.Encode(share{T: partType, Instance: instance, Online: slices.Sorted(maps.Keys(p.local))})
	}
	if !p.dirty || now.Before(p.next) {
		return nil, part
	}
	came, left := p.changes()
	if len(came)+len(left) == 0 {
		return nil, part
	}
	frame = protocol.Encode(protocol.PresenceChange{T: "presence", Came: came, Left: left})
	p.full = nil
	p.next = now.Add(time.Duration(len(frame)) * time.Second / bytesPerSecond)
	return frame, part
}

// changes is who came and who left since the list was last sent, at most
// maxIDs of them; it marks them sent, and leaves dirty set while
// more are waiting.
func (p *List) changes() (came, left []string) {
	online := map[string]bool{}
	for id := range p.local {
		online[id] = true
	}
	for _, r := range p.remote {
		for _, id := range r.Online {
			online[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(online)) {
		if !p.sent[id] && len(came) < maxIDs {
			came = append(came, id)
			p.sent[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.sent)) {
		if !online[id] && len(came)+len(left) < maxIDs {
			left = append(left, id)
			delete(p.sent, id)
		}
	}
	p.dirty = len(online) != len(p.sent) || len(came)+len(left) == maxIDs
	return came, left
}
