package hub

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/plenary/plenary/protocol"
)

const (
	// presenceHeartbeat is how often an instance repeats who is online on
	// it, so other instances notice when it dies.
	presenceHeartbeat = 3 * time.Second
	// presenceExpiry forgets an instance that has not spoken for this long.
	presenceExpiry = 10 * time.Second
	// presenceBytesPerSecond is what presence may cost each client: after
	// a change frame of n bytes the next waits n/presenceBytesPerSecond,
	// so however many people come and go, presence stays a small share
	// of a phone's link. What changes meanwhile is coalesced: someone who
	// left and came back is not news.
	presenceBytesPerSecond = 600
	// presenceMaxIDs bounds the ids of one change frame (about 300
	// bytes), so that even a join storm's news is spread out rather than
	// sent at once; what is left over goes in the next frames.
	presenceMaxIDs = 32
)

// presence is who is online on one board: the sessions on this instance,
// and what each other instance last said about its own. It belongs to the
// board's room.
//
// Clients are told the whole list once, when their session starts (full),
// and then only who came and who left, paced by presenceBytesPerSecond.
// sent is the list as this instance's clients hold it.
type presence struct {
	local  map[string]int // participant id → sessions here
	remote map[string]presencePart
	sent   map[string]bool
	full   []byte    // sent as a presence frame; nil until encoded again
	dirty  bool      // the merged list may differ from sent
	moved  bool      // local differs from the last part published
	next   time.Time // when the next change frame may go
	// lastPart is when this instance last published its part.
	lastPart time.Time
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
	return presence{local: map[string]int{}, remote: map[string]presencePart{}, sent: map[string]bool{}}
}

func (p *presence) join(participant string) {
	p.local[participant]++
	p.dirty, p.moved = true, true
}

func (p *presence) leave(participant string) {
	if p.local[participant]--; p.local[participant] <= 0 {
		delete(p.local, participant)
	}
	p.dirty, p.moved = true, true
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
		p.dirty = true
	}
	p.remote[part.Instance] = part
	return true
}

// fullFrame is the whole list as this instance's clients hold it, for a
// session that starts: encoded once for all who start between two
// changes.
func (p *presence) fullFrame() []byte {
	if p.full == nil {
		online := slices.AppendSeq(make([]string, 0, len(p.sent)), maps.Keys(p.sent))
		slices.Sort(online)
		p.full = encode(protocol.Presence{T: "presence", Online: online})
	}
	return p.full
}

// tick forgets silent instances and says what to do now: the change frame
// to send to this instance's clients (nil if nothing is new or it is not
// yet due), and this instance's part to publish (nil if not due).
func (p *presence) tick(instance string, now time.Time) (frame, part []byte) {
	for id, r := range p.remote {
		if now.Sub(r.seen) > presenceExpiry {
			delete(p.remote, id)
			p.dirty = true
		}
	}
	if p.moved || now.Sub(p.lastPart) > presenceHeartbeat {
		p.moved, p.lastPart = false, now
		part = encode(presencePart{T: presencePartType, Instance: instance, Online: slices.Sorted(maps.Keys(p.local))})
	}
	if !p.dirty || now.Before(p.next) {
		return nil, part
	}
	came, left := p.changes()
	if len(came)+len(left) == 0 {
		return nil, part
	}
	frame = encode(protocol.PresenceChange{T: "presence", Came: came, Left: left})
	p.full = nil
	p.next = now.Add(time.Duration(len(frame)) * time.Second / presenceBytesPerSecond)
	return frame, part
}

// changes is who came and who left since the list was last sent, at most
// presenceMaxIDs of them; it marks them sent, and leaves dirty set while
// more are waiting.
func (p *presence) changes() (came, left []string) {
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
		if !p.sent[id] && len(came) < presenceMaxIDs {
			came = append(came, id)
			p.sent[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.sent)) {
		if !online[id] && len(came)+len(left) < presenceMaxIDs {
			left = append(left, id)
			delete(p.sent, id)
		}
	}
	p.dirty = len(online) != len(p.sent) || len(came)+len(left) == presenceMaxIDs
	return came, left
}
